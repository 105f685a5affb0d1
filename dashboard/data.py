"""Store access for the dashboard: the one module that talks to the database, always through a cache.

Every loader is an `st.cache_data` function keyed by the store URL, a cheap *stamp* of the store's
content (so a new ingest shows up on the next rerun without a stale cache), and the filters.
Loaders cache per repository where they can, so adding a second repository to the picker only
loads that one. Page loaders (`overview`, `hotspots`, ...) bundle what one page needs: pages call
them and nothing else, and `bench/dashboard.py` times exactly these calls.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from qroi.analysis import ai_lens
from qroi.analysis import claim as claims
from qroi.analysis import headline as headlines
from qroi.core import roles
from qroi.core.calendar import Period
from qroi.read import commit_table as commit_reads
from qroi.read import compare as compare_reads
from qroi.read import delivery as delivery_reads
from qroi.read import export, mainline, queries, sql, store_state
from qroi.read import file_history as history_reads
from qroi.read import hotspots as hotspot_reads
from qroi.read import overview as overview_reads
from qroi.read.store_state import StoreState


@st.cache_resource(show_spinner=False)
def engine_for(url: str) -> Engine:
    """One engine (connection pool) per store URL for the whole server, shared by all sessions."""
    return store_state.open_engine(url)


def open_store() -> StoreState:
    """Read QROI_DB (default qroi.db) and check the store without ever creating or changing it."""
    return store_state.probe(store_state.store_url(None), engine_for)


@dataclass(frozen=True)
class Scope:
    """What every page looks at: which store (and its stamp), which repositories, which period.

    `start`/`end` are Unix seconds (end exclusive); None leaves a side open.
    """

    url: str
    stamp: str
    repos: tuple[str, ...]
    start: int | None = None
    end: int | None = None

    @property
    def window(self) -> Period:
        return Period(self.start, self.end)


def day_bounds(first: date, last: date) -> tuple[int, int]:
    """A calendar-date range (inclusive, UTC) -> half-open Unix-second bounds."""
    start = datetime(first.year, first.month, first.day, tzinfo=UTC)
    end = datetime(last.year, last.month, last.day, tzinfo=UTC) + timedelta(days=1)
    return int(start.timestamp()), int(end.timestamp())


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Stack per-repository frames; an all-empty list keeps its columns (pages test `.empty`)."""
    full = [f for f in frames if not f.empty]
    if full:
        return pd.concat(full, ignore_index=True)
    return frames[0].iloc[0:0] if frames else pd.DataFrame()


# --- cached primitives (per repository where possible) -----------------------------------------


@st.cache_data(show_spinner=False)
def repos(url: str, stamp: str) -> pd.DataFrame:
    """Stored repositories: the picker's options and the date bounds."""
    return mainline.stored_repos(engine_for(url))


@st.cache_data(show_spinner=False)
def quality_series(url: str, stamp: str, repo: str) -> pd.DataFrame:
    return mainline.quality_series(engine_for(url), repo)


@st.cache_data(show_spinner=False)
def headline(
    url: str, stamp: str, repos: tuple[str, ...], start: int | None, end: int | None
) -> overview_reads.Headline:
    series = {r: quality_series(url, stamp, r) for r in repos}
    return overview_reads.headline(engine_for(url), repos, Period(start, end), series)


@st.cache_data(show_spinner=False)
def timeline(url: str, stamp: str, repo: str, start: int | None, end: int | None) -> pd.DataFrame:
    series = quality_series(url, stamp, repo)
    return overview_reads.monthly_timeline(engine_for(url), repo, Period(start, end), series)


@st.cache_data(show_spinner=False)
def releases(url: str, stamp: str, repo: str, start: int | None, end: int | None) -> pd.DataFrame:
    return delivery_reads.releases(engine_for(url), repo, Period(start, end))


@st.cache_data(show_spinner=False)
def hotspots_of(
    url: str, stamp: str, repo: str, start: int | None, end: int | None, kept: tuple[str, ...]
) -> pd.DataFrame:
    return hotspot_reads.hotspots(engine_for(url), repo, Period(start, end), frozenset(kept))


@st.cache_data(show_spinner=False)
def commit_table(url: str, stamp: str, repo: str, start: int | None, end: int | None) -> pd.DataFrame:
    return commit_reads.commit_table(engine_for(url), repo, Period(start, end))


@st.cache_data(show_spinner=False)
def python_paths(url: str, stamp: str, repo: str) -> list[str]:
    return history_reads.historical_paths(engine_for(url), repo)


@st.cache_data(show_spinner=False)
def file_history(url: str, stamp: str, repo: str, path: str) -> history_reads.FileHistory:
    return history_reads.file_history(engine_for(url), repo, path)


@st.cache_data(show_spinner=False)
def blob_functions(url: str, stamp: str, blob: str) -> pd.DataFrame:
    return history_reads.blob_functions(engine_for(url), blob)


@st.cache_data(show_spinner=False)
def lead_times(url: str, stamp: str, repo: str, start: int | None, end: int | None) -> pd.DataFrame:
    return delivery_reads.lead_times(engine_for(url), repo, Period(start, end))


@st.cache_data(show_spinner=False)
def changes(url: str, stamp: str, repo: str, start: int | None, end: int | None) -> int:
    return delivery_reads.changes(engine_for(url), repo, Period(start, end))


@st.cache_data(show_spinner=False)
def has_issues(url: str, stamp: str, repo: str) -> bool:
    return delivery_reads.has_issues(engine_for(url), repo)


@st.cache_data(show_spinner=False)
def closed_issues(url: str, stamp: str, repo: str, start: int | None, end: int | None) -> pd.DataFrame:
    return delivery_reads.closed_issues(engine_for(url), repo, Period(start, end))


@st.cache_data(show_spinner=False)
def issue_spans(url: str, stamp: str, repo: str) -> pd.DataFrame:
    return delivery_reads.issue_spans(engine_for(url), repo)


@st.cache_data(show_spinner=False)
def failed_changes(url: str, stamp: str, repo: str, start: int | None, end: int | None) -> pd.DataFrame:
    return delivery_reads.failed_changes(engine_for(url), repo, Period(start, end))


@st.cache_data(show_spinner=False)
def bug_inducing(url: str, stamp: str, repo: str, paths: tuple[str, ...]) -> pd.DataFrame:
    return delivery_reads.bug_inducing(engine_for(url), repo, paths)


@st.cache_data(show_spinner=False)
def delivery_signals(url: str, stamp: str) -> bool:
    """Whether the store has the delivery tables (a store from before them needs a new ingest)."""
    engine = engine_for(url)
    return all(sql.has_table(engine, t) for t in ("releases", "commit_features", "bug_links", "issues"))


@st.cache_data(show_spinner=False)
def export_table(
    url: str, stamp: str, name: str, repo: str, kept: tuple[str, ...] | None = None
) -> pd.DataFrame:
    """One `qroi export` table of one repository (documented columns, CLI order); with `kept`,
    as `qroi export NAME --roles ...` narrows it."""
    return export.table(engine_for(url), name, repo, None if kept is None else frozenset(kept))


@st.cache_data(show_spinner=False)
def commits_touching(url: str, stamp: str, repo: str, kept: tuple[str, ...]) -> frozenset[str]:
    """Shas of the commits that changed a file of the kept roles."""
    return frozenset(queries.commits_touching(engine_for(url), repo, frozenset(kept)))


@st.cache_data(show_spinner=False, max_entries=16)
def comparison(
    url: str, stamp: str, repo: str, old: str, new: str, kept: tuple[str, ...], depth: int
) -> compare_reads.Comparison:
    """Two revisions side by side, as `qroi compare` computes them."""
    return compare_reads.compare(engine_for(url), repo, old, new, frozenset(kept), depth)


@st.cache_data(show_spinner=False)
def compare_choices(url: str, stamp: str, repo: str) -> tuple[list[str], tuple[str, str]]:
    """The revisions the Compare page offers (releases newest first, then HEAD) and its default pair."""
    engine = engine_for(url)
    tags = list(compare_reads.releases(engine, repo)["tag"])
    old, new = compare_reads.default_pair(engine, repo)
    return ["HEAD", *tags, *([old] if old not in tags and old != "HEAD" else [])], (old, new)


@st.cache_data(show_spinner=False)
def author_names(url: str, stamp: str, repo: str) -> dict[str, str]:
    """E-mail -> the name its latest commit carries (after .mailmap), to show people by name."""
    return queries.author_names(engine_for(url), repo)


@st.cache_data(show_spinner=False, max_entries=32)
def claim(
    url: str,
    stamp: str,
    repos: tuple[str, ...],
    qualities: tuple[str, ...],
    outcome: str,
    window: str,
    sesoi: float,
    n_boot: int = 199,
    kept: tuple[str, ...] = (roles.PRODUCT,),
) -> claims.ClaimResult:
    """The claim test as `qroi` runs it (whole history: it needs every complete window)."""
    return claims.claim_test(
        engine_for(url), list(repos), list(qualities), [outcome], window, sesoi, n_boot, kept=frozenset(kept)
    )


@st.cache_data(show_spinner=False)
def claim_headline(url: str, stamp: str, repo: str) -> headlines.Headline:
    """The claim test's headline: the one `qroi ingest` cached while current, else computed here
    (quick intervals, a few seconds) and kept for the session; the store is never written."""
    engine = engine_for(url)
    return headlines.load(engine, repo) or headlines.compute(engine, repo)


@st.cache_data(show_spinner=False)
def ai_tables(url: str, stamp: str) -> bool:
    """Whether the store has the AI-era tables (a store from before them needs a new ingest)."""
    return store_state.has_ai_tables(engine_for(url))


@st.cache_data(show_spinner=False, max_entries=32)
def ai_lens_of(
    url: str, stamp: str, repos: tuple[str, ...], start: int | None, end: int | None, sesoi: float
) -> ai_lens.Lens:
    """The AI-era lens as `qroi ai` computes it (pooled over the repositories, in the period)."""
    return ai_lens.lens(engine_for(url), list(repos), Period(start, end), None, sesoi)


@st.cache_data(show_spinner=False, max_entries=64)
def ai_event_of(
    url: str, stamp: str, repos: tuple[str, ...], start: int | None, end: int | None, sesoi: float, event: str
) -> ai_lens.Lens:
    """The same lens with its event study at `event` (the comparisons are not refitted)."""
    return ai_lens.at_event(ai_lens_of(url, stamp, repos, start, end, sesoi), event)


# --- page loaders: what one page needs, for the page and for the benchmark ---------------------


@dataclass(frozen=True)
class OverviewData:
    headline: overview_reads.Headline
    timeline: pd.DataFrame
    releases: pd.DataFrame
    per_repo: pd.DataFrame
    lead_by_month: pd.DataFrame
    outcomes: delivery_reads.ChangeOutcomes


def _outcomes(scope: Scope, lead: pd.DataFrame) -> delivery_reads.ChangeOutcomes:
    """The chosen repositories' change outcomes, pooled, as `qroi summary` defines them."""
    args, window = (scope.url, scope.stamp), (scope.start, scope.end)
    failed = _concat([failed_changes(*args, r, *window) for r in scope.repos])
    work = sum(changes(*args, r, *window) for r in scope.repos)
    return delivery_reads.change_outcomes(lead, failed, work)


def _in_window(frame: pd.DataFrame, column: str, scope: Scope) -> pd.DataFrame:
    return frame[scope.window.mask(frame[column])] if len(frame) else frame


def overview(scope: Scope) -> OverviewData:
    """Headline cards (pooled over the chosen repositories), the monthly timeline and the releases."""
    args = (scope.url, scope.stamp)
    heads = {r: headline(*args, (r,), scope.start, scope.end) for r in scope.repos}
    per_repo = pd.DataFrame(
        [
            {
                "repo": r,
                "commits": h.commits,
                "authors": h.authors,
                "sloc": h.sloc,
                "mi": h.mi,
                "c_share": h.c_share,
                "cc_density": h.cc_density,
                "bugfix_share": h.bugfix_share,
                "releases": h.releases,
            }
            for r, h in heads.items()
        ]
    )
    pooled = (
        heads[scope.repos[0]]
        if len(scope.repos) == 1
        else headline(*args, scope.repos, scope.start, scope.end)
    )
    lead = _concat([lead_times(*args, r, scope.start, scope.end) for r in scope.repos])
    return OverviewData(
        headline=pooled,
        timeline=_concat([timeline(*args, r, scope.start, scope.end) for r in scope.repos]),
        releases=_concat([releases(*args, r, scope.start, scope.end) for r in scope.repos]),
        per_repo=per_repo,
        lead_by_month=delivery_reads.monthly_lead_time(lead),
        outcomes=_outcomes(scope, lead),
    )


def hotspots(scope: Scope, kept: tuple[str, ...] = (roles.PRODUCT,)) -> pd.DataFrame:
    """Files at HEAD of every chosen repository whose role is kept, ranked by commits in the
    period x total CC."""
    kept = tuple(sorted(kept))
    frames = [hotspots_of(scope.url, scope.stamp, r, scope.start, scope.end, kept) for r in scope.repos]
    hot = _concat(frames)
    if hot.empty:
        return hot
    return hot.sort_values(
        ["score", "commits", "repo", "path"], ascending=[False, False, True, True], kind="mergesort"
    ).reset_index(drop=True)


def commits(
    scope: Scope, where: commit_reads.CommitFilter | None = None, kept: tuple[str, ...] | None = None
) -> pd.DataFrame:
    """Commits of the chosen repositories in the period, newest first, with quality deltas, filtered;
    with `kept`, only those that changed a file of those roles (as `qroi export commits --roles`)."""
    table = _concat([commit_table(scope.url, scope.stamp, r, scope.start, scope.end) for r in scope.repos])
    if table.empty:
        return table
    if kept is not None:
        shas = [commits_touching(scope.url, scope.stamp, r, tuple(sorted(kept))) for r in scope.repos]
        touched = frozenset().union(*shas)
        table = table[table["sha"].isin(touched)]
    table = table.sort_values("committed_ts", ascending=False, kind="mergesort").reset_index(drop=True)
    return where.apply(table) if where else table


@dataclass(frozen=True)
class HistoryData:
    """One file across its commits, the functions of its latest scored version, and SZZ's blame.

    `history`: the commits that changed it; `main_line`: its versions on the main line (see
    `qroi.read.file_history.FileHistory`).
    """

    history: pd.DataFrame
    main_line: pd.DataFrame
    functions: pd.DataFrame
    inducing: pd.DataFrame

    @property
    def scored(self) -> pd.DataFrame:
        return scored_versions(self.history, self.main_line)


def scored_versions(history: pd.DataFrame, main_line: pd.DataFrame) -> pd.DataFrame:
    """The scored versions a file's figures describe, oldest first: the main line's (its last is
    the file at HEAD), or the changes' for a file that never reached the main line."""

    def scored(versions: pd.DataFrame) -> pd.DataFrame:
        return versions[versions["blob"].notna() & versions["error_kind"].isna() & versions["sloc"].notna()]

    main = scored(main_line)
    return main if len(main) else scored(history)


def history(scope: Scope, repo: str, path: str) -> HistoryData:
    """What the File history page draws for one file (renames followed back)."""
    versions = file_history(scope.url, scope.stamp, repo, path)
    hist = versions.changes
    latest = scored_versions(hist, versions.main_line)
    funcs = blob_functions(scope.url, scope.stamp, latest["blob"].iloc[-1]) if len(latest) else pd.DataFrame()
    paths = tuple(sorted(set(hist["path"]))) if len(hist) else ()
    return HistoryData(hist, versions.main_line, funcs, bug_inducing(scope.url, scope.stamp, repo, paths))


def commits_export(
    scope: Scope, where: commit_reads.CommitFilter | None = None, kept: tuple[str, ...] | None = None
) -> pd.DataFrame:
    """The CLI's commits table (same columns, order and cells) for the filtered commits, plus deltas."""
    shown = commits(scope, where, kept)
    if shown.empty:
        return pd.DataFrame(columns=[*queries.COMMIT_COLUMNS, *commit_reads.DELTA_SOURCES])
    frames = []
    for repo in scope.repos:
        full = export_table(scope.url, scope.stamp, "commits", repo)
        mine = shown[shown["repo"] == repo].set_index("sha")[list(commit_reads.DELTA_SOURCES)]
        frames.append(full[full["sha"].isin(mine.index)].join(mine, on="sha"))
    return _concat(frames)


@dataclass(frozen=True)
class DeliveryData:
    """Delivery of the chosen repositories in the period, as the ingest's delivery signals define it.

    `issues` are imported tracker issues closed in the period for the repositories that have an
    import (`tracker_repos`); `spans` are the commit-message fallback for the others. `outcomes`
    are the cards' per-change figures, defined as `qroi summary` defines them.
    """

    signals: bool
    releases: pd.DataFrame
    lead: pd.DataFrame
    issues: pd.DataFrame
    tracker_repos: tuple[str, ...]
    spans: pd.DataFrame
    failed: pd.DataFrame
    timeline: pd.DataFrame
    outcomes: delivery_reads.ChangeOutcomes


def delivery(scope: Scope) -> DeliveryData:
    """What the Delivery page draws: releases and lead times by release time, failures by commit time."""
    args, window = (scope.url, scope.stamp), (scope.start, scope.end)
    tracked = tuple(r for r in scope.repos if has_issues(*args, r))
    others = [r for r in scope.repos if r not in tracked]
    lead = _concat([lead_times(*args, r, *window) for r in scope.repos])
    return DeliveryData(
        signals=delivery_signals(*args),
        releases=_concat([releases(*args, r, *window) for r in scope.repos]),
        lead=lead,
        issues=_concat([closed_issues(*args, r, *window) for r in tracked]) if tracked else pd.DataFrame(),
        tracker_repos=tracked,
        spans=_in_window(_concat([issue_spans(*args, r) for r in others]), "closed_ts", scope)
        if others
        else pd.DataFrame(),
        failed=_concat([failed_changes(*args, r, *window) for r in scope.repos]),
        timeline=_concat([timeline(*args, r, *window) for r in scope.repos]),
        outcomes=_outcomes(scope, lead),
    )


def ai_era(scope: Scope, event: str | None = None, sesoi: float = 1.1) -> ai_lens.Lens:
    """What the AI era page draws: line-operation shares, comparisons, and the event study at `event`."""
    args = (scope.url, scope.stamp, scope.repos, scope.start, scope.end, sesoi)
    return ai_event_of(*args, event) if event else ai_lens_of(*args)


PageLoader = Callable[[Scope], object]

PAGE_LOADERS: dict[str, PageLoader] = {
    "Overview": overview,
    "Hotspots": hotspots,
    "Commits": commits,
    "Delivery": delivery,
    "AI era": ai_era,
}
"""Page -> its data loader, for `bench/dashboard.py` (File history, Export and the claim test take
more than a scope; the benchmark calls `history`, `commits_export` and `claim` itself)."""


def clear() -> None:
    """Forget every cached result (the sidebar's reload button)."""
    st.cache_data.clear()


def people(scope: Scope) -> dict[str, str]:
    """E-mail -> name over the chosen repositories, for pages that show people (never their e-mail)."""
    names: dict[str, str] = {}
    for repo in scope.repos:
        names.update(author_names(scope.url, scope.stamp, repo))
    return names


def head_files(scope: Scope, kept: tuple[str, ...]) -> pd.DataFrame:
    """`qroi export files` of every chosen repository (all history), files of the kept roles only."""
    files = _concat([export_table(scope.url, scope.stamp, "files", r) for r in scope.repos])
    return files[files["role"].isin(kept)].reset_index(drop=True) if len(files) else files
