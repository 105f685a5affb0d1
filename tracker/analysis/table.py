"""Load a user's own file-level table (CSV) so results from other tools get the same statistics.

Users bring spreadsheets: arbitrary column names, ';' separators and decimal commas, gaps and
"n/a" cells. Unusable rows are dropped and counted, never silently kept or fatal.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def _numeric(column: pd.Series, decimal: str) -> pd.Series:
    """To numbers; a column pandas left as text (junk in some cells) is parsed cell by cell."""
    if pd.api.types.is_numeric_dtype(column):
        return column.astype(float)
    text = column.astype("string").str.strip()
    if decimal != ".":
        text = text.str.replace(decimal, ".", regex=False)
    return pd.to_numeric(text, errors="coerce")


def load_table(
    path: str | Path,
    quality: str,
    outcome: str,
    size: str | None = None,
    exposure: str | None = None,
    unit: str | None = None,
    sep: str = ",",
    decimal: str = ".",
) -> tuple[pd.DataFrame, int]:
    """Read the named columns of a CSV; return (table, rows dropped for missing/non-numeric values).

    Columns keep their names, so a HypothesisSpec can refer to them as written in the file.
    Raises ValueError with a one-line message for a missing file or column, or an empty table.
    Cells that are not plain numbers in the given decimal style (e.g. "1.234,5") are dropped,
    not guessed at.
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"table file not found: {path}")
    try:
        raw = pd.read_csv(path, sep=sep, decimal=decimal, skipinitialspace=True)
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValueError(f"cannot read {path.name} as CSV (sep={sep!r}): {first_line}") from None
    raw.columns = [str(c).strip() for c in raw.columns]
    wanted = {"quality": quality, "outcome": outcome, "size": size, "exposure": exposure, "unit": unit}
    for role, column in wanted.items():
        if column is not None and column not in raw.columns:
            hint = " (is the separator right?)" if len(raw.columns) == 1 else ""
            raise ValueError(
                f"{role} column {column!r} not found in {path.name}; "
                f"columns are: {', '.join(raw.columns)}{hint}"
            )
    columns = list(dict.fromkeys(c for c in wanted.values() if c is not None))
    table = raw[columns].copy()
    numeric = [c for r, c in wanted.items() if c is not None and r != "unit"]
    for c in dict.fromkeys(numeric):
        table[c] = _numeric(table[c], decimal)
    keep = table[list(dict.fromkeys(numeric))].notna().all(axis=1)
    if unit is not None:
        keep &= table[unit].notna() & (table[unit].astype("string").str.strip() != "")
    table = table[keep].reset_index(drop=True)
    if table.empty:
        raise ValueError(f"no usable rows in {path.name}: every row has a missing or non-numeric value")
    return table, int((~keep).sum())
