"""Terminal rendering of claim-test results: verdict tables and the sentences behind them.

Every verdict is printed with its n, effect and interval, and the unadjusted / size-adjusted /
size+exposure-adjusted effects side by side, so a reader sees how much of a raw association was
only size or change frequency.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from qroi.analysis import BandComparison, Effect, HypothesisResult, PooledResult, Report
from qroi.analysis.claim import ClaimResult
from qroi.analysis.results import DoseBin

STYLE = {
    "Supported": "bold green",
    "Contradicted": "bold red",
    "No effect (equivalent)": "bold",
    "Inconclusive": "yellow",
}
"""Claim verdicts in the dashboard's colours: green when worse quality goes with worse delivery."""


def _ratio(ratio: float | None, low: float | None, high: float | None) -> str:
    if ratio is None:
        return "-"
    return f"{ratio:.2f} [{low:.2f}-{high:.2f}]"


def _effect(e: Effect) -> str:
    """A rung's 95% interval; with the bootstrap's failure share whenever any resample failed."""
    cell = _ratio(e.ratio, e.ci_low, e.ci_high)
    if not e.boot_failed or not e.boot_resamples:
        return cell
    fallback = "; Wald" if e.boot_se is None else ""
    return f"{cell} ({e.boot_failed} of {e.boot_resamples} resamples failed{fallback})"


def _verdict_interval(ratio: float | None, ci: tuple[float, float] | None, label: str | None) -> str:
    if ratio is None or ci is None:
        return "-"
    return f"{_ratio(ratio, *ci)} {label}"


def _verdict(verdict: str) -> str:
    return f"[{STYLE.get(verdict, 'dim')}]{verdict}[/]"


def render_report(report: Report, console: Console, title: str) -> None:
    """One row per hypothesis: n, the three adjustment levels, the verdict's interval, Holm p, verdict.

    The three levels carry 95% intervals; the verdict column's interval is the one the verdict
    rests on (Holm's level, or TOST's 90%), so a verdict never stands next to an interval that
    seems to say otherwise.
    """
    table = Table(title=title, title_justify="left", show_lines=False)
    columns = ("hypothesis", "n", "unadjusted", "+ size", "+ size + exposure", "verdict rests on", "Holm p")
    for col in (*columns, "verdict"):
        table.add_column(col, justify="left" if col in ("hypothesis", "verdict") else "right")
    for h in report.hypotheses:
        cells = [_effect(e) for e in h.effects]
        cells += ["-"] * (3 - len(cells))
        basis = _verdict_interval(h.adjusted.ratio if h.adjusted else None, h.verdict_ci, h.verdict_ci_label)
        p = f"{h.p_holm:.3g}" if h.p_holm is not None else "-"
        table.add_row(h.name, f"{h.n_rows:,}", *cells, basis, p, _verdict(h.verdict or h.status))
    console.print(table)
    console.print(
        "Effects are ratios per 1 SD of worse quality (>1: worse quality, more of the outcome), "
        "with 95% confidence intervals; the verdict uses the interval in its own column.",
        style="dim",
    )
    if any(h.spec.period for h in report.hypotheses if h.ok):
        console.print("The adjusted rungs include one fixed effect per calendar window.", style="dim")
    render_band_ladder(report, console)
    render_dose_response(report, console)
    for h in report.hypotheses:
        console.print(f"- {h.explanation}", markup=False)
        for warning in h.warnings:
            console.print(f"  note: {warning}", style="dim", markup=False)


def _band(b: BandComparison | None) -> str:
    return "-" if b is None else _ratio(b.ratio, b.ci_low, b.ci_high)


def render_band_ladder(report: Report, console: Console) -> None:
    """Worst vs best quality band at every rung, side by side (Code Red's comparison, then adjusted).

    Counts are rate ratios, times geometric-mean ratios; all rungs of a row are fitted on the
    same rows, so only the adjustment differs between its cells.
    """
    shown = [h for h in report.hypotheses if h.band_ladder]
    if not shown:
        return
    table = Table(title="worst vs best quality band", title_justify="left")
    for col in ("hypothesis", "bands", "ratio of", "unadjusted", "+ size", "+ size + exposure"):
        table.add_column(col, justify="left" if col in ("hypothesis", "bands", "ratio of") else "right")
    for h in shown:
        by_level = {b.level: b for b in h.band_ladder}
        cells = [_band(by_level.get(e.level)) for e in h.effects]
        cells += ["-"] * (3 - len(cells))
        first = h.band_ladder[0]
        kind = "geometric means" if h.spec.outcome_kind == "time" else "rates"
        table.add_row(h.name, f"{first.worst} vs {first.best}", kind, *cells)
    console.print(table)


def dose_line(h: HypothesisResult) -> str | None:
    """One line per hypothesis: the level per quality bin (worst to best), then the shape reading.

    Only the end bins carry their CI, to keep the line short; `--json` has every bin's interval.
    """
    d = h.dose_response
    if d is None:
        return None

    def with_ci(b: DoseBin) -> str:
        high = f"{b.ci_high:.3g}" if b.ci_high is not None else "no upper bound"
        return f"{b.outcome:.3g} [{b.ci_low:.3g}-{high}]"

    middle = " ".join(f"{b.outcome:.3g}" for b in d.bins[1:-1])
    curve = f"worst {with_ci(d.bins[0])} {middle} best {with_ci(d.bins[-1])}"
    s = d.shape
    test = f"bend z={s.statistic:.2f}, p={s.p_value:.3g}: {s.reading}" if s.p_value is not None else s.reading
    return f"{h.name}, {d.scheme}, {d.measure}: {curve}; {test}"


def render_dose_response(report: Report, console: Console) -> None:
    """The shape of each relation: does the return keep growing toward the healthiest code?"""
    lines = [line for h in report.hypotheses if (line := dose_line(h))]
    if not lines:
        return
    console.print(
        "Dose-response (outcome by quality bin, worst to best, 95% CI; bend at the median quality):"
    )
    for line in lines:
        console.print(f"  {line}", markup=False)


def render_pooled(pooled: dict[str, PooledResult], console: Console) -> None:
    """One row per pooled hypothesis with its own Holm-corrected verdict, then the sentences."""
    table = Table(title="pooled across repositories (random effects)", title_justify="left")
    for col in ("hypothesis", "repos", "pooled ratio (95%)", "verdict rests on", "Holm p", "I^2", "tau^2"):
        table.add_column(col, justify="left" if col == "hypothesis" else "right")
    table.add_column("verdict", justify="left")
    for name, p in pooled.items():
        if not p.ok:
            table.add_row(name, str(p.k), "-", "-", "-", "-", "-", _verdict(p.status))
            continue
        table.add_row(
            name,
            str(p.k),
            _ratio(p.ratio, p.ci_low, p.ci_high),
            _verdict_interval(p.ratio, p.verdict_ci, p.verdict_ci_label),
            f"{p.p_holm:.3g}",
            f"{p.i2:.0%}",
            f"{p.tau2:.3g}",
            _verdict(p.verdict or p.status),
        )
    console.print(table)
    for p in pooled.values():
        console.print(f"- {p.summary}", markup=False)
        for warning in p.warnings:
            console.print(f"  note: {warning}", style="dim", markup=False)


def render_claim(result: ClaimResult, console: Console) -> None:
    for repo, report in result.reports.items():
        render_report(report, console, f"{repo}: does quality pay? (file x {result.window} windows)")
    if result.pooled:
        render_pooled(result.pooled, console)
    console.print(
        "\nWeaker evidence: repository-level quality vs monthly value (one series per repository; "
        "trend-adjusted, AR(1) errors)",
        style="bold",
    )
    for trend in result.trends:
        if trend["status"] != "ok":
            console.print(f"- {trend['label']}: {trend['status']} ({trend['reason']})", markup=False)
            continue
        console.print(
            f"- {trend['label']}: {trend['effect']:+.3g} per SD lower MI at the month's start "
            f"[{trend['ci_low']:+.3g} to {trend['ci_high']:+.3g}], p={trend['p_value']:.3g}, "
            f"n={trend['n_obs']} months",
            markup=False,
        )
