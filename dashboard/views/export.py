"""Export: any of the dashboard's tables, with the current filters, as CSV (the CLI's inert-cell rule)."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from qroi.core import roles
from qroi.dashboard import components, data, filters
from qroi.read import export, queries

f = filters.current()
components.header("Export", "Take any table away as CSV, exactly as filtered here.", f)
scope, ss = f.scope, st.session_state
where = filters.current_commit_filter()
kept = filters.role_picker(
    help_text="Narrows the commits, files, functions and bug links tables as `qroi export NAME --roles` does: "
    "rows of files of these roles, and commits that changed one. Product code by default."
)
EPOCH = pd.Timestamp(0, tz="UTC")


def _iso(frame: pd.DataFrame, ts: str, name: str) -> pd.DataFrame:
    """Unix-second columns as ISO 8601 UTC text, like the CLI's timestamps."""
    stamps = frame[ts].map(lambda t: queries.iso(t, 0))
    return frame.drop(columns=[ts]).assign(**{name: stamps})


def commits() -> pd.DataFrame:
    return data.commits_export(scope, where, kept)


# Hotspot figures counted in the sidebar's period, added to `qroi export files` as `period_*` (a
# comment, not a docstring: Streamlit's magic would print a bare string on the page).
PERIOD_COLUMNS = ["commits", "bugfix_commits", "authors", "added", "deleted"]


def files() -> pd.DataFrame:
    """`qroi export files` exactly (every column, all history, every role), then the period's
    hotspot figures and score beside them under their own names, so no column means two things."""
    hot = data.hotspots(scope, roles.names())
    period = hot[["repo", "path", *PERIOD_COLUMNS, "score"]].rename(
        columns={c: f"period_{c}" for c in PERIOD_COLUMNS}
    )
    return _stack("files", kept).merge(period, how="left", on=["repo", "path"])


def functions() -> pd.DataFrame:
    return _stack("functions", kept)


def timeline() -> pd.DataFrame:
    monthly = data.overview(scope).timeline
    return monthly.assign(month=monthly["month"].dt.strftime("%Y-%m")) if len(monthly) else monthly


def in_period(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """Rows with any of these ISO-time columns inside the sidebar's period."""
    if frame.empty or (scope.start is None and scope.end is None):
        return frame
    keep = pd.Series(False, index=frame.index)
    for col in columns:
        seconds = (pd.to_datetime(frame[col], utc=True, format="ISO8601") - EPOCH).dt.total_seconds()
        keep |= scope.window.mask(seconds) & seconds.notna()  # an empty time is in no period
    return frame[keep]


def _stack(name: str, by_role: tuple[str, ...] | None = None) -> pd.DataFrame:
    """The `qroi export NAME` table of every chosen repository, stacked (`--roles` when `by_role`)."""
    return pd.concat(
        [data.export_table(scope.url, scope.stamp, name, r, by_role) for r in scope.repos], ignore_index=True
    )


def releases() -> pd.DataFrame:
    return in_period(_stack("releases"), "released_at")


def issues() -> pd.DataFrame:
    return in_period(_stack("issues"), "created_at", "closed_at")


def bug_links() -> pd.DataFrame:
    return in_period(_stack("bug_links", kept), "fix_at")


def lineops() -> pd.DataFrame:
    return in_period(_stack("lineops"), "authored_at")


def declarations() -> pd.DataFrame:
    return in_period(_stack("ai"), "authored_at")


def duplication() -> pd.DataFrame:
    return in_period(_stack("duplication"), "committed_at")


def history() -> pd.DataFrame:
    repo, path = ss.get("history_repo"), ss.get("history_path")
    if repo not in scope.repos or not path:
        return pd.DataFrame()
    hist = data.history(scope, repo, path).history
    return _iso(hist.drop(columns=["committed_at"]), "committed_ts", "committed_at")


history_file = ss.get("history_path") if ss.get("history_repo") in scope.repos else None
TABLES: dict[str, tuple[str, Callable[[], pd.DataFrame], str]] = {
    "commits": (
        "Commits",
        commits,
        f"Commits in the period with the Commits page's filters ({filters.describe(where)}): "
        "the `qroi export commits` columns plus quality deltas (`d_*`).",
    ),
    "files": (
        "Files (hotspots)",
        files,
        "Python files at HEAD: every `qroi export files` column (whole history), then the same change "
        "figures counted in the period (`period_*`) and the hotspot score (period commits × total CC).",
    ),
    "functions": (
        "Functions",
        functions,
        "Functions and methods at HEAD, most complex first (`qroi export functions`).",
    ),
    "timeline": (
        "Monthly timeline",
        timeline,
        "Per repository and month: delivery counts and mainline quality at month end.",
    ),
    "releases": (
        "Releases",
        releases,
        "Releases in the period with their change-failure verdict (`qroi export releases`).",
    ),
    "issues": (
        "Issues",
        issues,
        "Imported tracker issues created or closed in the period, with their linked commits "
        "(`qroi export issues`).",
    ),
    "bug_links": (
        "Bug links (SZZ)",
        bug_links,
        "Bug fixes of the period and the commits their changed lines were "
        "blamed on (`qroi export bug_links`).",
    ),
    "lineops": (
        "Line operations",
        lineops,
        "AI-era lens: each commit's added, deleted, updated, moved, copy/pasted "
        "and churned lines, by authored date (`qroi export lineops`).",
    ),
    "ai": (
        "AI declarations",
        declarations,
        "AI-era lens: commits whose trailers, author or message declare AI "
        "assistance, with the rule that matched (`qroi export ai`).",
    ),
    "duplication": (
        "Tree duplication",
        duplication,
        "AI-era lens: duplicated-block share of the Python code at each "
        "month end and release (`qroi export duplication`).",
    ),
    "history": (
        "File history",
        history,
        f"Every commit that changed {history_file}, with the file's scores after it."
        if history_file
        else "Open a file on the File history page first.",
    ),
}

choice = st.radio(
    "Table",
    list(TABLES),
    key="export_table",
    horizontal=True,
    persist_state="session",
    format_func=lambda k: TABLES[k][0],
)
label, load, about = TABLES[choice]
st.markdown(about)
if choice in export.BY_ROLE:
    st.caption(
        f"Files of the roles {', '.join(kept) or '(none)'}: the rows of `qroi export {choice} --repo REPO "
        f"--roles {filters.roles_text(kept)}`"
        + (" in the period, with the Commits page's filters." if choice in ("commits", "bug_links") else ".")
    )
elif choice != "timeline":
    st.caption("File roles do not apply to this table: it has no file paths.")
frame = load()
if frame.empty:
    components.nothing(
        "This table is empty with the current filters.",
        "Change the filters in the sidebar or on the Commits page.",
    )
    st.stop()

components.cards(
    [
        components.Card("Rows", components.fmt_int(len(frame))),
        components.Card("Columns", components.fmt_int(len(frame.columns))),
        components.Card("Repositories", components.fmt_int(len(scope.repos))),
    ],
    per_row=6,
)
name = "-".join(scope.repos) if len(scope.repos) <= 3 else f"{len(scope.repos)}-repos"
components.csv_download(
    frame,
    f"qroi-{name}-{choice}.csv",
    f"Download {label.lower()} as CSV",
    key="export_download",
    primary=True,
)
st.caption(
    "Cells that a spreadsheet would run as a formula (starting with =, +, -, @, tab or carriage return) get a "
    "leading apostrophe, as in `qroi export`. Booleans are 1/0, missing values are empty."
)
st.subheader("Preview")
st.dataframe(frame.head(1000), hide_index=True, height=420, placeholder=components.MISSING)
if len(frame) > 1000:
    st.caption(f"The first 1,000 of {len(frame):,} rows; the download has them all.")
