"""Sidebar filters shared by every page, and the commit filters the Commits and Export pages share.

The shared filters (repositories, period, quality measure) are drawn by `app.py` on every run,
before the page, so they keep their values across page switches. Page-specific filters use
`persist_state="session"`, so the Export page can honour the Commits page's filters while those
widgets are not on screen. Stale values (a repository no longer stored, a date outside the
history) are repaired before the widgets are drawn, because Streamlit refuses a widget whose
state is not among its options.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st

from qroi.core import roles
from qroi.dashboard import data
from qroi.dashboard.metrics import DEFAULT_MEASURE, MEASURES, Measure
from qroi.read import commit_table as commit_reads
from qroi.read import queries
from qroi.read.store_state import StoreState

FILTERS_KEY = "qroi_filters"
TRI_STATE = ("Any", "Only", "Exclude")
DEFAULT_REPO_COUNT = 3


@dataclass(frozen=True)
class Filters:
    """The sidebar's choices, as every page reads them."""

    scope: data.Scope
    measure: Measure
    first_day: date
    last_day: date
    full_period: bool
    history_days: tuple[date, date]

    @property
    def period_text(self) -> str:
        """The period in words, for captions and export notes."""
        text = f"{self.first_day:%d %b %Y} – {self.last_day:%d %b %Y}"
        return f"{text} (all history)" if self.full_period else text

    @property
    def history_text(self) -> str:
        """All history in words, for a page that ignores the period and must not seem to honour it."""
        first, last = self.history_days
        return f"{first:%d %b %Y} – {last:%d %b %Y} (all history)"


def _bounds(stored: pd.DataFrame) -> tuple[date, date]:
    """First and last commit day over all stored repositories (authored time, as `qroi repos` shows)."""
    first = queries.utc(pd.Series([int(stored["first_ts"].min())])).iloc[0].date()
    last = queries.utc(pd.Series([int(stored["last_ts"].max())])).iloc[0].date()
    return first, last


def _default_repos(stored: pd.DataFrame) -> list[str]:
    """All repositories when there are few; otherwise the largest, so a big store opens fast."""
    if len(stored) <= DEFAULT_REPO_COUNT:
        return list(stored["name"])
    return [stored.sort_values(["commits", "name"], ascending=[False, True])["name"].iloc[0]]


def sidebar(state: StoreState) -> Filters | None:
    """Draw the shared filters; None (with a hint on the page) when no repository is chosen."""
    stored = data.repos(state.url, state.stamp)
    stored = stored[stored["commits"] > 0]
    names = list(stored["name"])
    ss = st.session_state
    # Each value is written back on every run, not only when repaired: Streamlit drops the value
    # a user gave a widget when `st.switch_page` ends the run (opening a file from Hotspots), so
    # every later page lost the period and the measure; a value the script set survives it.
    ss["repos"] = [r for r in ss.get("repos", _default_repos(stored)) if r in names]
    first, last = _bounds(stored)
    period = ss.get("period")
    if isinstance(period, tuple | list) and period and all(first <= d <= last for d in period):
        ss["period"] = tuple(period)
    else:
        ss["period"] = (first, last)
    ss["measure"] = ss.get("measure") if ss.get("measure") in MEASURES else DEFAULT_MEASURE

    bar = st.sidebar
    bar.multiselect(
        "Repositories",
        names,
        key="repos",
        placeholder="Choose repositories",
        help="One or several stored repositories; figures are pooled over those chosen.",
    )
    bar.date_input(
        "Period (committed, UTC)",
        key="period",
        min_value=first,
        max_value=last,
        format="YYYY-MM-DD",
        help="Commits, hotspots and the timeline are limited to this period; quality figures are "
        "read at its end, with the change since its start.",
    )
    bar.selectbox(
        "Quality measure",
        list(MEASURES),
        key="measure",
        format_func=lambda k: MEASURES[k].label,
        help="Drawn on the overview timeline; the claim test has its own choice of measures.",
    )
    bar.caption(f"Store: `{state.shown}`")
    if bar.button(
        "Reload data", icon=":material/refresh:", help="Forget cached results and read the store again."
    ):
        data.clear()
        st.rerun()

    chosen = tuple(ss["repos"])
    if not chosen:
        return None
    picked = ss["period"]
    day_from, day_to = (picked[0], picked[-1]) if len(picked) else (first, last)
    start, end = data.day_bounds(day_from, day_to)
    full = day_from <= first and day_to >= last
    scope = data.Scope(state.url, state.stamp, chosen, None if full else start, None if full else end)
    filters = Filters(scope, MEASURES[ss["measure"]], day_from, day_to, full, (first, last))
    ss[FILTERS_KEY] = filters
    return filters


def current() -> Filters:
    """The filters drawn by `app.py` in this run (pages call this)."""
    return st.session_state[FILTERS_KEY]


# --- commit filters: drawn on the Commits page, honoured by the Export page ---------------------


COMMIT_KEYS = {
    "authors": "cf_authors",
    "bugfix": "cf_bugfix",
    "revert": "cf_revert",
    "merges": "cf_merges",
    "has_issue": "cf_has_issue",
    "issue_ref": "cf_issue_ref",
    "text": "cf_text",
}


def _tri(value: str | None) -> bool | None:
    return {"Only": True, "Exclude": False}.get(value or "Any")


def commit_filter_controls(authors: list[str]) -> commit_reads.CommitFilter:
    """Draw the Commits page's filters in the sidebar and return them."""
    ss = st.session_state
    key = COMMIT_KEYS["authors"]
    if key in ss:
        ss[key] = [a for a in ss[key] if a in authors]
    bar = st.sidebar
    bar.subheader("Commit filters")
    bar.multiselect("Authors", authors, key=key, persist_state="session", placeholder="All authors")
    for field, label in (
        ("bugfix", "Bug fixes"),
        ("revert", "Reverts"),
        ("merges", "Merges"),
        ("has_issue", "Issue references"),
    ):
        bar.segmented_control(
            label, TRI_STATE, key=COMMIT_KEYS[field], default="Any", required=True, persist_state="session"
        )
    bar.text_input(
        "Issue",
        key=COMMIT_KEYS["issue_ref"],
        persist_state="session",
        placeholder="#12 or PROJ-7",
        help="Commits whose message references this issue (#12, GH-12 and 12 are the same).",
    )
    bar.text_input(
        "Search",
        key=COMMIT_KEYS["text"],
        persist_state="session",
        placeholder="words in the message, or a sha",
        help="Case-insensitive text in the commit message, or the start of a sha.",
    )
    return current_commit_filter()


def current_commit_filter() -> commit_reads.CommitFilter:
    """The commit filters as last set on the Commits page (none if it was never opened)."""
    ss = st.session_state
    return commit_reads.CommitFilter(
        authors=tuple(ss.get(COMMIT_KEYS["authors"]) or ()),
        bugfix=_tri(ss.get(COMMIT_KEYS["bugfix"])),
        revert=_tri(ss.get(COMMIT_KEYS["revert"])),
        merges=_tri(ss.get(COMMIT_KEYS["merges"])),
        has_issue=_tri(ss.get(COMMIT_KEYS["has_issue"])),
        issue_ref=ss.get(COMMIT_KEYS["issue_ref"]) or "",
        text=ss.get(COMMIT_KEYS["text"]) or "",
    )


def describe(where: commit_reads.CommitFilter) -> str:
    """The active commit filters in words ("no commit filters" when none)."""
    parts = []
    if where.authors:
        parts.append("authors " + ", ".join(where.authors))
    for flag, noun in (
        (where.bugfix, "bug fixes"),
        (where.revert, "reverts"),
        (where.merges, "merges"),
        (where.has_issue, "issue references"),
    ):
        if flag is not None:
            parts.append(f"{'only' if flag else 'no'} {noun}")
    if where.issue_ref.strip():
        parts.append(f"issue {where.issue_ref.strip()}")
    if where.text.strip():
        parts.append(f"text “{where.text.strip()}”")
    return "; ".join(parts) if parts else "no commit filters"


# --- file roles: one choice shared by the pages that list files or commits --------------------

ROLES_KEY = "file_roles"
ROLES_HELP = (
    "Which files count, by what their path says they are (qroi.core.roles): product code by default, "
    "as the CLI's `--roles`; add tests, docs, examples or generated code to see them too."
)


def role_picker(container: object = None, help_text: str = ROLES_HELP) -> tuple[str, ...]:
    """Draw the shared file-role picker and return the kept roles, sorted (product by default).

    One key across Overview, Commits, File history, Compare and Export, written back on every run
    like the sidebar's filters, so a choice made on one page holds on the next.
    """
    ss = st.session_state
    known = roles.names()
    ss[ROLES_KEY] = [r for r in ss.get(ROLES_KEY, [roles.PRODUCT]) if r in known]
    where = container if container is not None else st
    where.multiselect(  # type: ignore[attr-defined]
        "File roles", known, key=ROLES_KEY, placeholder="Choose file roles", help=help_text
    )
    return kept_roles()


def kept_roles() -> tuple[str, ...]:
    """The roles chosen with `role_picker` (product when none was ever chosen; empty if all were removed)."""
    return tuple(sorted(st.session_state.get(ROLES_KEY, [roles.PRODUCT])))


def roles_text(kept: tuple[str, ...]) -> str:
    """The `--roles` value that selects the same files on the command line."""
    return "all" if set(kept) == set(roles.names()) else ",".join(kept)
