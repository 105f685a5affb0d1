"""Commits: every commit in the period, filterable, with what it did to the project's Python quality."""

from __future__ import annotations

import streamlit as st

from qroi.dashboard import charts, components, data, filters
from qroi.dashboard.components import Card, fmt_int

f = filters.current()
components.header(
    "Commits", "Which commits moved quality, and which ones were bug fixes, reverts or issue work?", f
)
kept = filters.role_picker(
    help_text="Commits that changed a file of these roles (a merge: in its diff against its first parent), "
    "as `qroi export commits --roles`: product code by default, so test-only and docs-only commits are "
    "left out until you add their roles."
)
if not kept:
    components.nothing("Choose at least one file role.")
    st.stop()
every = data.commits(f.scope, kept=kept)
if every.empty:
    components.nothing(
        "No commit in this period changed a file of these roles.", "Widen the period or add file roles."
    )
    st.stop()
where = filters.commit_filter_controls(sorted(every["author_name"].unique()))
shown = where.apply(every)
st.caption(
    f"Filters: {filters.describe(where)}; commits that changed {', '.join(kept)} files (set them in the "
    "sidebar and above; the Export page uses them too)."
)
if shown.empty:
    components.nothing("No commit matches these filters.", "Loosen the commit filters in the sidebar.")
    st.stop()

work = shown[~shown["is_merge"]]
main = shown[shown["mainline"]]
summed = (
    f"Summed over the {len(main):,} shown commits on the mainline (the first-parent chain from HEAD): a "
    "merge's change already holds what its branch did, so the branch's own commits are not added again. "
    "Each commit's Δ is the whole Python tree's (all its files, whatever their role); with every file role "
    "and no commit filter the sum is the change the Overview shows for the period."
)
components.cards(
    [
        Card("Commits shown", fmt_int(len(shown)), help=f"Of {len(every):,} commits in the period."),
        Card("Bug fixes", fmt_int(shown["is_bugfix"].sum())),
        Card("Reverts", fmt_int(shown["is_revert"].sum())),
        Card("Net Δ sloc (mainline)", f"{main['d_sloc'].sum():+,.0f}", help=summed),
        Card("Net Δ CC (mainline)", f"{main['d_cc_total'].sum():+,.0f}", help=summed),
        Card(
            "Raised CC",
            fmt_int((work["d_cc_total"] > 0).sum()),
            help="Non-merge commits that left the code more complex than their parent.",
        ),
    ]
)

components.plot(charts.commit_deltas(shown), key="commit_deltas")
table = shown.assign(sha=shown["sha"].str[:10])
columns = [
    "repo",
    "committed_at",
    "sha",
    "author_name",
    "subject",
    "d_sloc",
    "d_cc_total",
    "d_mi",
    "d_c_or_worse",
    "kind",
    "kind_rule",
    "is_bugfix",
    "is_revert",
    "is_merge",
    "mainline",
    "issue_refs",
    "insertions",
    "deletions",
    "py_mi",
    "py_sloc",
]
BRIEF = [
    "repo",
    "committed_at",
    "sha",
    "author_name",
    "subject",
    "d_sloc",
    "d_cc_total",
    "d_mi",
    "kind",
    "is_bugfix",
]
if not st.toggle(
    "Every column", key="commit_columns", help="Kind rule, reverts, merges, issues, lines and quality after."
):
    columns = [c for c in columns if c in BRIEF]
st.dataframe(
    table[columns if len(f.scope.repos) > 1 else columns[1:]],
    hide_index=True,
    placeholder=components.MISSING,
    height=560,
    column_config={
        "repo": "Repository",
        "committed_at": st.column_config.DatetimeColumn("Committed (UTC)", format="YYYY-MM-DD HH:mm"),
        "sha": st.column_config.TextColumn("Commit", width="small"),
        "author_name": "Author",
        "subject": st.column_config.TextColumn("Subject", width="medium"),
        "kind": st.column_config.TextColumn(
            "Kind", help="fix, feature, refactor, docs, style, test, build, deps, release, revert or merge."
        ),
        "kind_rule": st.column_config.TextColumn(
            "Why", help="The rule that decided the kind.", width="medium"
        ),
        "is_bugfix": st.column_config.CheckboxColumn("Fix", help="Exactly the commits of kind fix."),
        "is_revert": st.column_config.CheckboxColumn("Revert"),
        "is_merge": st.column_config.CheckboxColumn("Merge"),
        "mainline": st.column_config.CheckboxColumn(
            "Mainline", help="On the first-parent chain from HEAD: the commits the net Δ cards add up."
        ),
        "issue_refs": "Issues",
        "insertions": st.column_config.NumberColumn("+lines", format="%d"),
        "deletions": st.column_config.NumberColumn("−lines", format="%d"),
        "d_sloc": st.column_config.NumberColumn("Δ sloc", format="%+d"),
        "d_cc_total": st.column_config.NumberColumn("Δ CC", format="%+d"),
        "d_mi": st.column_config.NumberColumn("Δ MI", format="%+.2f"),
        "d_c_or_worse": st.column_config.NumberColumn("Δ C-or-worse", format="%+d"),
        "py_mi": st.column_config.NumberColumn("MI after", format="%.1f"),
        "py_sloc": st.column_config.NumberColumn("sloc after", format="localized"),
    },
)
st.caption(
    "Δ columns: the project's Python quality after the commit minus after its first parent (a root commit "
    "is compared with the empty tree). MI is 0–100, higher is better; CC is total cyclomatic complexity."
)
