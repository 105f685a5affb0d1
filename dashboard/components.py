"""Reusable page pieces: headers, metric cards, empty states, charts and CSV downloads.

Pages compose these so that every page greets, explains an empty result and offers a download
the same way. Downloads use `qroi.read.export.csv_text`, the CLI's writer, so a cell that would run
as a spreadsheet formula is made inert in the dashboard exactly as in `qroi export`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from qroi.analysis import headline as headlines
from qroi.dashboard import charts
from qroi.dashboard.filters import Filters
from qroi.read import export, store_state
from qroi.read.store_state import StoreState

MISSING = "—"
"""How a table shows a missing value (a release not yet reverted, an unscored file): never "None"."""
CSS = """
<style>
[data-testid="stMetric"] { background: #f8fafc; }
[data-testid="stMetricLabel"] p { font-size: 0.85rem; color: #475569; }
[data-testid="stMetricValue"] { font-size: 1.65rem; }
/* Wrap a long card label, value or change instead of cutting it off ("Median lead …") at 1280 px. */
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] *,
[data-testid="stMetricValue"], [data-testid="stMetricValue"] *,
[data-testid="stMetricDelta"], [data-testid="stMetricDelta"] * {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
  word-break: normal !important; overflow-wrap: normal !important;
}
[data-testid="stMetricLabel"] { height: auto !important; min-height: 1.5rem; }
.block-container { padding-top: 2.2rem; }
</style>
"""


def style() -> None:
    """A few touches Streamlit's theme does not reach (card background, label colour)."""
    st.html(CSS)


def header(title: str, lead: str, filters: Filters | None = None, all_history: str | None = None) -> None:
    """Page title, one sentence on what the page answers, and the scope it shows.

    `all_history`, the reason a page reads the whole history whatever the sidebar's period: the
    caption then names the history instead of the period, and a notice says the period is not
    applied, so no figure seems to describe a period it does not.
    """
    st.title(title)
    st.markdown(lead)
    if filters is not None:
        repos = ", ".join(f"**{r}**" for r in filters.scope.repos)
        st.caption(f"{repos} · {filters.history_text if all_history else filters.period_text}")
        if all_history and not filters.full_period:
            st.info(
                f"This page uses all history, not the sidebar's period ({filters.period_text}): {all_history}.",
                icon=":material/history:",
            )


@dataclass(frozen=True)
class Card:
    """One headline figure (st.metric arguments)."""

    label: str
    value: str
    delta: str | None = None
    delta_color: Literal["normal", "inverse", "off"] = "normal"
    help: str | None = None
    chart: list[float] | None = None
    chart_type: Literal["line", "bar", "area"] = "line"
    arrow: bool = True


def is_zero(delta: str | None) -> bool:
    """Whether a formatted change is nothing ("+0.0", "-0.0 pp"): Streamlit would style it by its sign."""
    digits = re.sub(r"[^0-9]", "", delta.split(" ")[0]) if delta else ""
    return bool(digits) and set(digits) == {"0"}


def cards(items: list[Card], per_row: int | None = None) -> None:
    """A row of bordered metric cards (sparklines where a trend helps)."""
    per_row = per_row or len(items)
    for start in range(0, len(items), per_row):
        cols = st.columns(per_row)
        for col, card in zip(cols, items[start : start + per_row], strict=False):
            flat = is_zero(card.delta)
            col.metric(
                card.label,
                card.value,
                card.delta.lstrip("+-") if flat and card.delta else card.delta,
                delta_color="off" if flat else card.delta_color,
                help=card.help,
                border=True,
                chart_data=card.chart,
                chart_type=card.chart_type,
                delta_arrow="auto" if card.arrow and not flat else "off",
            )


def plot(fig: go.Figure, key: str, on_select: bool = False) -> object:
    """Draw a figure with the app's template (Streamlit's theme would override its colours)."""
    if on_select:
        return st.plotly_chart(
            fig, theme=None, key=key, config=charts.PLOTLY_CONFIG, on_select="rerun", selection_mode="points"
        )
    return st.plotly_chart(fig, theme=None, key=key, config=charts.PLOTLY_CONFIG)


def empty_store(state: StoreState) -> None:
    """What a user sees before anything is ingested: how to fill the store, not an error."""
    st.title("qroi: does code quality pay here?")
    if state.problem:
        st.error(f"The store cannot be read: {state.problem}", icon=":material/error:")
        st.markdown(
            "Point the dashboard at a qroi store with `--db` (or the `QROI_DB` environment variable)."
        )
        return
    st.info(
        f"The store `{state.shown}` has no repositories yet. Ingest one, then reload this page.",
        icon=":material/inbox:",
    )
    db = f" --db {db_arg(state.url)}"
    st.markdown("**1. Mine a repository** (a local path or a clone URL; a second run only adds new commits):")
    st.code(f"qroi ingest ~/src/some-repo{db}", language="bash")
    st.markdown("**2. Open the dashboard on that store:**")
    st.code(f"qroi dashboard{db}", language="bash")
    st.markdown("No repository at hand? Build the deterministic demo history and ingest it:")
    st.code(
        f"python -m qroi.sample_repos.build demo /tmp/demo/widget\nqroi ingest /tmp/demo/widget{db}",
        language="bash",
    )


def db_arg(url: str) -> str:
    """The store as a user would type it after --db."""
    return store_state.as_typed(url)


def nothing(message: str, hint: str | None = None) -> None:
    """An empty result explained: what is missing and what to change."""
    st.info(message + (f"  \n{hint}" if hint else ""), icon=":material/info:")


def csv_download(
    frame: pd.DataFrame,
    file_name: str,
    label: str = "Download CSV",
    key: str | None = None,
    primary: bool = False,
) -> None:
    """A CSV download with the CLI's inert-cell rule, written only when clicked (20,000 rows take a second)."""
    st.download_button(
        label,
        lambda: export.csv_text(frame).encode("utf-8"),
        file_name=file_name,
        mime="text/csv",
        icon=":material/download:",
        key=key,
        type="primary" if primary else "secondary",
        on_click="ignore",
    )


def fmt_int(value: int | float | None) -> str:
    """Counts as cards show them: 20,000."""
    return "—" if value is None or pd.isna(value) else f"{int(value):,}"


def fmt_share(value: float | None, digits: int = 1) -> str:
    """Shares as cards show them: 12.5%."""
    return "—" if value is None or pd.isna(value) else f"{value * 100:.{digits}f}%"


ANSWER_STYLE = {
    "yes": ("#15803d", ":material/check_circle:"),
    "opposite": ("#b91c1c", ":material/cancel:"),
    "no": ("#475569", ":material/drag_handle:"),
    "unclear": ("#b45309", ":material/help:"),
    "cannot": ("#475569", ":material/block:"),
}


def claim_answer(answer: headlines.Headline, several: bool = False) -> None:
    """The headline verdict in plain words, the clearest finding, and the statistics folded away."""
    colour, icon = ANSWER_STYLE[answer.answer]
    first, _, rest = answer.sentence.partition(":")
    with st.container(border=True):
        st.markdown(
            f"<span style='color:{colour};font-size:1.3rem;font-weight:700'>{first}</span>"
            f"<span style='font-size:1.05rem'>:{rest}</span>" + (f" · **{answer.repo}**" if several else ""),
            unsafe_allow_html=True,
        )
        clearest = answer.clearest
        if clearest is not None:
            st.markdown(f"{icon} The clearest sign: {clearest.plain}.")
        elif answer.problem:
            st.markdown(f"{icon} {answer.problem[:1].upper()}{answer.problem[1:]}.")
        st.caption(
            f"Product files only, bug fixes counted in {answer.window[:-1]}-month windows; computed "
            f"{answer.computed}. Open “Does quality pay?” to change the question."
        )
        with st.expander("How this was computed"):
            lines = [
                f"- **{f.label.capitalize()}**: {f.verdict}; ratio {f.ratio:.2f}× per SD worse "
                f"(95% CI {f.ci_low:.2f}–{f.ci_high:.2f}), Holm p = {f.p_holm:.3f}, "
                f"n = {f.n_rows:,} file-windows of {f.n_units:,} files. {f.explanation}"
                if f.ratio is not None
                and f.ci_low is not None
                and f.ci_high is not None
                and f.p_holm is not None
                else f"- **{f.label.capitalize()}**: {f.verdict}. {f.explanation}"
                for f in answer.findings
            ]
            st.markdown(
                "\n".join(lines)
                + f"\n\nModel: {answer.method}; each quality metric is one hypothesis of a Holm-corrected "
                "family, adjusted for file size and change frequency; ratios are per standard deviation worse."
            )
