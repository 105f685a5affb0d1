"""The `qroi` command line. Thin: parse options, call the library, print one summary line.

Every failure the user can cause ends as `qroi: error: <one line>` on stderr and exit status 2;
an interrupted run exits 130 and keeps every batch it had written.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import time
import traceback
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from qroi.ai.ai_step import AiOptions
from qroi.cli import console, payback, start
from qroi.cli import labels as labels_cli
from qroi.cli.check import check_cmd
from qroi.cli.compare import compare_cmd
from qroi.core import roles
from qroi.core.calendar import Period
from qroi.core.errors import QroiError
from qroi.core.parallel import default_workers
from qroi.delivery.delivery_step import DeliveryOptions
from qroi.ingest import fleet
from qroi.ingest.pipeline import IngestOptions, IngestResult, ingest
from qroi.read import export, headline_cache
from qroi.scoring.scorer import DEFAULT_BUDGET_SECONDS
from qroi.store import database

INTERRUPTED_CODE = 130  # 128 + SIGINT, as shells report a command stopped by Ctrl-C

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    help="qroi: does higher code quality deliver more value in this codebase? Mine, score, link, test.",
)

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db", envvar="QROI_DB", help="Store: SQLAlchemy URL or SQLite file path [default: qroi.db]."
    ),
]
QuietOption = Annotated[
    bool, typer.Option("--quiet", "-q", help="No progress display (the summary line stays).")
]
RepoOption = Annotated[
    str, typer.Option("--repo", "-r", help="Name of a stored repository (see `qroi repos`).")
]
StoredRepo = Annotated[
    str | None,
    typer.Argument(help="Name of a stored repository (see `qroi repos`) [default: the only one stored]."),
]
FormatOption = Annotated[
    str, typer.Option("--format", help="table (for people) or json (for scripts, on standard output).")
]
RolesOption = Annotated[
    str | None,
    typer.Option(
        "--roles",
        help="File roles to include: product (default), all, or a list like product,example"
        " (roles: product, vendored, generated, notebook, test, docs, example, build).",
    ),
]
IncludeOption = Annotated[
    list[str] | None,
    typer.Option(
        "--include",
        help="Path glob (repeatable) counted as product code whatever the role rules say"
        " (adds to the repository's [tool.qroi] include).",
    ),
]
ExcludeOption = Annotated[
    list[str] | None,
    typer.Option(
        "--exclude",
        help="Path glob (repeatable) left out of every role (beats --include and [tool.qroi]).",
    ),
]


app.command("check")(check_cmd)
app.command("payback")(payback.payback_cmd)
app.command("compare")(compare_cmd)

ExportTable = StrEnum("ExportTable", {name: name for name in export.TABLES})  # type: ignore[misc]


class ExportFormat(StrEnum):
    csv = "csv"
    parquet = "parquet"


open_store = database.open_store
"""Readers refuse a store that does not exist (one definition, shared with the Python API)."""


def _ingest_line(result: IngestResult, engine: Engine, verdict: str = "") -> str:
    rate = result.commits_added / result.seconds if result.seconds else 0.0
    new = f"{result.commits_added:,} new commits" if result.commits_added else "up to date, 0 new commits"
    if result.history_change:
        new = (
            f"history changed ({result.history_change.describe()}): {result.history_dropped:,} stored"
            f" commits dropped and the current history mined, {result.commits_added:,} commits"
        )
    return (
        f"ingested {result.repo}: {new} ({result.commits_total:,} stored) in {result.seconds:.1f}s"
        f" ({rate:,.0f} commits/s); {result.blobs_scored:,} blobs scored"
        f"{f', {result.blobs_translated:,} translated from Python 2' if result.blobs_translated else ''};"
        f" {result.python_blobs_unscored:,} of {result.python_blobs_total:,} Python blobs unscored"
        f" ({result.unscored_share:.1%});{_delivery_part(result)}{_ai_part(result)}{verdict} store {database.shown(str(engine.url))}"
    )


def _tags_left(names: list[str], shown: int = 3) -> str:
    """'(2 tags not taken as releases: nightly, v2.0rc1)': what --release-pattern would have to add."""
    if not names:
        return ""
    more = f", +{len(names) - shown:,} more" if len(names) > shown else ""
    return f" ({len(names):,} tags not taken as releases: {', '.join(names[:shown])}{more})"


def _delivery_part(result: IngestResult) -> str:
    report = result.delivery
    if report is None:
        return ""
    relabelled = (
        f"{report.fixes_relabelled:,} commits re-flagged by the bug-fix rule, "
        if report.fixes_relabelled
        else ""
    )
    return (
        f" delivery signals in {report.total_seconds:.1f}s ({relabelled}{report.fixes_blamed:,} fixes blamed,"
        f" {report.releases:,} releases{_tags_left(report.tags_not_releases)},"
        f" {report.change_failures:,} change failures);"
    )


def _ai_part(result: IngestResult) -> str:
    report = result.ai
    if report is None:
        return ""
    return (
        f" line operations of {report.classified:,} commits and AI-era lens in {report.total_seconds:.1f}s"
        f" ({report.flagged:,} commits declare AI assistance);"
    )


@app.command("ingest")
def ingest_cmd(
    target: Annotated[
        str | None, typer.Argument(help="Path to a git repository (normal or bare) or a clone URL.")
    ] = None,
    db: DbOption = None,
    name: Annotated[
        str | None, typer.Option(help="Name to store it under [default: the folder or URL name].")
    ] = None,
    branch: Annotated[str | None, typer.Option(help="Branch or revision to walk [default: HEAD].")] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Processes: scoring for one repository; repositories in parallel with --from [default: one per core].",
        ),
    ] = None,
    budget: Annotated[
        float,
        typer.Option(
            min=0, help="Seconds Radon may spend on one blob before it is skipped and flagged (0: no limit)."
        ),
    ] = DEFAULT_BUDGET_SECONDS,
    batch_size: Annotated[
        int, typer.Option(min=1, help="Commits per transaction (an interrupted run keeps whole batches).")
    ] = 500,
    bugfix_pattern: Annotated[
        str | None,
        typer.Option(
            help="Case-insensitive regex that marks a commit message as a bug fix; a new one re-flags the stored commits [default: the rule in the README, or as last time]."
        ),
    ] = None,
    cache_dir: Annotated[
        Path | None,
        typer.Option(help="Where clone URLs are cached [default: ~/.cache/qroi/clones or $QROI_CACHE]."),
    ] = None,
    from_file: Annotated[
        Path | None,
        typer.Option("--from", help="Ingest every repository listed in FILE (paths or URLs, one a line)."),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            help="Dask cluster (tcp://HOST:PORT): one repository's blobs are scored on its workers; with --from, whole repositories run there (needs a server store)."
        ),
    ] = None,
    rework_days: Annotated[
        float | None,
        typer.Option(
            min=0,
            help="Lines deleted within this many days of being added count as rework [default: 21, or as last time].",
        ),
    ] = None,
    failure_days: Annotated[
        float | None,
        typer.Option(
            min=0,
            help="A release followed within this many days by a patch release or a revert of its commits is a change failure [default: 14, or as last time].",
        ),
    ] = None,
    release_pattern: Annotated[
        str | None,
        typer.Option(
            help="Regex a tag name must match in full to count as a release [default: version numbers, or as last time]."
        ),
    ] = None,
    ignore_revs: Annotated[
        Path | None,
        typer.Option(
            help="File of formatting commits (full ids, one a line) SZZ's blame looks through [default: the repository's .git-blame-ignore-revs]."
        ),
    ] = None,
    dmm: Annotated[
        bool | None,
        typer.Option(
            "--dmm/--no-dmm",
            help="Compute PyDriller's DMM scores (slow: about 20 commits/s per core) [default: as last time, else off].",
        ),
    ] = None,
    use_mailmap: Annotated[
        bool | None,
        typer.Option(
            "--mailmap/--no-mailmap",
            help="Resolve author identities through the .mailmap committed at the ingested revision [default: on].",
        ),
    ] = None,
    churn_days: Annotated[
        float | None,
        typer.Option(
            help="Lines changed or deleted within this many days of being written count as churn [default: 14, or as last time]."
        ),
    ] = None,
    min_moved: Annotated[
        int | None,
        typer.Option(help="Lines (with code) a block needs to count as moved [default: 3, or as last time]."),
    ] = None,
    min_copy: Annotated[
        int | None,
        typer.Option(
            help="Lines (with code) a block needs to count as copy/pasted or duplicated [default: 5, or as last time]."
        ),
    ] = None,
    ai_rules: Annotated[
        Path | None,
        typer.Option(
            help="Rule file (TOML) that extends or replaces the shipped rules for declared AI assistance [default: as last time, else the shipped rules]."
        ),
    ] = None,
    with_headline: Annotated[
        bool,
        typer.Option(
            "--headline/--no-headline",
            help="End by running the claim test's quick headline and caching it for the dashboard's first screen (seconds on a large history; loads the statistics libraries). Without it the dashboard computes the headline when first opened.",
        ),
    ] = True,
    quiet: QuietOption = False,
) -> None:
    """Mine a repository's history into the store; later runs add only new commits."""
    if (target is None) == (from_file is None):
        raise QroiError("give one repository (path or URL) or --from FILE")
    if from_file is not None and name:
        raise QroiError("--name names one repository; with --from each is named after its folder or URL")
    engine = open_store(db, write=True)
    signals = DeliveryOptions(
        rework_days=rework_days,
        failure_days=failure_days,
        release_pattern=release_pattern,
        ignore_revs=ignore_revs,
        dmm=dmm,
        mailmap=use_mailmap,
        bugfix_pattern=bugfix_pattern,
    )
    signals.validate()
    lens = AiOptions(churn_days=churn_days, min_moved=min_moved, min_copy=min_copy, rules=ai_rules)
    lens.validate()
    options = IngestOptions(
        name=name,
        branch=branch,
        workers=workers,
        budget=budget or None,
        batch_size=batch_size,
        cache_dir=cache_dir,
        delivery=signals,
        ai=lens,
        scheduler=scheduler if from_file is None else None,
    )
    if from_file is not None:
        _ingest_many(engine, fleet.read_targets(from_file), options, workers, scheduler, quiet)
        return
    progress = console.progress_for(f"ingest {name or target}", quiet)
    try:
        result = ingest(engine, target, options, progress)
    finally:
        console.stop(progress)
    console.summary(_ingest_line(result, engine, _headline_part(engine, result.repo, with_headline)))


def _headline_part(engine: Engine, repo: str, wanted: bool) -> str:
    """Cache the claim test's headline for the dashboard's first screen (kept while still current)."""
    stored = headline_cache.current(engine, repo)
    if stored is not None:  # nothing new since: a query, not the statistics stack
        return f" does quality pay: {headline_cache.answer(stored)} (cached for the dashboard);"
    if not wanted:
        return " headline not computed (--no-headline: the dashboard computes it when first opened);"
    from qroi.analysis import headline  # statsmodels and scipy: only commands that analyse load them

    return f" does quality pay: {headline.refresh(engine, repo).answer} (cached for the dashboard);"


def _ingest_many(
    engine: Engine,
    targets: list[str],
    options: IngestOptions,
    workers: int | None,
    scheduler: str | None,
    quiet: bool,
) -> None:
    database.init_schema(engine)
    url = engine.url.render_as_string(hide_password=False)
    display = console.fleet_progress(len(targets), quiet)
    started = time.perf_counter()
    try:
        if scheduler:
            results = fleet.ingest_distributed(url, targets, options, scheduler, display.done)
        else:
            count = min(workers or default_workers(), len(targets))
            results = fleet.ingest_local(url, targets, options, count, display.event, display.done)
    finally:
        display.stop()
    table = Table(title="ingested repositories", title_justify="left")
    for col in ("repository", "new commits", "stored", "blobs scored", "seconds", "result"):
        table.add_column(col, justify="left" if col in ("repository", "result") else "right")
    for r in sorted(results, key=lambda r: r.target):
        table.add_row(
            r.repo or r.target,
            f"{r.commits_added:,}",
            f"{r.commits_total:,}",
            f"{r.blobs_scored:,}",
            f"{r.seconds:.1f}",
            r.error or "ok",
        )
    console.out.print(table)
    failed = [r for r in results if r.error]
    added = sum(r.commits_added for r in results)
    elapsed = time.perf_counter() - started
    console.summary(
        f"ingested {len(results) - len(failed)} of {len(results)} repositories: {added:,} new commits in "
        f"{elapsed:.1f}s ({added / elapsed if elapsed else 0:,.0f} commits/s)"
        + (f"; {len(failed)} failed" if failed else "")
        + f"; store {database.shown(url)}"
    )
    if failed:
        raise typer.Exit(2)


@app.command("repos")
def repos_cmd(db: DbOption = None, fmt: FormatOption = "table") -> None:
    """List stored repositories: name, commits, authors, last ingest, HEAD."""
    import pandas as pd  # here, not at the top: `qroi ingest` starts a third faster without it

    from qroi.read import queries

    def _day(ts: Any) -> str:
        return "-" if pd.isna(ts) else (queries.iso(int(ts), 0) or "-")[:10]

    _check_format(fmt)
    engine = open_store(db)
    frame = queries.repos(engine)
    commits = int(frame["commits"].sum()) if len(frame) else 0
    done_line = f"{len(frame)} repositories, {commits:,} commits in {database.shown(str(engine.url))}"
    if fmt == "json":
        console.out.print_json(frame.drop(columns="id").to_json(orient="records"))
        console.summary(done_line)
        return
    table = Table(title=f"repositories in {database.shown(str(engine.url))}", title_justify="left")
    for col in ("name", "commits", "authors", "history", "last ingest (UTC)", "HEAD", "source"):
        table.add_column(col, justify="right" if col in ("commits", "authors") else "left")
    for row in frame.itertuples():
        done = pd.notna(row.last_ingest_ts)  # a run still going, or interrupted, has not finished
        last = (queries.iso(int(row.last_ingest_ts), 0) or "")[:19] if done else "incomplete"
        history = f"{_day(row.first_ts)} .. {_day(row.last_ts)}"
        table.add_row(
            row.name,
            f"{row.commits:,}",
            f"{row.authors:,}",
            history,
            last,
            row.head_sha[:12] if isinstance(row.head_sha, str) else "-",
            row.source,
        )
    console.out.print(table)
    console.summary(done_line)


def _check_format(fmt: str) -> None:
    if fmt not in ("table", "json"):
        raise QroiError(f"--format must be table or json, not {fmt!r}")


@app.command("summary")
def summary_cmd(
    repo: StoredRepo = None,
    db: DbOption = None,
    top: Annotated[int, typer.Option(min=1, help="How many hotspots to list.")] = 10,
    file_roles: RolesOption = None,
    include: IncludeOption = None,
    exclude: ExcludeOption = None,
    fmt: FormatOption = "table",
) -> None:
    """A terminal report: quality now, its quarterly trend, and the top hotspots."""
    from qroi.cli import summary as summary_report

    _check_format(fmt)
    kept = roles.parse_selection(file_roles)
    engine = open_store(db)
    repo = database.pick_repo(engine, repo)
    data = summary_report.gather(engine, repo, top, kept, roles.command_globs(include, exclude))
    if fmt == "json":
        console.out.print_json(json.dumps(summary_report.to_dict(data), allow_nan=False))
    else:
        summary_report.render(data, console.out)
    console.summary(
        f"summary of {repo}: {len(data.commits):,} commits, {len(data.files):,} Python files at HEAD"
    )


@app.command("export")
def export_cmd(
    table: Annotated[ExportTable, typer.Argument(help="Which table.")],
    repo: Annotated[
        str | None,
        typer.Option("--repo", "-r", help="Name of a stored repository [default: the only one stored]."),
    ] = None,
    db: DbOption = None,
    out: Annotated[str, typer.Option("--out", "-o", help="Output file, or - for standard output.")] = "-",
    fmt: Annotated[ExportFormat, typer.Option("--format", help="parquet needs --out.")] = ExportFormat.csv,
    file_roles: Annotated[
        str | None,
        typer.Option(
            "--roles",
            help="Only rows of files of these roles (product, all, or a list like product,test), and "
            "commits that changed one; for commits, changes, files, functions and bug_links "
            "[default: every row].",
        ),
    ] = None,
) -> None:
    """Write one table (commits, changes, files, functions, issues, bug_links, releases, lineops, ai, duplication, cycle_times) as CSV or Parquet."""
    if fmt is ExportFormat.parquet and out == "-":
        raise QroiError("--format parquet needs --out FILE")
    kept = roles.parse_selection(file_roles) if file_roles is not None else None
    engine = open_store(db)
    repo = database.pick_repo(engine, repo)
    frame = export.table(engine, table.value, repo, kept)
    export.write(frame, out, fmt.value)
    console.summary(
        f"exported {len(frame):,} {table.value} rows of {repo} to {'standard output' if out == '-' else out}"
    )


def _bands(text: str | None) -> tuple[float, ...] | None:
    if not text:
        return None
    try:
        cuts = tuple(float(part) for part in text.split(","))
    except ValueError as exc:
        raise QroiError(f"--bands must be comma-separated numbers, e.g. 3,7 (got {text!r})") from exc
    if list(cuts) != sorted(set(cuts)):
        raise QroiError(f"--bands cut points must be strictly ascending (got {text!r})")
    return cuts


@app.command("analyze")
def analyze_cmd(
    repos: Annotated[
        list[str] | None,
        typer.Argument(help="Stored repositories; several are analysed one by one, then pooled."),
    ] = None,
    db: DbOption = None,
    window: Annotated[
        str, typer.Option(help="Window length: quality at its start, outcomes during it (e.g. 3M, 6M, 1Y).")
    ] = "6M",
    quality: Annotated[
        list[str] | None,
        typer.Option(
            "--quality",
            help="Quality metric (repeatable) [default: mi, cc_density, cc_max]; with --table, its column.",
        ),
    ] = None,
    outcome: Annotated[
        list[str] | None,
        typer.Option("--outcome", help="Outcome (repeatable) [default: defects]; with --table, its column."),
    ] = None,
    sesoi: Annotated[
        float,
        typer.Option(
            min=1.0001,
            help="Smallest effect of interest, as a ratio: effects inside [1/SESOI, SESOI] count as no effect.",
        ),
    ] = 1.1,
    bands: Annotated[
        str | None, typer.Option(help="Quality band cut points, e.g. 3,7 [default: tertiles].")
    ] = None,
    boot: Annotated[
        int,
        typer.Option(
            min=0, help="Cluster-bootstrap resamples for the CIs (0: cluster-robust Wald intervals)."
        ),
    ] = 199,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap.")] = 0,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the full machine-readable report here.")
    ] = None,
    panel_out: Annotated[
        Path | None, typer.Option("--panel", help="Write the analysed panel (CSV) here.")
    ] = None,
    table: Annotated[
        Path | None, typer.Option(help="Analyse any file-level CSV instead of the store.")
    ] = None,
    higher_is_better: Annotated[
        bool,
        typer.Option(
            "--higher-is-better/--lower-is-better",
            help="With --table: which end of the quality column is good.",
        ),
    ] = False,
    size: Annotated[
        str | None, typer.Option(help="With --table: size column (adjusted for, as log).")
    ] = None,
    exposure: Annotated[
        str | None, typer.Option(help="With --table: exposure column, e.g. number of changes (as log).")
    ] = None,
    unit: Annotated[
        str | None, typer.Option(help="With --table: unit column (e.g. file) when units repeat across rows.")
    ] = None,
    cluster: Annotated[
        str | None,
        typer.Option(
            help="With --table: cluster rows by this column (e.g. codebase) for errors and bootstrap; "
            "overrides --unit [default: rows are independent]."
        ),
    ] = None,
    outcome_kind: Annotated[
        str, typer.Option(help="With --table: count (negative binomial) or time (log-linear).")
    ] = "count",
    sep: Annotated[str, typer.Option(help="With --table: field separator.")] = ",",
    decimal: Annotated[str, typer.Option(help="With --table: decimal mark, e.g. ',' for 3,5.")] = ".",
    file_roles: RolesOption = None,
    include: IncludeOption = None,
    exclude: ExcludeOption = None,
) -> None:
    """Test "does higher quality deliver more value here?" with honest statistics."""
    from qroi.analysis import HypothesisSpec, analyze, load_table
    from qroi.analysis.claim import claim_test
    from qroi.cli import verdicts

    cuts = _bands(bands)
    if table is not None:
        if repos:
            raise QroiError("give either repositories or --table, not both")
        if not quality or not outcome or len(quality) > 1 or len(outcome) > 1:
            raise QroiError("--table needs exactly one --quality column and one --outcome column")
        if outcome_kind not in ("count", "time"):
            raise QroiError(f"--outcome-kind must be count or time, not {outcome_kind!r}")
        try:
            frame, dropped = load_table(
                table,
                quality[0],
                outcome[0],
                size=size,
                exposure=exposure,
                unit=cluster or unit,
                sep=sep,
                decimal=decimal,
            )
            spec = HypothesisSpec(
                quality=quality[0],
                outcome=outcome[0],
                outcome_kind=outcome_kind,  # type: ignore[arg-type]
                higher_is_better=higher_is_better,
                size=size,
                exposure=exposure,
                unit=cluster or unit,
                bands=cuts,
                sesoi=sesoi,
                n_boot=boot,
            )
        except ValueError as exc:
            raise QroiError(str(exc)) from exc
        report = analyze(frame, [spec], seed=seed, n_dropped_on_load=dropped)
        verdicts.render_report(report, console.out, f"{table.name}: does quality pay?")
        if json_out:
            json_out.write_text(report.to_json(indent=2))
        if panel_out:
            panel_out.write_text(export.csv_text(frame))
        h = report.hypotheses[0]
        console.summary(
            f"analyzed {table.name}: {len(frame):,} rows ({dropped:,} dropped on load), verdict: {h.verdict}"
        )
        return
    engine = open_store(db)
    repos = repos or [database.pick_repo(engine, None)]
    kept = roles.parse_selection(file_roles)
    result = claim_test(
        engine,
        repos,
        quality,
        outcome,
        window=window,
        sesoi=sesoi,
        n_boot=boot,
        bands=cuts,
        seed=seed,
        kept=kept,
        globs=roles.command_globs(include, exclude),
    )
    verdicts.render_claim(result, console.out)
    labels_cli.render_calibration(engine, result, console.out)
    if json_out:
        json_out.write_text(result.to_json())
    if panel_out:
        panel_out.write_text(export.csv_text(result.panel))
    found = [h.verdict for r in result.reports.values() for h in r.hypotheses]
    tally = ", ".join(f"{found.count(v)} {v}" for v in dict.fromkeys(found))
    every = kept == set(roles.names())
    scope = "files of every role" if every else f"{', '.join(sorted(kept))} files"
    left_out = "" if every else f" ({result.rows_every_role:,} with every role; --roles to change)"
    console.summary(
        f"analyzed {', '.join(repos)}: {len(found)} hypotheses ({tally}); {len(result.panel):,} file-windows"
        f" of {scope}{left_out}"
    )


def _date(text: str | None, option: str) -> str | None:
    """A YYYY-MM-DD option, checked (one clear line for anything else)."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError as exc:
        raise QroiError(f"{option} must be a date such as 2024-03-01, not {text!r}") from exc


def _day_start(text: str | None, option: str) -> int | None:
    day = _date(text, option)
    return None if day is None else int(datetime.fromisoformat(day).replace(tzinfo=UTC).timestamp())


@app.command("ai")
def ai_cmd(
    repo: StoredRepo = None,
    db: DbOption = None,
    event: Annotated[
        str | None,
        typer.Option(help="Adoption date (YYYY-MM-DD): level and slope change of the monthly shares at it."),
    ] = None,
    metric: Annotated[
        list[str] | None,
        typer.Option(
            "--metric",
            help="Monthly metric the event study tests (repeatable) [default: copy_paste_share, moved_share, churn_share].",
        ),
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="Only commits committed on or after this date (YYYY-MM-DD, UTC).")
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="Only commits committed before this date (YYYY-MM-DD, UTC).")
    ] = None,
    sesoi: Annotated[
        float,
        typer.Option(
            min=1.0001,
            help="Smallest effect of interest, as a ratio: effects inside [1/SESOI, SESOI] count as no effect.",
        ),
    ] = 1.1,
    months: Annotated[
        int, typer.Option(min=1, help="How many of the latest months the monthly table lists.")
    ] = 12,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the full machine-readable report here.")
    ] = None,
) -> None:
    """The AI-era lens: copy/paste vs moved code, churn, declared AI assistance, before/after an adoption date."""
    from qroi.analysis import ai_lens, growth
    from qroi.analysis.ai_event import DEFAULT_EVENT_METRICS, EVENT_METRICS
    from qroi.cli import ai_render

    unknown = [m for m in metric or () if m not in EVENT_METRICS]
    if unknown:
        raise QroiError(f"unknown --metric {unknown[0]!r}; choose from: {', '.join(EVENT_METRICS)}")
    if metric and not event:
        raise QroiError("--metric chooses what the event study tests; give --event DATE too")
    window = Period(_day_start(since, "--since"), _day_start(until, "--until"))
    engine = open_store(db)
    repo = database.pick_repo(engine, repo)
    lens = ai_lens.lens(
        engine, [repo], window, _date(event, "--event"), sesoi, tuple(metric or DEFAULT_EVENT_METRICS)
    )
    period = f" ({since or 'start'} to {until or 'end'})" if since or until else ""
    ai_render.render(lens, console.out, f"{repo}: the AI-era lens{period}", months)
    grown = growth.growth_event(engine, repo, event, sesoi=sesoi) if event else None
    if grown is not None:
        ai_render.render_growth(grown, console.out)
    if json_out:
        report = {**lens.to_dict(), "growth": grown.to_dict() if grown else None}
        json_out.write_text(json.dumps(report, indent=2, allow_nan=False))
    console.summary(ai_render.summary(lens))


issues_app = typer.Typer(
    no_args_is_help=True,
    rich_markup_mode=None,
    help="Issue-tracker exports: import them so issues link to the commits that name them.",
)
app.add_typer(issues_app, name="issues")
app.add_typer(labels_cli.app, name="labels")


class IssueFormat(StrEnum):
    auto = "auto"
    github = "github"
    jira = "jira"
    csv = "csv"


def _words(text: str | None, default: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(w.strip() for w in text.split(",") if w.strip()) if text else default


@issues_app.command("import")
def issues_import_cmd(
    file: Annotated[
        Path,
        typer.Argument(
            help="Export file: GitHub issues JSON (REST or gh), Jira CSV, or a CSV with named columns."
        ),
    ],
    repo: RepoOption,
    db: DbOption = None,
    fmt: Annotated[
        IssueFormat, typer.Option("--format", help="File format (auto: detected from the content).")
    ] = IssueFormat.auto,
    id_col: Annotated[
        str | None, typer.Option(help="Generic CSV: column of the issue number or key [default: id].")
    ] = None,
    type_col: Annotated[
        str | None, typer.Option(help="Generic CSV: column of the issue type [default: type].")
    ] = None,
    created_col: Annotated[
        str | None, typer.Option(help="Generic CSV: column of the creation time [default: created_at].")
    ] = None,
    closed_col: Annotated[
        str | None, typer.Option(help="Generic CSV: column of the closing time [default: closed_at].")
    ] = None,
    labels_col: Annotated[
        str | None,
        typer.Option(help="Generic CSV: column of the labels, separated by , ; or | [default: labels]."),
    ] = None,
    title_col: Annotated[
        str | None, typer.Option(help="Generic CSV: column of the title [default: title].")
    ] = None,
    bug_labels: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated words that make an issue a bug when its type or a label contains them [default: bug,defect,regression,crash,incident]."
        ),
    ] = None,
    feature_labels: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated words that make an issue a feature [default: feature,enhancement,story,improvement]."
        ),
    ] = None,
    quiet: QuietOption = False,
) -> None:
    """Import an issue-tracker export for a stored repository; a newer export updates it in place."""
    from qroi.delivery import issues_import

    engine = open_store(db, write=True)
    columns = issues_import.CsvColumns(
        id=id_col, type=type_col, created=created_col, closed=closed_col, labels=labels_col, title=title_col
    )
    rules = issues_import.KindRules(
        _words(bug_labels, issues_import.DEFAULT_BUG_WORDS),
        _words(feature_labels, issues_import.DEFAULT_FEATURE_WORDS),
    )
    with console.reading(f"reading {file.name}", quiet) as watch:
        report = issues_import.import_file(engine, repo, file, fmt.value, columns, rules, watch)
    kinds = ", ".join(f"{report.kinds[k]:,} {k}" for k in ("bug", "feature", "other"))
    skipped = (
        f", {report.pull_requests_skipped:,} pull requests skipped" if report.pull_requests_skipped else ""
    )
    todo = (
        f"; run `qroi ingest` to blame the {report.fixes_to_blame:,} bug fixes not blamed yet"
        if report.fixes_to_blame
        else ""
    )
    console.summary(
        f"imported {file.name} ({report.format}) into {repo}: {report.added:,} new, {report.updated:,} updated,"
        f" {report.unchanged:,} unchanged{skipped}; {kinds}; {report.linked:,} linked to commits{todo}"
    )


@app.command("dashboard")
def dashboard_cmd(
    db: DbOption = None,
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to serve on.")] = 8501,
    host: Annotated[
        str, typer.Option(help="Address to bind; the default keeps it on this machine.")
    ] = "127.0.0.1",
) -> None:
    """Serve the Streamlit dashboard for the store (on 127.0.0.1 unless told otherwise)."""
    if not host.strip():  # Streamlit would bind every interface for an empty address
        raise QroiError(
            "--host is empty: give an address to bind (127.0.0.1 keeps the dashboard on this machine)"
        )
    engine = open_store(db)
    url = str(engine.url.render_as_string(hide_password=False))
    # Located, not imported: the dashboard is a Streamlit script that runs in its own process.
    spec = importlib.util.find_spec("qroi.dashboard")
    assert spec is not None and spec.origin is not None
    app_path = Path(spec.origin).parent / "app.py"
    console.summary(f"dashboard for {database.shown(url)} on http://{host}:{port} (Ctrl-C to stop)")
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app_path),
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]
    env = {**os.environ, "QROI_DB": url, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    engine.dispose()
    sys.stdout.flush()
    sys.stderr.flush()
    # Become the server rather than start it as a child: a signal sent to this pid (a supervisor's
    # SIGTERM, `timeout`, `kill`) then reaches Streamlit itself, and no orphan can keep the port.
    os.execve(sys.executable, cmd, env)


def main() -> None:
    """Entry point: run the app, turning every expected failure into one line and an exit code."""
    try:
        code = app(standalone_mode=False)
    except QroiError as exc:
        console.fail(str(exc))
        sys.exit(2)
    except (typer.Abort, KeyboardInterrupt):
        code = INTERRUPTED_CODE
    except typer.TyperException as exc:  # usage errors: click's message and usage line
        exc.show()  # type: ignore[attr-defined]
        sys.exit(getattr(exc, "exit_code", 2))
    except DBAPIError as exc:
        console.fail(f"database error: {str(exc.orig or exc).strip().splitlines()[0]}")
        sys.exit(2)
    except OSError as exc:
        console.fail(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc))
        sys.exit(2)
    except Exception as exc:  # a bug: one line for the user, the trace on request
        if os.environ.get("QROI_DEBUG"):
            traceback.print_exc()
        first = (str(exc).strip().splitlines() or [""])[0][:200]
        console.fail(f"internal error {type(exc).__name__}: {first} (set QROI_DEBUG=1 for the traceback)")
        sys.exit(3)
    if code == INTERRUPTED_CODE:  # typer turns Ctrl-C into this exit code before it reaches here
        console.err.print(start.INTERRUPTED, markup=False)
        start.exit_interrupted()
    sys.exit(code if isinstance(code, int) else 0)
