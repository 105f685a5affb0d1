"""Hotspots: complex files that keep changing, where quality costs most; pick one to see its history."""

from __future__ import annotations

import streamlit as st

from qroi.core import roles
from qroi.dashboard import charts, components, data, filters

HISTORY_PAGE = "views/file_history.py"

f = filters.current()
components.header(
    "Hotspots",
    "Which files change often *and* are complex? Complexity nobody touches costs little; "
    "complexity changed every week is where quality costs most.",
    f,
)
kept = st.multiselect(
    "File roles",
    roles.names(),
    default=[roles.PRODUCT],
    key="hotspot_roles",
    help="Product code by default: tests, docs and examples change with every fix and would lead "
    "the list. Roles come from each file's path (qroi.core.roles).",
)
hot = data.hotspots(f.scope, tuple(kept))
if hot.empty:
    components.nothing(
        "No Python files of these roles at HEAD in the chosen repositories.",
        "Hotspots need Python files in the ingested tree; add roles above to see tests or docs.",
    )
    st.stop()
touched = hot[hot["commits"] > 0]
if touched.empty:
    components.nothing("No file at HEAD was changed in this period.", "Widen the period in the sidebar.")
    st.stop()


def open_history(repo: str, path: str) -> None:
    """Hand the file to the File history page (its pickers read these keys) and go there."""
    st.session_state["history_repo"] = repo
    st.session_state["history_path"] = path
    st.switch_page(HISTORY_PAGE)


top = len(touched)
if len(touched) > 5:
    top = st.slider(
        "Files to show",
        5,
        min(200, len(touched)),
        min(40, len(touched)),
        key="hot_top",
        persist_state="session",
        help="The top files by commits × total complexity.",
    )
shown = touched.head(top)
components.cards(
    [
        components.Card(
            f"Python files at HEAD ({', '.join(kept) or 'no role'})", components.fmt_int(len(hot))
        ),
        components.Card("Changed in the period", components.fmt_int(len(touched))),
        components.Card(
            "Top 10 files' share of commits",
            components.fmt_share(touched["commits"].head(10).sum() / max(touched["commits"].sum(), 1)),
            help="How concentrated change is: the share of file changes that hit the ten hottest files.",
        ),
        components.Card(
            "Top 10 files' share of bug fixes",
            components.fmt_share(touched["bugfix_commits"].head(10).sum() / touched["bugfix_commits"].sum())
            if touched["bugfix_commits"].sum()
            else "—",
            help="Share of bug-fix file changes that hit the ten hottest files.",
        ),
    ]
)

event = components.plot(charts.hotspots(shown), key="hotspot_chart", on_select=True)
points = getattr(getattr(event, "selection", None), "points", None) or []
if points and points[0].get("customdata"):
    open_history(points[0]["customdata"][0], points[0]["customdata"][1])
st.caption(
    "Click a bubble, or a row below, to open that file's history. x: commits that touched the file in the "
    "period; y: its total cyclomatic complexity now; area: its size; colour: its maintainability index."
)

st.subheader("Top files")
columns = [
    "repo",
    "path",
    "score",
    "commits",
    "bugfix_commits",
    "authors",
    "cc_total",
    "cc_max",
    "mi",
    "sloc",
    "added",
    "deleted",
    "previous_paths",
]
picked = st.dataframe(
    shown[columns if len(f.scope.repos) > 1 else columns[1:]],
    hide_index=True,
    placeholder=components.MISSING,
    key="hot_table",
    on_select="rerun",
    selection_mode="single-row",
    column_config={
        "repo": "Repository",
        "path": st.column_config.TextColumn("File", width="large"),
        "score": st.column_config.NumberColumn("Commits × CC", format="localized"),
        "commits": st.column_config.NumberColumn(
            "Commits",
            format="%d",
            help="Commits in the period that changed the file, under its current path and the paths it "
            "had before (followed through renames, as `qroi export files` and File history count).",
        ),
        "bugfix_commits": st.column_config.NumberColumn(
            "Bug-fix commits", format="%d", help="Bug-fix commits among them (renames followed, same period)."
        ),
        "authors": st.column_config.NumberColumn("Authors", format="%d"),
        "cc_total": st.column_config.NumberColumn("CC total", format="%d"),
        "cc_max": st.column_config.NumberColumn("CC max", format="%d"),
        "mi": st.column_config.ProgressColumn("MI", min_value=0, max_value=100, format="%.1f"),
        "sloc": st.column_config.NumberColumn("sloc", format="%d"),
        "added": st.column_config.NumberColumn("Lines added", format="%d"),
        "deleted": st.column_config.NumberColumn("Lines deleted", format="%d"),
        "previous_paths": st.column_config.TextColumn(
            "Earlier paths", help="Paths the file had before its renames, oldest first."
        ),
    },
)
rows = picked.selection.rows if picked is not None and hasattr(picked, "selection") else []
if rows:
    row = shown.iloc[rows[0]]
    open_history(row["repo"], row["path"])

labels = {
    (r, p): (f"{r}: {p}" if len(f.scope.repos) > 1 else p)
    for r, p in zip(shown["repo"], shown["path"], strict=True)
}
choice = st.selectbox(
    "Or choose a file",
    list(labels),
    format_func=labels.get,
    index=None,
    key="hot_pick",
    placeholder="Type to search the top files",
)
if (
    st.button("Open its history", icon=":material/history:", disabled=choice is None, key="hot_open")
    and choice
):
    open_history(*choice)
