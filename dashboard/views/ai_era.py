"""AI era: copy/paste vs moved code, churn, declared AI assistance, and before/after an adoption date."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from qroi.analysis.ai_event import EVENT_METRICS
from qroi.core.metrics import metric
from qroi.dashboard import charts, components, data, filters
from qroi.dashboard.components import Card, fmt_int, fmt_share
from qroi.read.ai_frames import DECLARED_ONLY, LINEOPS_COLUMNS

COMPARISON_STYLE = {
    "Supported": ("#b91c1c", "Declared-AI commits differ in the direction of the concern."),
    "Contradicted": ("#15803d", "Declared-AI commits differ in the opposite direction."),
    "No effect (equivalent)": ("#475569", "Any difference is too small to matter."),
    "Inconclusive": ("#b45309", "These data cannot tell: neither a clear difference nor equivalence."),
}
EVENT_STYLE = {
    "Level shift": "#7e22ce",
    "Slope change": "#7e22ce",
    "Level and slope change": "#7e22ce",
    "No clear change": "#475569",
}

f = filters.current()
components.header(
    "AI era",
    "Is code copied more and moved less, does it churn sooner, and do commits that declare "
    "AI assistance differ from the others?",
    f,
)
ss = st.session_state
if not data.ai_tables(f.scope.url, f.scope.stamp):
    st.warning(
        "This store was written before qroi measured line operations and declared AI assistance. Run "
        "`qroi ingest` on each repository again: it adds them without re-mining the history.",
        icon=":material/update:",
    )
    st.stop()
base = data.ai_era(f.scope)
if base.commits.empty:
    components.nothing(
        "No line operations are stored for these repositories in this period.",
        "`qroi ingest` computes them; a store ingested by an older qroi gets them on its next ingest. "
        "Or widen the period in the sidebar.",
    )
    st.stop()

t = base.totals
window = base.churn_window
labels = {m: metric(m).label for m in EVENT_METRICS} | {
    "churn_share": f"share of written lines churned within {window}"
}
monthly = base.monthly
last_tree = base.duplication[base.duplication["kind"] == "month"].sort_values("committed_ts")
components.cards(
    [
        Card(
            "Commits",
            fmt_int(t["commits"]),
            help="Non-merge commits of the period with line operations (merges write no lines of their own).",
        ),
        Card(
            "Copy/paste",
            fmt_share(t["copy_paste_share"]),
            help="Copy/pasted lines among all line operations: added "
            "blocks of 5+ code lines that already exist elsewhere in the tree or repeat within the commit.",
            chart=[float(v) for v in monthly["copy_paste_share"].fillna(0)] if len(monthly) > 1 else None,
        ),
        Card(
            "Moved",
            fmt_share(t["moved_share"]),
            help="Moved lines among all line operations: blocks of 3+ code lines "
            "deleted in one place and added, in order, in another.",
            chart=[float(v) for v in monthly["moved_share"].fillna(0)] if len(monthly) > 1 else None,
        ),
        Card(
            f"Churn ({window})",
            fmt_share(t["churn_share"]),
            help=f"Share of the lines commits wrote that a later "
            f"commit changed or deleted within {window} (moved lines excluded), over the {t['churn_known_commits']:,} "
            f"commits whose window has passed.",
        ),
        Card(
            "Duplicated-block commits",
            fmt_share(t["duplicated_block_share"]),
            help="Commits that add at least one copy/pasted block.",
        ),
        Card("Declared AI", fmt_share(t["ai_share"]), help=DECLARED_ONLY),
        Card(
            "Tree duplicated",
            fmt_share(last_tree["share"].iloc[-1]) if len(last_tree) else "—",
            help="Duplicated-block share of the Python code at the last month end of the period: code lines inside a "
            "block of 5+ lines that occurs more than once.",
        ),
    ],
    per_row=4,
)
st.caption(f":material/info: {DECLARED_ONLY}")

st.subheader("Per month")
components.plot(charts.ai_monthly(monthly, labels), key="ai_monthly")
st.caption(
    "Copy/paste and moved: shares of line operations (added, deleted, updated, moved, copy/pasted lines). "
    f"Churn: share of the lines a month's commits wrote that were changed or deleted within {window}; a month "
    "whose window has not passed yet has none. Months by author time (UTC)."
)

st.subheader("Before and after an adoption date")
months = pd.PeriodIndex(monthly["month"], freq="M")
first, last = months.min().start_time.date(), months.max().end_time.date()
flagged = monthly[monthly["ai_commits"] > 0]["month"]
default = pd.Period(flagged.iloc[0] if len(flagged) else months[len(months) // 2], freq="M").start_time.date()
if not isinstance(ss.get("ai_event"), date) or not first <= ss["ai_event"] <= last:
    ss["ai_event"] = default
left, right = st.columns([1, 2])
event = left.date_input(
    "Adoption date",
    key="ai_event",
    min_value=first,
    max_value=last,
    format="YYYY-MM-DD",
    help="When the team adopted an assistant. The default is the first month with a commit that "
    "declares AI assistance.",
)
if flagged.empty and event == default:
    left.caption(
        f"No commit declares AI assistance, so there is no adoption date to start from: "
        f"{default:%B %Y}, the middle of the history, is shown. Set the date your team adopted one."
    )
lens = data.ai_era(f.scope, event.isoformat())
metric = right.selectbox("Metric", list(lens.event_metrics), key="ai_metric", format_func=lambda m: labels[m])
report = lens.event
assert report is not None
components.plot(
    charts.before_after(lens.monthly, metric, labels[metric], report.event), key="ai_before_after"
)
cols = st.columns(len(report.changes))
for col, change in zip(cols, report.changes, strict=True):
    with col.container(border=True):
        label = labels.get(change.metric, change.label)
        st.markdown(f"**{label[:1].upper()}{label[1:]}**")
        colour = EVENT_STYLE.get(change.verdict, "#475569")
        st.markdown(
            f"<span style='color:{colour};font-size:1.2rem;font-weight:700'>{change.verdict}</span>",
            unsafe_allow_html=True,
        )
        st.caption(change.explanation)
st.caption(
    "Interrupted time series: level and slope of the monthly share before the date against after it, with "
    "AR(1) errors (monthly values are autocorrelated) and Holm's correction across the tests. "
    + " ".join(report.caveats)
)

st.subheader("Declared-AI vs other commits")
comparisons = lens.comparisons.comparisons
declared = int(monthly["ai_commits"].sum())
if not declared:
    # One line instead of a card per outcome that each says "too little data".
    comparisons = ()
    components.nothing(
        "No commit in this period declares AI assistance (trailers, markers, agent accounts), so there is "
        "nothing to compare with the other commits.",
        "Declarations are read at ingest; `qroi ingest --ai-rules FILE` adds your team's own markers.",
    )
for start in range(0, len(comparisons), 3):
    cols = st.columns(3)
    for col, c in zip(cols, comparisons[start : start + 3], strict=False):
        colour, gloss = COMPARISON_STYLE.get(c.verdict or "", ("#475569", None))
        with col.container(border=True):
            st.markdown(f"**{c.label[:1].upper()}{c.label[1:]}**")
            st.markdown(
                f"<span style='color:{colour};font-size:1.2rem;font-weight:700'>{c.verdict}</span>",
                unsafe_allow_html=True,
            )
            if gloss:
                st.caption(gloss)
            adj = c.adjusted
            if adj is not None:
                value = f"{adj.estimate:+.2f} {c.unit}" if c.kind == "continuous" else f"{adj.estimate:.2f}×"
                st.metric(
                    "Adjusted, AI vs other",
                    value,
                    border=False,
                    help=f"95% CI {adj.ci_low:.2f}–{adj.ci_high:.2f}; adjusted for {', '.join(adj.adjusted_for)}.",
                )
            st.caption(c.explanation or "")
if comparisons:
    st.caption(
        "Each outcome is compared unadjusted, adjusted for commit size, and adjusted for size, files touched and "
        "author experience; the verdict rests on the last. Automation accounts (dependency bots) are left out of "
        "both groups. " + " ".join(lens.comparisons.caveats[1:])
    )

st.subheader("Duplicated code in the tree")
if base.duplication.empty:
    components.nothing("No month end or release of the mainline falls in this period.")
else:
    components.plot(charts.duplication(base.duplication, list(f.scope.repos)), key="ai_duplication")

st.subheader("Authors")
names = data.people(f.scope)
shown = base.authors.assign(author=base.authors["author"].map(lambda e: names.get(e, components.MISSING)))[
    [
        "author",
        "commits",
        "ai_commits",
        "operations",
        "copy_paste_share",
        "moved_share",
        "churn_share",
        "duplicated_block_share",
    ]
]
st.dataframe(
    shown,
    hide_index=True,
    placeholder=components.MISSING,
    column_config={
        "author": st.column_config.TextColumn(
            "Author",
            help="The name on the author's latest commit (after .mailmap); one row per e-mail address.",
        ),
        "commits": st.column_config.NumberColumn("Commits", format="localized"),
        "ai_commits": st.column_config.NumberColumn("Declared AI", format="localized"),
        "operations": st.column_config.NumberColumn("Line operations", format="localized"),
        "copy_paste_share": st.column_config.NumberColumn("Copy/paste", format="percent"),
        "moved_share": st.column_config.NumberColumn("Moved", format="percent"),
        "churn_share": st.column_config.NumberColumn("Churn", format="percent"),
        "duplicated_block_share": st.column_config.NumberColumn("Duplicated-block commits", format="percent"),
    },
)
components.csv_download(
    base.commits[LINEOPS_COLUMNS],
    "qroi-lineops.csv",
    "Download line operations per commit (CSV)",
    key="ai_lineops_csv",
)
