"""Does quality pay? The claim test: do files of worse quality see more bug fixes, after size is controlled?"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from qroi.analysis import claim as claims
from qroi.analysis.payback import PaybackResult, payback_test
from qroi.analysis.results import DoseResponse
from qroi.core import roles
from qroi.core.errors import QroiError
from qroi.dashboard import charts, components, data, filters

VERDICT_STYLE = {
    "Supported": (
        "#15803d",
        ":material/check_circle:",
        "Worse quality goes with more of the outcome: quality pays.",
    ),
    "Contradicted": ("#b91c1c", ":material/cancel:", "Worse quality goes with *less* of the outcome."),
    "No effect (equivalent)": ("#475569", ":material/drag_handle:", "Any effect is too small to matter."),
    "Inconclusive": (
        "#b45309",
        ":material/help:",
        "These data cannot tell: neither a clear effect nor equivalence.",
    ),
}
WINDOWS = {"3M": "3 months", "6M": "6 months", "1Y": "1 year"}
# Bootstrap resamples behind the intervals: 0 gives cluster-robust Wald intervals in a second or two.
# (Comments, not docstrings: Streamlit writes a page script's bare strings on the page.)
PRECISION = {"quick": ("Quick", 0), "standard": ("Standard", 199), "thorough": ("Thorough", 999)}

f = filters.current()
components.header(
    "Does quality pay?",
    "Do worse files cost more, did quality work pay back, and what does the curve look like? "
    "Below the three answers, test any quality metric against any outcome.",
    f,
    all_history="like `qroi analyze`, the test compares every complete window of the history",
)
ss = st.session_state


# The quality the three answers speak of: complexity per 100 lines (the page's form below asks more).
ANSWER_QUALITY = "cc_density"
# Answer 1's outcomes and how each is named in its sentence.
COSTS = (("defects", "bug fixes"), ("cycle_time", "time to change"), ("max_cycle_time", "predictability"))
PAYBACK_WORDS = {"bugfix_commits": "bug fixes", "cycle_time": "time to change", "churn": "churn"}


@st.cache_data(show_spinner=False, max_entries=16)
def costs(url: str, stamp: str, repo: str) -> claims.ClaimResult:
    """Answer 1 and 3: complexity density against bug fixes, cycle time and its worst, as
    `qroi analyze --quality cc_density --outcome defects --outcome cycle_time --outcome
    max_cycle_time --boot 0` computes them (quick intervals)."""
    return claims.claim_test(
        data.engine_for(url), [repo], [ANSWER_QUALITY], [o for o, _ in COSTS], "6M", 1.1, n_boot=0
    )


@st.cache_data(show_spinner=False, max_entries=16)
def payback_of(url: str, stamp: str, repo: str) -> PaybackResult:
    """Answer 2: `qroi payback REPO` with its defaults."""
    return payback_test(data.engine_for(url), repo)


def _ci(low: float | None, high: float | None) -> str:
    return "" if low is None or high is None else f" (95% CI {low:.2f}–{high:.2f})"


def cost_answer(result: claims.ClaimResult) -> list[str]:
    """Answer 1, one line per outcome: the adjusted ratio per SD more complex, CI, verdict."""
    lines = []
    for (name, words), h in zip(COSTS, result.report.hypotheses, strict=True):
        adj = h.adjusted
        if adj is None:
            lines.append(f"- **{words.capitalize()}**: not testable here ({h.reason or h.status}).")
            continue
        more = f"{adj.ratio:.2f}×{_ci(adj.ci_low, adj.ci_high)}"
        lines.append(
            f"- **{words.capitalize()}**: files one SD more complex have {more} the "
            f"{claims.OUTCOMES[name].label} of files of the same size that change as often: **{h.verdict}**."
        )
    return lines


def payback_answer(result: PaybackResult) -> list[str]:
    """Answer 2, one line per payback outcome, and the payback sentence."""
    lines = [f"{result.sentence()[:1].upper()}{result.sentence()[1:]}."]
    for o in result.outcomes:
        if o.ratio is None:
            lines.append(f"- **{PAYBACK_WORDS[o.outcome].capitalize()}**: {o.verdict} ({o.reason}).")
            continue
        lines.append(
            f"- **{PAYBACK_WORDS[o.outcome].capitalize()}**: invested files {o.ratio:.2f}×"
            f"{_ci(o.ci_low, o.ci_high)} their matched files' change, after vs before: **{o.verdict}**"
            + (f" ({o.reason})" if o.reason else "")
            + "."
        )
    return lines


def curve(dose: DoseResponse, axis: str) -> go.Figure:
    """The outcome by quality bin (worst first on the left) with its 95% intervals."""
    mid = [(b.quality_low + b.quality_high) / 2 for b in dose.bins]
    high = [(b.ci_high - b.outcome) if b.ci_high is not None else 0 for b in dose.bins]
    fig = go.Figure(
        go.Scatter(
            x=mid,
            y=[b.outcome for b in dose.bins],
            mode="lines+markers",
            error_y={
                "type": "data",
                "symmetric": False,
                "array": high,
                "arrayminus": [b.outcome - b.ci_low for b in dose.bins],
            },
            customdata=[[b.quality_low, b.quality_high, b.n_rows] for b in dose.bins],
            hovertemplate="%{customdata[0]:.1f}–%{customdata[1]:.1f}: %{y:.2f} (%{customdata[2]} rows)<extra></extra>",
            name=dose.measure,
        )
    )
    fig.update_layout(
        xaxis_title=f"{claims.QUALITY[ANSWER_QUALITY].label.capitalize()} ({dose.scheme}, bin middle)",
        yaxis_title=axis,
        height=320,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        showlegend=False,
    )
    return fig


def three_answers() -> None:
    """The page's lead: the headline cached at ingest at once (issue 17: the page answers in
    seconds), then do worse files cost more, did quality work pay back, what the curve looks like."""
    for repo in f.scope.repos:
        components.claim_answer(data.claim_headline(f.scope.url, f.scope.stamp, repo), len(f.scope.repos) > 1)
        st.markdown(f"##### Three answers{f' for {repo}' if len(f.scope.repos) > 1 else ''}")
        try:
            with st.spinner("Testing cost, payback and the curve on this history…"):
                cost = costs(f.scope.url, f.scope.stamp, repo)
                paid = payback_of(f.scope.url, f.scope.stamp, repo)
        except QroiError as exc:
            components.nothing(f"These answers cannot be computed here: {exc}.")
            continue
        one, two, three = st.columns(3)
        with one.container(border=True):
            st.markdown("**1. Do worse files cost more?**")
            st.markdown("\n".join(cost_answer(cost)))
            st.caption("Adjusted for size, commits and the calendar window; 6-month windows, product files.")
        with two.container(border=True):
            st.markdown("**2. Did quality work pay back?**")
            st.markdown("\n".join(payback_answer(paid)))
            st.caption("Refactorings against matched files left alone (`qroi payback`): below 1 is a gain.")
        with three.container(border=True):
            st.markdown("**3. What does the curve look like?**")
            h = cost.report.hypotheses[0]
            dose = h.dose_response
            if dose is None:
                st.markdown("Too few file-windows to draw the curve.")
            else:
                st.markdown(
                    f"Bug fixes by {claims.QUALITY[ANSWER_QUALITY].label} ({dose.scheme}, at the median size): "
                    f"**{dose.shape.reading}**"
                    + (f" (p = {dose.shape.p_value:.3f})." if dose.shape.p_value is not None else ".")
                )
                components.plot(curve(dose, "Bug fixes per file-window"), key=f"curve_{repo}")


three_answers()

with st.form("claim_controls", border=True):
    c1, c2, c3, c4 = st.columns([3, 2, 1.3, 2])
    qualities = c1.multiselect(
        "Quality metrics",
        list(claims.QUALITY),
        default=list(claims.DEFAULT_QUALITY),
        key="claim_metrics",
        bind="query-params",
        format_func=lambda k: claims.QUALITY[k].label,
        help="Each metric is one hypothesis; together they are one family (Holm-corrected).",
    )
    outcome = c2.selectbox(
        "Outcome",
        list(claims.OUTCOMES),
        key="claim_outcome",
        bind="query-params",
        format_func=lambda k: claims.OUTCOMES[k].label,
    )
    window = c3.selectbox(
        "Window",
        list(WINDOWS),
        index=1,
        key="claim_window",
        bind="query-params",
        format_func=WINDOWS.get,
        help="Length of the file x window rows.",
    )
    sesoi = c4.slider(
        "Smallest effect of interest",
        1.05,
        2.0,
        1.1,
        0.05,
        key="claim_sesoi",
        bind="query-params",
        format="%.2f×",
        help="Effects closer to 1 than this ratio count as 'no effect' (equivalence).",
    )
    kept = st.multiselect(
        "File roles",
        roles.names(),
        default=[roles.PRODUCT],
        key="claim_roles",
        bind="query-params",
        help="Which files enter the panel, as `qroi analyze --roles`: product code by default; tests "
        "and docs have their own quality and their own 'fixes'.",
    )
    b1, b2 = st.columns([3, 5], vertical_alignment="bottom")
    precision = b2.segmented_control(
        "Intervals",
        list(PRECISION),
        default="standard",
        required=True,
        key="claim_precision",
        bind="query-params",
        format_func=lambda k: PRECISION[k][0],
        help="Quick: cluster-robust Wald intervals, in seconds. Standard: 199 "
        "cluster-bootstrap resamples. Thorough: 999 resamples, for a report.",
    )
    b1.form_submit_button("Test the claim", type="primary", icon=":material/science:")
if not qualities:
    components.nothing("Choose at least one quality metric.")
    st.stop()

try:
    with st.spinner("Fitting the models and bootstrapping the intervals…"):
        result = data.claim(
            f.scope.url,
            f.scope.stamp,
            f.scope.repos,
            tuple(qualities),
            outcome,
            window,
            float(sesoi),
            PRECISION[precision or "standard"][1],
            tuple(sorted(kept or [roles.PRODUCT])),
        )
except QroiError as exc:
    components.nothing(
        f"The claim test cannot run here: {exc}.", "A shorter window gives more complete windows."
    )
    st.stop()

out = claims.OUTCOMES[outcome]
labels = {f"{q} -> {out.column}": claims.QUALITY[q].label for q in qualities}
OUTCOME_AXES = {"bugfix_commits": "Bug-fix commits per file-window", "churn": "Lines changed per file-window"}
outcome_axis = OUTCOME_AXES.get(out.column, f"{out.label.capitalize()} per file-window")


def verdict_cards(report: object, repo: str | None = None) -> None:
    """One card per hypothesis: verdict, adjusted effect with CI, the sentence behind it."""
    hyps = report.hypotheses  # type: ignore[attr-defined]
    cols = st.columns(len(hyps))
    for col, h in zip(cols, hyps, strict=True):
        colour, icon, gloss = VERDICT_STYLE.get(h.verdict, ("#475569", ":material/block:", h.reason or ""))
        with col.container(border=True):
            st.markdown(
                f"**{labels.get(h.name, h.name).capitalize()}** → {out.label}"
                + (f" · {repo}" if repo else "")
            )
            st.markdown(
                f"<span style='color:{colour};font-size:1.35rem;font-weight:700'>{h.verdict}</span>",
                unsafe_allow_html=True,
            )
            st.caption(f"{icon} {gloss if h.ok else (h.reason or h.status)}")
            adj = h.adjusted
            if adj is not None:
                st.metric(
                    "Adjusted ratio per SD worse",
                    f"{adj.ratio:.2f}×",
                    border=False,
                    help=f"95% CI {adj.ci_low:.2f}–{adj.ci_high:.2f}; Holm p = {h.p_holm:.3f}; adjusted for "
                    f"{', '.join(adj.adjusted_for) or 'nothing'}.",
                )
                st.caption(
                    f"95% CI {adj.ci_low:.2f}–{adj.ci_high:.2f} · n = {h.n_rows:,} file-windows of {h.n_units:,} files"
                )
            st.caption(h.explanation or "")


several = len(f.scope.repos) > 1
if several:
    st.subheader("Pooled over the chosen repositories")
    cols = st.columns(len(result.pooled) or 1)
    for col, (name, pooled) in zip(cols, result.pooled.items(), strict=False):
        with col.container(border=True):
            st.markdown(f"**{labels.get(name, name).capitalize()}** → {out.label}")
            st.metric("Pooled ratio per SD worse", f"{pooled.ratio:.2f}×" if pooled.ratio else "—")
            st.caption(pooled.summary)
    tabs = st.tabs(list(result.repos))
else:
    tabs = [st.container()]

for tab, repo in zip(tabs, result.repos, strict=True):
    report = result.reports[repo]
    with tab:
        st.subheader("Verdicts" + (f" for {repo}" if several else ""))
        verdict_cards(report)
        effects = report.effects_frame()
        if effects.empty:
            components.nothing("No hypothesis could be estimated on these data.")
            continue
        components.plot(charts.forest(effects, labels, float(sesoi)), key=f"forest_{repo}")
        ok = [h for h in report.hypotheses if h.ok]
        pick = (
            st.selectbox(
                "Details for",
                [h.name for h in ok],
                format_func=lambda n: labels.get(n, n),
                key=f"claim_detail_{repo}",
            )
            if len(ok) > 1
            else (ok[0].name if ok else None)
        )
        if pick is None:
            continue
        h = report[pick]
        quality_label = labels.get(pick, pick)
        left, right = st.columns(2)
        with left:
            if len(h.bands):
                components.plot(
                    charts.bands(h.bands_frame(), quality_label, outcome_axis), key=f"bands_{repo}"
                )
        with right:
            panel = result.panel[result.panel["repo"] == repo]
            components.plot(
                charts.quality_scatter(
                    panel, h.spec.quality, h.spec.outcome, quality_label.capitalize(), outcome_axis
                ),
                key=f"scatter_{repo}",
            )
        if h.warnings:
            st.caption("Notes: " + "; ".join(h.warnings) + ".")

with st.expander("What was controlled, and why", expanded=True):
    st.markdown(
        f"""
- **Unit.** Each row is one Python file in one {WINDOWS[window]} window: its quality is measured at the
  window's *start* (on the mainline) and the outcome is counted *during* the window, so "bug fixes make code
  complex" cannot pass for "complex code attracts bug fixes".
- **Unadjusted** is the raw association. **Size-adjusted** compares files of equal size: big files have
  both more bugs and worse complexity and MI, so size alone can fake an effect. **Size + exposure** also
  holds constant how many commits touched the file in the window: a file nobody changes gets no bug fixes,
  whatever its quality. The verdict rests on this last, most adjusted effect.
- **Effects** are ratios of the outcome for one standard deviation *worse* quality: 1.30 means 30% more;
  1 means no difference. The bar is the 95% confidence interval: a cluster bootstrap over files, which repeat
  across windows (the quick preview uses cluster-robust Wald intervals instead).
- **Smallest effect of interest** ({float(sesoi):.2f}×): an interval wholly inside
  {1 / float(sesoi):.2f}–{float(sesoi):.2f} earns *No effect (equivalent)*. **Supported** needs a
  Holm-corrected p < 0.05 with ratio > 1; **Contradicted** the same with ratio < 1; anything else is
  **Inconclusive**, quoting the smallest effect these data could have detected.
- This is observational evidence from one history: it can show that quality and outcomes move together
  after these adjustments, not prove that improving quality would cause fewer bugs.
"""
    )

st.subheader("Take the evidence away")
d1, d2 = st.columns(2)
with d1:
    components.csv_download(
        result.panel, f"qroi-claim-panel-{window}.csv", "Download the panel (CSV)", key="panel_csv"
    )
    st.caption(f"{len(result.panel):,} file-window rows: quality, size, exposure and outcomes.")
with d2:
    st.download_button(
        "Download the report (JSON)",
        lambda: result.to_json().encode("utf-8"),
        file_name=f"qroi-claim-{window}.json",
        mime="application/json",
        icon=":material/download:",
        key="report_json",
        on_click="ignore",
    )
    st.caption("Every hypothesis with its effects, intervals, bands, verdict and method.")
