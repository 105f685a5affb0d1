"""Compare: two releases (or commits) side by side: what got worse between them, and where."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from qroi.dashboard import components, data, filters
from qroi.dashboard.components import Card, fmt_int
from qroi.read import compare as compare_reads

f = filters.current()
components.header(
    "Compare",
    "What got worse between two releases, and where: files, folders, functions and hotspots.",
    f,
    all_history="each side is the whole tree at its revision, and hotspots count that revision's history",
)
ss = st.session_state
repos = list(f.scope.repos)
if ss.get("compare_repo") not in repos:
    ss["compare_repo"] = repos[0]
if len(repos) > 1:
    st.selectbox("Repository", repos, key="compare_repo")
repo = ss["compare_repo"]
choices, (default_old, default_new) = data.compare_choices(f.scope.url, f.scope.stamp, repo)
for key, default in (("compare_old", default_old), ("compare_new", default_new)):
    if ss.get(key) not in choices:
        ss[key] = default
left, middle, right = st.columns([1, 1, 2])
left.selectbox("Older", choices, key="compare_old", help="A release tag, or HEAD (the ingested tip).")
middle.selectbox("Newer", choices, key="compare_new", help="The revision compared with the older one.")
kept = filters.role_picker(right)
if not kept:
    components.nothing("Choose at least one file role.")
    st.stop()
depth = st.segmented_control(
    "Folder depth", [1, 2, 3, 4], default=3, required=True, key="compare_depth", persist_state="session"
)
old_ref, new_ref = ss["compare_old"], ss["compare_new"]
if old_ref == new_ref:
    components.nothing("Both sides are the same revision.", "Pick two different ones above.")
    st.stop()
with st.spinner("Rebuilding both trees from the store…"):
    result = data.comparison(f.scope.url, f.scope.stamp, repo, old_ref, new_ref, kept, int(depth or 3))
if result.old.committed_ts > result.new.committed_ts:
    st.warning(
        f"{old_ref} was committed after {new_ref}: the changes read newest to oldest.",
        icon=":material/swap_horiz:",
    )

t = result.totals


def _delta(key: str, digits: int = 0) -> str | None:
    a, b = t.loc["old", key], t.loc["new", key]
    return None if pd.isna(a) or pd.isna(b) else f"{b - a:+,.{digits}f}"


def _fmt(value: object, digits: int = 0) -> str:
    return components.MISSING if value is None or pd.isna(value) else f"{value:,.{digits}f}"


st.caption(
    f"**{result.old.label}** ({result.old.sha[:10]}, {pd.Timestamp(result.old.committed_ts, unit='s'):%d %b %Y}) → "
    f"**{result.new.label}** ({result.new.sha[:10]}, {pd.Timestamp(result.new.committed_ts, unit='s'):%d %b %Y}); "
    f"{', '.join(kept)} files. Same figures: `qroi compare {repo} {old_ref} {new_ref} --roles "
    f"{filters.roles_text(kept)}`."
)
components.cards(
    [
        Card(
            "Commits between",
            fmt_int(result.commits_between),
            help="In the newer revision's history, not the older's.",
        ),
        Card(
            "Maintainability (MI)",
            _fmt(t.loc["new", "mi"], 1),
            _delta("mi", 1),
            help="Radon's MI of the newer side, weighted by sloc (change from the older side). Higher is better.",
        ),
        Card("Total complexity", fmt_int(t.loc["new", "cc_total"]), _delta("cc_total"), "inverse"),
        Card(
            "Functions ranked C or worse",
            fmt_int(t.loc["new", "c_or_worse"]),
            _delta("c_or_worse"),
            "inverse",
            help="Cyclomatic complexity 11 or more.",
        ),
        Card("Python sloc", fmt_int(t.loc["new", "sloc"]), _delta("sloc"), "off"),
    ]
)

worse = result.worse_files
st.subheader(f"Files that got worse ({len(worse):,})")
if worse.empty:
    components.nothing("No file present on both sides lost maintainability or gained complexity.")
else:
    st.dataframe(
        worse[
            [
                "path",
                "mi_new",
                "mi_delta",
                "cc_total_new",
                "cc_total_delta",
                "cc_max_new",
                "sloc_delta",
                "commits_between",
                "bugfix_commits_between",
            ]
        ],
        hide_index=True,
        placeholder=components.MISSING,
        width="stretch",
        column_config={
            "path": st.column_config.TextColumn("File", width="medium"),
            "mi_new": st.column_config.NumberColumn("MI", format="%.1f", width="small"),
            "mi_delta": st.column_config.NumberColumn("Δ MI", format="%+.1f", width="small"),
            "cc_total_new": st.column_config.NumberColumn("CC", format="%d", width="small"),
            "cc_total_delta": st.column_config.NumberColumn("Δ CC", format="%+d", width="small"),
            "cc_max_new": st.column_config.NumberColumn("Max CC", format="%d", width="small"),
            "sloc_delta": st.column_config.NumberColumn("Δ sloc", format="%+d", width="small"),
            "commits_between": st.column_config.NumberColumn(
                "Commits", format="%d", help="Commits between the two revisions."
            ),
            "bugfix_commits_between": st.column_config.NumberColumn(
                "Fixes", format="%d", help="Bug fixes among them."
            ),
        },
    )

st.subheader("Where: folders, largest MI loss first")
folders = result.folders.sort_values(["mi_delta", "folder"], na_position="last")
st.dataframe(
    folders[
        [
            "folder",
            "files_old",
            "files_new",
            "mi_new",
            "mi_delta",
            "cc_total_delta",
            "c_or_worse_delta",
            "sloc_delta",
            "commits_between",
        ]
    ],
    hide_index=True,
    placeholder=components.MISSING,
    width="stretch",
    column_config={
        "folder": st.column_config.TextColumn("Folder", width="medium"),
        "files_old": st.column_config.NumberColumn("Files before", format="%d", width="small"),
        "files_new": st.column_config.NumberColumn("Files now", format="%d", width="small"),
        "mi_new": st.column_config.NumberColumn("MI", format="%.1f", width="small"),
        "mi_delta": st.column_config.NumberColumn("Δ MI", format="%+.1f", width="small"),
        "cc_total_delta": st.column_config.NumberColumn("Δ CC", format="%+d", width="small"),
        "c_or_worse_delta": st.column_config.NumberColumn("Δ C-or-worse", format="%+d", width="small"),
        "sloc_delta": st.column_config.NumberColumn("Δ sloc", format="%+d", width="small"),
        "commits_between": st.column_config.NumberColumn("Commits", format="%d", width="small"),
    },
)

left, right = st.columns(2)
with left:
    st.subheader(f"Functions that crossed rank C ({len(result.functions):,})")
    if result.functions.empty:
        components.nothing("No function reached complexity 11 between these revisions.")
    else:
        crossed = result.functions.assign(
            function=[
                f"{c}.{n}" if isinstance(c, str) else n
                for c, n in zip(result.functions["class_name"], result.functions["name"], strict=True)
            ]
        )
        st.dataframe(
            crossed[["function", "path", "lineno", "complexity_old", "complexity_new"]],
            hide_index=True,
            placeholder=components.MISSING,
            width="stretch",
            column_config={
                "function": st.column_config.TextColumn("Function", width="medium"),
                "path": st.column_config.TextColumn("File", width="medium"),
                "lineno": st.column_config.NumberColumn("Line", format="%d", width="small"),
                "complexity_old": st.column_config.NumberColumn(
                    "CC before", format="%d", help="Empty: it did not exist."
                ),
                "complexity_new": st.column_config.NumberColumn("CC now", format="%d", width="small"),
            },
        )
with right:
    hot = result.new_hotspots
    st.subheader(f"New hotspots ({len(hot):,})")
    if hot.empty:
        components.nothing(f"The top {compare_reads.TOP_HOTSPOTS} hotspots are the same files on both sides.")
    else:
        st.dataframe(
            hot[["path", "hotspot_rank_old", "hotspot_rank_new", "commits_between", "status"]],
            hide_index=True,
            placeholder=components.MISSING,
            width="stretch",
            column_config={
                "path": st.column_config.TextColumn("File", width="medium"),
                "hotspot_rank_old": st.column_config.NumberColumn("Rank before", format="%d", width="small"),
                "hotspot_rank_new": st.column_config.NumberColumn("Rank now", format="%d", width="small"),
                "commits_between": st.column_config.NumberColumn("Commits", format="%d", width="small"),
                "status": "File",
            },
        )

components.csv_download(
    result.files,
    f"qroi-{repo}-compare-{old_ref}-{new_ref}.csv",
    "Download every file's comparison (CSV)",
    key="compare_csv",
)
with st.expander("How these figures are computed"):
    st.markdown(
        "- Each side is the tree of its revision, rebuilt from the store; every file figure is its blob's "
        "Radon score. Files are matched by path: a renamed file is *removed* under its old path and *added* "
        "under its new one.\n"
        "- A file **got worse** when its MI fell or its total cyclomatic complexity rose.\n"
        "- A function **crossed rank C** when its complexity is 11 or more now and was below 11 before, or "
        "it did not exist (matched by class and name).\n"
        f"- A **hotspot** ranks files by the commits in that revision's history times their total complexity "
        f"(as Hotspots ranks HEAD); a **new hotspot** is in the top {compare_reads.TOP_HOTSPOTS} now and was "
        "not before.\n"
        "- Totals and folders sum the files of the chosen roles; MI is weighted by sloc."
    )
