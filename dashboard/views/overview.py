"""Overview: the chosen repositories at a glance, quality and delivery side by side per month."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from qroi.core import roles
from qroi.dashboard import charts, components, data, filters
from qroi.dashboard.components import Card, fmt_int, fmt_share
from qroi.dashboard.filters import Filters
from qroi.dashboard.metrics import MEASURES
from qroi.read import mainline
from qroi.read.overview import Headline

f = filters.current()
components.header(
    "Overview", "How big and how healthy is the code, and how does its quality move with delivery?", f
)
view = data.overview(f.scope)
h = view.headline
if h.commits == 0:
    components.nothing("No commits in this period.", "Widen the period in the sidebar.")
    st.stop()

monthly = (
    view.timeline.groupby("month", sort=True)[["commits", "bugfixes"]].sum() if len(view.timeline) else None
)
fix_share = (
    (monthly["bugfixes"] / monthly["commits"].where(monthly["commits"] > 0)).fillna(0)
    if monthly is not None
    else None
)
single = view.timeline if len(f.scope.repos) == 1 else pd.DataFrame()
since = "" if f.full_period else " since the period began"
lead_days = view.outcomes.median_lead_days
mi, cc, cs, sloc = MEASURES["py_mi"], MEASURES["cc_density"], MEASURES["c_share"], MEASURES["py_sloc"]


def quality_trend(head: Headline, filters: Filters) -> str:
    """The maintainability trend in one sentence: up, down or flat since the period began."""
    if head.mi is None:
        return "No Python file could be scored at the period's end, so there is no quality trend."
    before, since = head.mi_before, f"Since {filters.first_day:%d %b %Y}"
    if before is None and len(filters.scope.repos) == 1:
        # All history: the start is an empty tree, so compare with the mainline a year before the end.
        series = data.quality_series(filters.scope.url, filters.scope.stamp, filters.scope.repos[0])
        year_ago = data.day_bounds(filters.last_day, filters.last_day)[1] - 365 * 86400
        state = mainline.state_at(series, year_ago)
        before = None if state is None or pd.isna(state["py_mi"]) else float(state["py_mi"])
        since = "Over the last year of history"
    if before is None:
        return f"Maintainability stands at **{head.mi:.1f}** of 100 at the period's end."
    moved = head.mi - before
    verb = "held steady at" if abs(moved) < 0.05 else "improved to" if moved > 0 else "worsened to"
    return (
        f"{since}, maintainability {verb} **{head.mi:.1f}** of 100 (from {before:.1f}; higher is "
        "easier to maintain)."
    )


def change(measure_key: str, now: float | None, before: float | None) -> str | None:
    return MEASURES[measure_key].fmt_delta(None if now is None or before is None else now - before)


def trend(column: str) -> list[float] | None:
    return [float(v) for v in single[column].dropna()] if len(single) > 1 else None


st.markdown("##### Does quality pay here?")
with st.spinner("Testing the claim on this history (a few seconds, once)…"):
    answers = [data.claim_headline(f.scope.url, f.scope.stamp, r) for r in f.scope.repos]
for answer in answers:
    components.claim_answer(answer, several=len(answers) > 1)
st.page_link(
    "views/claim.py",
    label="Does quality pay? Three answers: do worse files cost more, did quality work pay back, "
    "and the shape of the curve",
    icon=":material/balance:",
)

trend_words = quality_trend(view.headline, f)
st.markdown("##### Quality trend and what to look at next")
left, right = st.columns(2)
kept = filters.role_picker(
    right,
    "Which files the list of what to look at next ranks, by role: product code by default, as `qroi summary "
    "--roles`. The quality cards and the timeline describe every Python file of the mainline's tree.",
)
hot = data.hotspots(f.scope, kept) if kept else pd.DataFrame()
hot = hot[hot["commits"] > 0].head(3) if len(hot) else hot
kinds = "product" if kept == (roles.PRODUCT,) else ", ".join(kept)
left.markdown(trend_words)
if len(hot):
    right.markdown(
        f"Start with the {kinds} files that change most and are most complex (Hotspots has the full list):\n"
        + "\n".join(
            f"- `{row.path}`{f' ({row.repo})' if len(f.scope.repos) > 1 else ''}: changed in {row.commits:,} "
            f"commits, {row.bugfix_commits:,} of them bug fixes; its most complex function scores {row.cc_max:,.0f}."
            for row in hot.itertuples()
        )
    )
else:
    right.markdown(f"No {kinds or 'chosen'} file at HEAD was changed in this period: nothing stands out.")

st.markdown("##### Delivery")
components.cards(
    [
        Card(
            "Commits",
            fmt_int(h.commits),
            help=f"All commits in the period, {h.merges:,} of them merges.",
            chart=[float(v) for v in monthly["commits"]]
            if monthly is not None and len(monthly) > 1
            else None,
            chart_type="bar",
        ),
        Card("Authors", fmt_int(h.authors), help="Distinct author e-mail addresses in the period."),
        Card(
            "Bug-fix share",
            fmt_share(h.bugfix_share),
            help="Bug-fix commits among non-merge commits in the period, "
            "by the message rule (fix, bug, crash, regression…).",
            chart=[float(v) for v in fix_share] if fix_share is not None and len(fix_share) > 1 else None,
            chart_type="bar",
            delta_color="inverse",
        ),
        Card(
            "Releases",
            fmt_int(h.releases),
            f"median lead time {lead_days:,.1f} days" if lead_days is not None else None,
            "off",
            help="Version tags (v1.2.0, 1.2, release-2.0) made in the period, and the median time from a change's "
            "commit (non-merge, author time) to the first release that contains it, as `qroi summary` prints it.",
            arrow=False,
        ),
    ]
)
st.markdown("##### Quality at the period's end")
components.cards(
    [
        Card(
            "Python sloc",
            sloc.fmt(h.sloc),
            change("py_sloc", h.sloc, h.sloc_before),
            "off",
            help=f"Source lines of all Python files on the mainline at the period's end (change{since}).",
            chart=trend("py_sloc"),
        ),
        Card(
            "Maintainability (MI)",
            mi.fmt(h.mi),
            change("py_mi", h.mi, h.mi_before),
            mi.delta_color,
            help="Radon's maintainability index, 0–100, averaged over files weighted by sloc. Higher is better; "
            "MI grows with smaller files, so read it beside size.",
            chart=trend("py_mi"),
        ),
        Card(
            "Functions ranked C or worse",
            fmt_share(h.c_share),
            change("c_share", h.c_share, h.c_share_before),
            cs.delta_color,
            help="Share of functions and methods with cyclomatic complexity ≥ 11 (Radon rank C–F). "
            "Lower is better.",
            chart=trend("c_share"),
        ),
        Card(
            "Complexity density",
            cc.fmt(h.cc_density),
            change("cc_density", h.cc_density, h.cc_density_before),
            cc.delta_color,
            help="Total cyclomatic complexity per 100 source lines. Lower is simpler.",
            chart=trend("cc_density"),
        ),
    ]
)

target = st.number_input(
    f"Target for {f.measure.label.lower()} (optional)",
    value=None,
    key=f"target_{f.measure.column}",
    persist_state="session",
    placeholder="none",
    help="Drawn as a dashed line on the quality chart, with how the period's end compares.",
)
figure = charts.timeline(
    view.timeline, view.releases, f.measure, list(f.scope.repos), view.lead_by_month, target
)
components.plot(figure, key="timeline")
now = {"py_mi": h.mi, "c_share": h.c_share, "cc_density": h.cc_density, "py_sloc": h.sloc}.get(
    f.measure.column
)
if target is not None and now is not None and f.measure.higher_is_better is not None:
    shown_now = now * 100 if f.measure.percent else now
    met = shown_now >= target if f.measure.higher_is_better else shown_now <= target
    st.markdown(
        f"At the period's end {f.measure.label.lower()} is **{f.measure.fmt(now)}**: "
        f"{'meets' if met else 'misses'} the target of {target:,.{f.measure.digits}f} "
        f"({'higher' if f.measure.higher_is_better else 'lower'} is better)."
    )
sources = set(view.timeline["issues_source"]) if len(view.timeline) else set()
closed_by = {
    "tracker": "as the imported tracker export records them",
    "messages": "by commit messages ('fixes #12')",
}
lead = (
    "Bottom: the median time from a commit to the release that shipped it, for the changes released that month. "
    if len(view.lead_by_month)
    else ""
)
release_words = (
    ""
    if view.releases.empty
    else "Violet triangles on top mark releases"
    + (", with dotted lines across the charts" if len(view.releases) <= charts.MAX_RELEASE_LABELS else "")
    + (
        f"; {charts.MAX_LABELS_ACROSS} names at most are written, so none overlap (hover a triangle for its "
        "release). "
        if len(view.releases) > charts.MAX_LABELS_ACROSS
        else ". "
    )
)
st.caption(
    f"Top: {f.measure.label.lower()} of the mainline after its last commit of each month (change the measure in the "
    "sidebar). Below: commits (slate) with the bug fixes among them (red), and issues closed (green), "
    f"{' or '.join(closed_by[s] for s in sorted(sources, reverse=True))}. {lead}{release_words}"
    "Months are UTC calendar months of the committed time."
)

if len(f.scope.repos) > 1:
    st.subheader("Per repository")
    table = view.per_repo.assign(
        mi=view.per_repo["mi"].round(1),
        c_share=view.per_repo["c_share"] * 100,
        bugfix_share=view.per_repo["bugfix_share"] * 100,
    )
    st.dataframe(
        table,
        hide_index=True,
        placeholder=components.MISSING,
        column_config={
            "repo": "Repository",
            "commits": st.column_config.NumberColumn("Commits", format="%d"),
            "authors": "Authors",
            "sloc": st.column_config.NumberColumn("Python sloc", format="localized"),
            "mi": st.column_config.NumberColumn("MI", format="%.1f"),
            "c_share": st.column_config.NumberColumn("C-or-worse (%)", format="%.1f"),
            "cc_density": st.column_config.NumberColumn("CC per 100 sloc", format="%.1f"),
            "bugfix_share": st.column_config.NumberColumn("Bug-fix share (%)", format="%.1f"),
            "releases": "Releases",
        },
    )

with st.expander("How these figures are computed"):
    st.markdown(
        "- **Quality** is read from the *mainline* (the first-parent chain from the ingested HEAD), so a "
        "feature branch's state never leaks into the trend. With several repositories, sloc adds up, MI is "
        "weighted by sloc and the C-or-worse share is pooled over all functions.\n"
        "- **Deltas** compare the period's end with its start; they appear when the period starts after the "
        "first commit.\n"
        "- **Bug fixes** follow the message rule of `qroi ingest` (change it with `--bugfix-pattern`); merges "
        "are never bug fixes. **Issues closed** counts each issue once, at the first commit whose message closes "
        "it (`fixes #12`).\n"
        "- Files Radon could not score (syntax errors, undecodable bytes…) count in no quality figure."
    )
