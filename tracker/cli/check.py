"""`qroi check`: gate one change (a pull request's base..head, or the work tree) on code quality.

The comparison itself is `qroi.check` (git and the scorer, no store). With `--db`, this module
adds what only the store knows: whether a touched file is one of the repository's hotspots
(`qroi.read.hotspots`) and what the claim test says about files like it here, run on the spot
with Wald intervals (no bootstrap) so the gate stays quick.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import Engine

from qroi.check.compare import CheckOptions, HotspotFact, StoreContext, run_check
from qroi.check.findings import Finding
from qroi.cli import console
from qroi.core.errors import QroiError
from qroi.git.changes import WORKTREE

CLAIM_QUALITY = "cc_max"
"""The claim test's metric behind the hotspot note: the worst function's complexity, what the gate flags."""


class FailOn(StrEnum):
    new = "new"
    worse = "worse"
    never = "never"


def claim_sentence(engine: Engine, repo: str) -> str:
    """What the claim test says here about more complex files and bug fixes, in one sentence."""
    from qroi.analysis.claim import claim_test

    try:
        result = claim_test(engine, [repo], [CLAIM_QUALITY], ["defects"], n_boot=0)
    except QroiError as exc:
        return f"The claim test is not available for {repo}: {exc}."
    h = result.report.hypotheses[0]
    effect = h.adjusted
    if not h.ok or effect is None:
        return f"The claim test could not estimate {h.name} for {repo}: {h.reason}."
    return (
        f"Claim test ({h.name}, {h.n_rows:,} file-windows of {result.window}, {effect.model},"
        f" adjusted for {', '.join(effect.adjusted_for) or 'nothing'}): in {repo}, files one SD more"
        f" complex get {effect.ratio:.2f}x [{effect.ci_low:.2f}-{effect.ci_high:.2f}] the bug-fix rate;"
        f" verdict: {h.verdict}."
    )


def store_context(db: str | None, repo: str | None, top: int) -> StoreContext:
    """The store's view of the repository: its top hotspots and the claim test's sentence."""
    from qroi.cli.commands import open_store
    from qroi.read.hotspots import hotspots
    from qroi.store import database

    engine = open_store(db)
    name = database.pick_repo(engine, repo)
    ranked = hotspots(engine, name)
    ranked = ranked[ranked["score"] > 0].reset_index(drop=True)
    facts = {
        str(row.path): HotspotFact(i + 1, len(ranked), int(row.commits), int(row.bugfix_commits))
        for i, row in enumerate(ranked.head(top).itertuples())
    }
    return StoreContext(name, facts, claim_sentence(engine, name) if facts else "")


def render(findings: list[Finding]) -> None:
    """The findings as a terminal table (stdout), one row each."""
    table = Table(title="findings", title_justify="left")
    for col in ("level", "rule", "where", "finding"):
        table.add_column(col)
    for f in findings:
        table.add_row(f.level, f"{f.rule} {f.rule_name}", f"{f.path}:{f.line}", f.message)
    console.out.print(table)


def _n(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def check_cmd(
    path: Annotated[Path, typer.Argument(help="The git repository [default: the current directory].")] = Path(
        "."
    ),
    base: Annotated[
        str, typer.Option(help="The revision the change starts from (a pull request's base).")
    ] = "",
    head: Annotated[
        str, typer.Option(help=f"The revision it ends at, or {WORKTREE} for the files on disk now.")
    ] = "HEAD",
    db: Annotated[
        str | None,
        typer.Option(help="A store with this repository's history: adds hotspots and the claim test's word."),
    ] = None,
    repo: Annotated[
        str | None,
        typer.Option("--repo", "-r", help="Stored repository [default: the only one in the store]."),
    ] = None,
    sarif: Annotated[Path | None, typer.Option(help="Write the findings as SARIF 2.1.0 here.")] = None,
    markdown: Annotated[
        Path | None, typer.Option(help="Write a short pull-request comment (Markdown) here.")
    ] = None,
    fail_on: Annotated[
        FailOn,
        typer.Option(
            help="Exit 1 on new findings (new), on new or worsened ones (worse), or never.",
        ),
    ] = FailOn.new,
    rank: Annotated[
        str, typer.Option(help="Radon rank (A-F) from which a function's complexity is reported.")
    ] = "C",
    mi_drop: Annotated[
        float, typer.Option(help="Maintainability-index points a file may lose before it is reported.")
    ] = 5.0,
    hotspots: Annotated[
        int, typer.Option(min=1, help="With --db: how many of the top-ranked hotspots count as hotspots.")
    ] = 10,
) -> None:
    """Check a change: new or more complex functions, MI drops, duplicated blocks; exit 1 when --fail-on is met."""
    from qroi.check.markdown import markdown as markdown_text
    from qroi.check.sarif import sarif_text

    if not base:
        raise QroiError("--base is required: the revision the change starts from (e.g. origin/main)")
    options = CheckOptions(rank=rank.upper(), mi_drop=mi_drop)
    options.validate()
    context = store_context(db, repo, hotspots) if db is not None else None
    report = run_check(path, base, head, options, context)
    if report.findings:
        render(report.findings)
    if sarif is not None:
        sarif.write_text(sarif_text(report), encoding="utf-8")
    if markdown is not None:
        markdown.write_text(markdown_text(report, fail_on.value), encoding="utf-8")
    failed = report.failed(fail_on.value)
    notes = report.count("info")
    console.summary(
        f"checked {base}..{head}: {_n(len(report.files), 'Python file')} of {_n(report.changed_paths, 'changed path')},"
        f" {report.count('new')} new findings, {report.count('worse')} made worse"
        + (f", {notes} hotspot notes" if notes else "")
        + f" in {report.seconds:.2f}s; {'fails' if failed else 'passes'} --fail-on {fail_on.value}"
        + (f"; SARIF in {sarif}" if sarif else "")
    )
    if failed:
        raise typer.Exit(1)
