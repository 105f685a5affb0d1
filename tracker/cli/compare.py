"""`qroi compare REPO [OLD] [NEW]`: two revisions side by side (definitions: `qroi.read.compare`).

The read side (pandas) is imported when the command runs, so `qroi ingest` does not pay for it.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from qroi.cli import console
from qroi.core import roles
from qroi.core.errors import QroiError
from qroi.store import database

if TYPE_CHECKING:
    from qroi.read import compare as comparing


def _num(value: Any, digits: int = 0, sign: bool = False) -> str:
    """A figure for the terminal: '-' when missing (a file absent on one side)."""
    import pandas as pd

    if value is None or pd.isna(value):
        return "-"
    return f"{value:{'+' if sign else ''},.{digits}f}"


def compare_cmd(
    repo: Annotated[str, typer.Argument(help="Stored repository (see `qroi repos`).")],
    old: Annotated[
        str | None,
        typer.Argument(help="Older revision: a tag, a sha or HEAD [default: the second-last release]."),
    ] = None,
    new: Annotated[str | None, typer.Argument(help="Newer revision [default: the last release].")] = None,
    db: Annotated[
        str | None,
        typer.Option(
            "--db", envvar="QROI_DB", help="Store: SQLAlchemy URL or SQLite file path [default: qroi.db]."
        ),
    ] = None,
    file_roles: Annotated[
        str | None, typer.Option("--roles", help="File roles to include [default: product].")
    ] = None,
    top: Annotated[int, typer.Option(min=1, help="How many files and functions to list.")] = 10,
    depth: Annotated[int, typer.Option(min=1, max=6, help="Folder depth of the folder table.")] = 2,
    out: Annotated[
        str | None, typer.Option("--out", "-o", help="Also write every file's comparison as CSV here.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="table (for people) or json (for scripts).")] = "table",
) -> None:
    """What got worse between two revisions (default: the last two releases), and where."""
    if fmt not in ("table", "json"):
        raise QroiError(f"--format must be table or json, not {fmt!r}")
    from qroi.read import compare as comparing
    from qroi.read import export

    kept = roles.parse_selection(file_roles)
    engine = database.open_store(db)
    database.repo_id(engine, repo)
    result = comparing.compare(engine, repo, old, new, kept, depth)
    if out:
        export.write(result.files, out)
    if fmt == "json":
        console.out.print_json(json.dumps(_as_dict(result, top), allow_nan=False, default=str))
    else:
        _render(result, top)
    worse = result.worse_files
    console.summary(
        f"compared {repo} {result.old.label} ({result.old.sha[:10]}) with {result.new.label} "
        f"({result.new.sha[:10]}): {result.commits_between:,} commits between, {len(worse):,} files worse, "
        f"{len(result.functions):,} functions crossed rank C, {len(result.new_hotspots):,} new hotspots"
    )


def _records(frame: Any, columns: list[str]) -> list[dict[str, Any]]:
    rows = frame[columns].astype(object).where(frame[columns].notna(), None)
    return [dict(zip(columns, row, strict=True)) for row in rows.itertuples(index=False, name=None)]


def _as_dict(result: comparing.Comparison, top: int) -> dict[str, Any]:
    from qroi.read import compare as comparing

    totals = result.totals.astype(object).where(result.totals.notna(), None)
    return {
        "repo": result.repo,
        "old": vars(result.old),
        "new": vars(result.new),
        "file_roles": sorted(result.kept),
        "commits_between": result.commits_between,
        "totals": {side: dict(totals.loc[side]) for side in ("old", "new")},
        "worse_files": _records(result.worse_files.head(top), comparing.FILE_COLUMNS),
        "new_hotspots": _records(result.new_hotspots, comparing.FILE_COLUMNS),
        "crossed_functions": _records(result.functions.head(top), comparing.FUNCTION_COLUMNS),
        "folders": _records(result.folders, comparing.FOLDER_COLUMNS),
    }


def _render(result: comparing.Comparison, top: int) -> None:
    from qroi.read import compare as comparing

    out = console.out
    t = result.totals
    title = (
        f"{result.repo}: {result.old.label} -> {result.new.label} ({', '.join(sorted(result.kept))} files)"
    )
    table = Table(title=title)
    for column in ("", result.old.label, result.new.label, "change"):
        table.add_column(column, justify="right")
    for key, label, digits in (
        ("files", "Python files", 0),
        ("sloc", "sloc", 0),
        ("cc_total", "total CC", 0),
        ("c_or_worse", "functions ranked C or worse", 0),
        ("mi", "MI (sloc-weighted)", 2),
    ):
        a, b = t.loc["old", key], t.loc["new", key]
        delta = None if a is None or b is None or a != a or b != b else b - a
        table.add_row(label, _num(a, digits), _num(b, digits), _num(delta, digits, sign=True))
    out.print(table)

    worse = result.worse_files.head(top)
    files = Table(title=f"Files that got worse ({len(result.worse_files):,}; MI fell or total CC rose)")
    for column in ("path", "MI", "ΔMI", "CC", "ΔCC", "Δsloc", "commits between"):
        files.add_column(column, justify="left" if column == "path" else "right")
    for row in worse.itertuples():
        files.add_row(
            row.path,
            _num(row.mi_new, 1),
            _num(row.mi_delta, 1, True),
            _num(row.cc_total_new),
            _num(row.cc_total_delta, 0, True),
            _num(row.sloc_delta, 0, True),
            f"{row.commits_between:,}",
        )
    out.print(files)

    folders = result.folders.sort_values(["mi_delta", "folder"], na_position="last").head(top)
    where = Table(title="Folders, largest MI loss first")
    for column in ("folder", "files", "MI", "ΔMI", "ΔCC", "Δsloc", "commits between"):
        where.add_column(column, justify="left" if column == "folder" else "right")
    for row in folders.itertuples():
        where.add_row(
            row.folder,
            f"{row.files_new:,}",
            _num(row.mi_new, 1),
            _num(row.mi_delta, 1, True),
            _num(row.cc_total_delta, 0, True),
            _num(row.sloc_delta, 0, True),
            f"{row.commits_between:,}",
        )
    out.print(where)

    crossed = Table(title=f"Functions that crossed rank C (CC >= 11): {len(result.functions):,}")
    for column in ("function", "path:line", "CC before", "CC now"):
        crossed.add_column(column)
    for row in result.functions.head(top).itertuples():
        name = f"{row.class_name}.{row.name}" if isinstance(row.class_name, str) else row.name
        crossed.add_row(name, f"{row.path}:{row.lineno}", _num(row.complexity_old), str(row.complexity_new))
    out.print(crossed)

    hot = Table(title=f"New hotspots (in the top {comparing.TOP_HOTSPOTS} now, not before)")
    for column in ("path", "rank before", "rank now", "commits between", "status"):
        hot.add_column(column)
    for row in result.new_hotspots.itertuples():
        hot.add_row(
            row.path,
            _num(row.hotspot_rank_old),
            str(row.hotspot_rank_new),
            f"{row.commits_between:,}",
            row.status,
        )
    out.print(hot)
