"""`qroi export`: the store's tables as CSV (or Parquet) with a documented, stable header.

CSV cells are made inert for spreadsheets: a text cell starting with `=`, `+`, `-`, `@`, tab or
carriage return would be run as a formula by Excel or LibreOffice (CSV injection), so it gets a
leading apostrophe, which spreadsheets show as a plain-text marker. So does every line inside a
multi-line cell, and a row holding a line break anywhere is written fully quoted: Python's writer
leaves a bare CR unquoted, and a spreadsheet splits the row there, so the text after it would
start a cell of its own. Numbers are left alone.
"""

from __future__ import annotations

import csv
import io
import math
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

if TYPE_CHECKING:
    import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_LINE_STARTING_A_FORMULA = re.compile(r"(?<=[\r\n])(?=[=+\-@\t])")
"""A line inside a cell that a spreadsheet would evaluate if the cell were ever split at it."""


def inert(value: Any) -> Any:
    """A cell value that no spreadsheet will evaluate, on its first line or any other."""
    if not isinstance(value, str):
        return value
    if value.startswith(FORMULA_STARTS):
        value = "'" + value
    if "\r" in value or "\n" in value:
        value = _LINE_STARTING_A_FORMULA.sub("'", value)
    return value


def _breaks_line(cells: list[Any]) -> bool:
    return any(isinstance(c, str) and ("\r" in c or "\n" in c) for c in cells)


TABLES = (
    "commits",
    "changes",
    "files",
    "functions",
    "issues",
    "bug_links",
    "releases",
    "lineops",
    "ai",
    "duplication",
    "cycle_times",
)
"""What `qroi export` writes. Names only: the loaders need pandas, which `qroi ingest` (whose
module also defines this CLI's choices) should not pay for at start-up."""


BY_ROLE = ("commits", "changes", "files", "functions", "bug_links")
"""Tables `--roles` narrows: rows of a file (by its path's role), and commits that changed one."""


def table(engine: Engine, name: str, repo: str, kept: frozenset[str] | None = None) -> pd.DataFrame:
    """One export table with exactly its documented columns, in order.

    With `kept` (the roles of `--roles`), only rows of files of those roles (`qroi.read.file_roles`, by
    path) are kept, and of the commits those that changed such a file (a merge: in its diff
    against its first parent). None keeps every row, as `qroi export` without `--roles` does.
    """
    from qroi.core.errors import QroiError
    from qroi.read import ai_frames, cycle_time, file_roles, queries

    if kept is not None and name not in BY_ROLE:
        raise QroiError(f"--roles applies to {', '.join(BY_ROLE)}; the {name} table has no file paths")
    load, columns = {
        "commits": (queries.commits, queries.COMMIT_COLUMNS),
        "changes": (queries.changes, queries.CHANGE_COLUMNS),
        "files": (queries.head_files, queries.FILE_COLUMNS),
        "functions": (queries.head_functions, queries.FUNCTION_COLUMNS),
        "issues": (queries.issues, queries.ISSUE_COLUMNS),
        "bug_links": (queries.bug_links, queries.BUG_LINK_COLUMNS),
        "releases": (queries.releases, queries.RELEASE_COLUMNS),
        "lineops": (ai_frames.lineops_table, ai_frames.LINEOPS_COLUMNS),
        "ai": (ai_frames.declarations_table, ai_frames.AI_COLUMNS),
        "duplication": (ai_frames.duplication_table, ai_frames.DUPLICATION_COLUMNS),
        "cycle_times": (cycle_time.cycle_times, cycle_time.CHANGE_COLUMNS),
    }[name]
    frame = load(engine, repo)[columns]
    if kept is None:
        return frame
    if name == "commits":
        return frame[frame["sha"].isin(queries.commits_touching(engine, repo, kept))].reset_index(drop=True)
    return frame[[r in kept for r in file_roles.role_column(engine, repo, frame["path"])]].reset_index(
        drop=True
    )


def _cell_rule() -> Callable[[Any], Any]:
    """A frame's value -> its CSV cell: empty for missing, 1/0 for booleans, text made inert."""
    import numpy as np
    import pandas as pd

    def cell(value: Any) -> Any:
        if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
            return ""
        if isinstance(value, bool | np.bool_):
            return int(value)
        return inert(value)

    return cell


def csv_text(frame: pd.DataFrame) -> str:
    """The CSV the CLI writes and the dashboard offers for download (same rules for both)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    quoted = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow([inert(c) for c in frame.columns])
    cell = _cell_rule()
    for row in frame.itertuples(index=False, name=None):
        cells = [cell(v) for v in row]
        (quoted if _breaks_line(cells) else writer).writerow(cells)
    return buffer.getvalue()


def write(frame: pd.DataFrame, out: str, fmt: str = "csv") -> None:
    """Write to a path, or to stdout for '-' (CSV only)."""
    if fmt == "parquet":
        frame.to_parquet(Path(out), index=False)
        return
    data = csv_text(frame)
    if out == "-":
        sys.stdout.write(data)
    else:
        Path(out).write_text(data, encoding="utf-8")
