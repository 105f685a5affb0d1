"""Does quality work pay back? A staggered difference-in-differences on the file x window panel.

"Good files differ from bad files" is not "improving a file pays". This module asks the second
question: after a file received a quality investment (`qroi.read.investments`), did its bug-fix
rate, cycle time and churn fall relative to comparable files that were left alone?

Design (a stacked difference-in-differences, Cengiz et al. 2019, which stays unbiased when
investments are staggered and effects vary by cohort, unlike one two-way fixed-effects fit):

1. A file's *cohort* is the window of its first investment (g). For each cohort, a stack holds
   its invested files and matched controls over the windows g - pre .. g + post; the investment
   window itself (event time 0, which holds the investment commit) is left out.
2. Controls are clean: never invested up to g + post. Each invested file gets `controls` nearest
   neighbours (with replacement) on standardised log size and complexity density at g, and on
   the churn and bug fixes of the pre windows, after exact matching on the bug fixes of the
   window just before (0, 1, 2, 3+). That last match is what keeps regression to the mean out:
   a file refactored right after a burst of bugs is compared with files that had a burst too.
3. Model per outcome, with file (within stack) and window (within stack) fixed effects: Poisson
   (quasi-likelihood) for counts, OLS on log days for cycle time; standard errors clustered by
   file. The coefficient of invested x after is the log ratio: after/before for invested files
   over after/before for their controls.
4. Event-time estimates (invested x each event time, reference e = -1) show the pre-trend; a
   joint Wald test of the pre estimates = 0 is the parallel-trends check, and a failed check
   turns a Supported or Contradicted verdict into Inconclusive.
5. Verdicts as in the claim test (`qroi.analysis.decision`), Holm over the outcomes, oriented so
   that Supported means the outcome improved (ratio below 1) and Contradicted that it worsened.

Assumptions: parallel trends (without the investment, invested and matched files would have
moved alike), no anticipation beyond the pre windows, and no spill-over to control files.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from qroi.analysis.decision import decide, holm
from qroi.analysis.panel import build_panel
from qroi.core import roles
from qroi.core.calendar import window_months
from qroi.core.errors import QroiError
from qroi.read import investments
from qroi.read.investments import DEFAULT_MIN_GAIN

HOURS_PER_DAY = 8
OUTCOMES = (
    ("bugfix_commits", "bug-fix rate", "count"),
    ("cycle_time", "cycle time", "time"),
    ("churn", "churn", "count"),
)
MIN_INVESTED = 5
"""Fewer invested files with usable rows than this and an outcome is not estimated."""


@dataclass(frozen=True)
class DesignOptions:
    """The event window (in panel windows), matching, and verdict settings."""

    pre: int = 3
    post: int = 4
    controls: int = 3
    sesoi: float = 1.1
    alpha: float = 0.05


@dataclass(frozen=True)
class EventTime:
    event: int
    ratio: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True)
class PaybackOutcome:
    """One outcome's answer: ratio (invested vs matched, after vs before) with CI and verdict."""

    outcome: str
    label: str
    kind: str
    verdict: str
    ratio: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    p_value: float | None = None
    p_holm: float | None = None
    model: str = ""
    n_rows: int = 0
    n_invested: int = 0
    n_controls: int = 0
    pretrend_p: float | None = None
    event_times: tuple[EventTime, ...] = ()
    naive_ratio: float | None = None
    naive_ci: tuple[float, float] | None = None
    reason: str | None = None


@dataclass(frozen=True)
class _Fit:
    log_ratio: float
    se: float
    p_value: float
    model: str
    pretrend_p: float | None = None
    event_times: tuple[EventTime, ...] = ()


def _features(panel: pd.DataFrame, g: int, pre: int) -> pd.DataFrame:
    """Per lineage, what it is matched on at cohort g."""
    at = panel[panel["window"] == g].set_index("lineage")
    before = panel[(panel["window"] >= g - pre) & (panel["window"] < g)].groupby("lineage")
    last = panel[panel["window"] == g - 1].set_index("lineage")["bugfix_commits"]
    out = pd.DataFrame(
        {
            "log_size": np.log1p(at["sloc"]),
            "density": at["cc_density"].fillna(0),
            "pre_churn": np.log1p(before["churn"].sum()),
            "pre_fixes": np.log1p(before["bugfix_commits"].sum()),
        }
    )
    out["last_fixes"] = last.reindex(out.index).fillna(0).clip(upper=3)
    return out.dropna()


def stack(panel: pd.DataFrame, first: dict[str, int], opts: DesignOptions) -> pd.DataFrame:
    """The stacked panel: invested files and matched clean controls per cohort, with `stack`,
    `invested`, `event` (window - cohort) and `after` columns; event time 0 left out."""
    present = panel.groupby("lineage")["window"].agg(set)
    parts = []
    for g in sorted(set(first.values())):

        def usable(lineage: str, g: int = g) -> bool:
            windows = present.get(lineage, set())
            return g - 1 in windows and g + 1 in windows

        invested = [lin for lin, c in first.items() if c == g and usable(lin)]
        candidates = [
            lin for lin in present.index if first.get(lin, math.inf) > g + opts.post and usable(lin)
        ]
        feats = _features(panel, g, opts.pre)
        invested = [lin for lin in invested if lin in feats.index]
        candidates = [lin for lin in candidates if lin in feats.index]
        if not invested or not candidates:
            continue
        chosen = _match(feats, invested, candidates, opts.controls)
        rows = panel[
            panel["lineage"].isin([*invested, *chosen])
            & panel["window"].between(g - opts.pre, g + opts.post)
            & (panel["window"] != g)
        ]
        parts.append(
            rows.assign(
                stack=g,
                invested=rows["lineage"].isin(invested),
                event=rows["window"] - g,
            )
        )
    if not parts:
        return pd.DataFrame()
    out = pd.concat(parts, ignore_index=True)
    out["after"] = out["event"] > 0
    return out


def _match(feats: pd.DataFrame, invested: list[str], candidates: list[str], k: int) -> set[str]:
    """The k nearest candidates of each invested file, within its bucket of last-window fixes."""
    cols = ["log_size", "density", "pre_churn", "pre_fixes"]
    scale = feats.loc[[*invested, *candidates], cols].std(ddof=0).replace(0, 1)
    z = feats[cols] / scale
    chosen: set[str] = set()
    for lin in invested:
        same = [c for c in candidates if feats.at[c, "last_fixes"] == feats.at[lin, "last_fixes"]]
        pool = same if len(same) >= k else candidates
        distance = ((z.loc[pool] - z.loc[lin]) ** 2).sum(axis=1)
        chosen.update(distance.nsmallest(k).index)
    return chosen


def _unit(data: pd.DataFrame) -> pd.Series:
    """A file within its stack: the unit of the fixed effects."""
    return data["stack"].astype(str) + "|" + data["lineage"]


def _design(data: pd.DataFrame, treat: list[np.ndarray], times: bool = True) -> np.ndarray:
    """Treatment columns, then window-in-stack dummies (one per stack dropped: the file fixed
    effects, absorbed in `_fit`, already span each stack's level)."""
    if not times:
        return np.column_stack(treat)
    labels = data["stack"].astype(str) + ":" + data["window"].astype(str)
    firsts = data.groupby("stack")["window"].transform("min")
    T = pd.get_dummies(labels[data["window"] != firsts]).reindex(data.index, fill_value=False)
    return np.column_stack([*treat, T.to_numpy(float)])


@dataclass(frozen=True)
class _Estimates:
    params: np.ndarray
    cov: np.ndarray

    @property
    def bse(self) -> np.ndarray:
        with np.errstate(invalid="ignore"):  # a negative variance (singular design) gives NaN
            return np.sqrt(np.diag(self.cov))


def _cluster_cov(bread: np.ndarray, scores: np.ndarray, clusters: np.ndarray) -> np.ndarray:
    """Sandwich A^-1 B A^-1 with scores summed per cluster and the G / (G - 1) correction."""
    summed = np.zeros((clusters.max() + 1, scores.shape[1]))
    np.add.at(summed, clusters, scores)
    g = summed.shape[0]
    inverse = np.linalg.pinv(bread)
    return inverse @ (summed.T @ summed) @ inverse * g / max(g - 1, 1)


def _poisson_fe(y: np.ndarray, X: np.ndarray, units: np.ndarray, clusters: np.ndarray) -> _Estimates:
    """Poisson quasi-likelihood with unit fixed effects concentrated out (the conditional
    multinomial form, Hausman, Hall & Griliches 1984), Newton steps, Wooldridge's (1999)
    cluster-robust variance: consistent under any overdispersion."""
    n_units = units.max() + 1
    total = np.bincount(units, weights=y, minlength=n_units)
    b = np.zeros(X.shape[1])

    def shares(b: np.ndarray) -> np.ndarray:
        """Each row's share of its unit's expected count (softmax within the unit)."""
        eta = X @ b
        top = np.full(n_units, -np.inf)
        np.maximum.at(top, units, eta)
        e = np.exp(eta - top[units])
        return e / np.bincount(units, weights=e, minlength=n_units)[units]

    for _ in range(100):
        p = shares(b)
        mu = total[units] * p
        grad = X.T @ (y - mu)
        m = np.zeros((n_units, X.shape[1]))
        np.add.at(m, units, X * p[:, None])
        hessian = (X * mu[:, None]).T @ X - (m * total[:, None]).T @ m
        step = np.linalg.pinv(hessian) @ grad
        if not np.all(np.isfinite(step)):
            raise ValueError("the Poisson fit did not converge")
        largest = float(np.max(np.abs(step))) if step.size else 0.0
        b = b + step * min(1.0, 1.0 / largest) if largest else b  # damped: at most 1 log unit a step
        if largest < 1e-9:
            break
    else:
        raise ValueError("the Poisson fit did not converge in 100 steps")
    p = shares(b)
    mu = total[units] * p
    m = np.zeros((n_units, X.shape[1]))
    np.add.at(m, units, X * p[:, None])
    hessian = (X * mu[:, None]).T @ X - (m * total[:, None]).T @ m
    scores = (X - m[units]) * (y - mu)[:, None]
    return _Estimates(b, _cluster_cov(hessian, scores, clusters))


def _ols_fe(y: np.ndarray, X: np.ndarray, units: np.ndarray, clusters: np.ndarray) -> _Estimates:
    """OLS with unit fixed effects by the within transformation, cluster-robust variance."""
    counts = np.bincount(units)
    ydm = y - (np.bincount(units, weights=y) / counts)[units]
    means = np.zeros((counts.size, X.shape[1]))
    np.add.at(means, units, X)
    Xdm = X - (means / counts[:, None])[units]
    b = np.linalg.lstsq(Xdm, ydm, rcond=None)[0]
    resid = ydm - Xdm @ b
    return _Estimates(b, _cluster_cov(Xdm.T @ Xdm, Xdm * resid[:, None], clusters))


def _fit(kind: str, y: np.ndarray, X: np.ndarray, data: pd.DataFrame) -> _Estimates:
    units = pd.factorize(_unit(data))[0]
    clusters = pd.factorize(data["lineage"])[0]
    return (_poisson_fe if kind == "count" else _ols_fe)(y, X, units, clusters)


def _rows(stacked: pd.DataFrame, outcome: str, kind: str) -> tuple[pd.DataFrame, np.ndarray]:
    """Usable rows and the response: log days for time; counts without all-zero files or windows
    (their fixed effect is at minus infinity and they carry no information about the ratio)."""
    data = stacked.dropna(subset=[outcome])
    if kind == "time":
        data = data[data[outcome] > 0]
        return data.reset_index(drop=True), np.log(data[outcome].to_numpy(float))
    while True:  # zero-total files and windows have estimates at minus infinity: drop them
        cell = data["stack"].astype(str) + ":" + data["window"].astype(str)
        keep = (data[outcome].groupby(_unit(data)).transform("sum") > 0) & (
            data[outcome].groupby(cell).transform("sum") > 0
        )
        if keep.all():
            break
        data = data[keep]
    data = data.reset_index(drop=True)
    return data, data[outcome].to_numpy(float)


Z95 = 1.959963984540054


def did(stacked: pd.DataFrame, outcome: str, kind: str, opts: DesignOptions) -> _Fit:
    """The difference-in-differences ratio and the event-time estimates for one outcome."""
    data, y = _rows(stacked, outcome, kind)
    treated = data["invested"].to_numpy(bool)
    if data.empty or treated.sum() == 0 or (~treated).sum() == 0:
        raise ValueError("no usable rows for invested or control files")
    after = data["after"].to_numpy(bool)
    res = _fit(kind, y, _design(data, [(treated & after).astype(float)]), data)
    b, se = float(res.params[0]), float(res.bse[0])
    if not (math.isfinite(b) and math.isfinite(se) and se > 0):
        raise ValueError("the model gave no finite estimate (too few informative rows)")
    p = float(2 * stats.norm.sf(abs(b) / se))
    events = [e for e in range(-opts.pre, opts.post + 1) if e not in (0, -1)]
    cols = [(treated & (data["event"].to_numpy() == e)).astype(float) for e in events]
    # An event time whose invested rows have no count at all cannot be estimated (minus infinity).
    keep = [i for i, c in enumerate(cols) if c.any() and (kind == "time" or y[c > 0].sum() > 0)]
    ev = _fit(kind, y, _design(data, [cols[i] for i in keep]), data)
    times = tuple(
        EventTime(
            events[i],
            float(np.exp(ev.params[j])),
            float(np.exp(ev.params[j] - Z95 * ev.bse[j])),
            float(np.exp(ev.params[j] + Z95 * ev.bse[j])),
        )
        for j, i in enumerate(keep)
    )
    pre = [j for j, i in enumerate(keep) if events[i] < -1]
    pretrend = None
    if pre:
        theta = ev.params[pre]
        wald = float(theta @ np.linalg.pinv(ev.cov[np.ix_(pre, pre)]) @ theta)
        pretrend = float(stats.chi2.sf(wald, len(pre)))
    model = (
        "Poisson quasi-likelihood" if kind == "count" else "OLS on log days"
    ) + " with file and window fixed effects per stack, errors clustered by file"
    return _Fit(b, se, p, model, pretrend, times)


def naive(stacked: pd.DataFrame, outcome: str, kind: str) -> tuple[float, float, float] | None:
    """Invested files only, after vs before with file fixed effects: the comparison without
    controls that regression to the mean fools. (ratio, low, high) or None."""
    data, y = _rows(stacked[stacked["invested"]], outcome, kind)
    if data.empty or data["after"].all() or not data["after"].any():
        return None
    res = _fit(kind, y, _design(data, [data["after"].to_numpy(float)], times=False), data)
    b, se = float(res.params[0]), float(res.bse[0])
    return math.exp(b), math.exp(b - Z95 * se), math.exp(b + Z95 * se)


def estimate_payback(panel: pd.DataFrame, first: dict[str, int], opts: DesignOptions) -> list[PaybackOutcome]:
    """Every outcome's ratio, CI and verdict (Holm across the outcomes estimated).

    `panel` is a file x window panel (`qroi.analysis.panel`: lineage, window, sloc, cc_density,
    churn, bugfix_commits, cycle_time); `first` maps an invested lineage to its cohort window.
    """
    stacked = stack(panel, first, opts)
    fits: dict[str, _Fit | str] = {}
    for outcome, _label, kind in OUTCOMES:
        if stacked.empty or outcome not in stacked:
            fits[outcome] = "no invested file has matched controls in the event window"
            continue
        n_inv = stacked.loc[stacked["invested"] & stacked[outcome].notna(), "lineage"].nunique()
        if n_inv < MIN_INVESTED:
            fits[outcome] = f"only {n_inv} invested files have usable rows (need at least {MIN_INVESTED})"
            continue
        try:
            fits[outcome] = did(stacked, outcome, kind, opts)
        except (ValueError, np.linalg.LinAlgError) as exc:  # said as the outcome's reason
            fits[outcome] = str(exc)
    ok = [o for o, f in fits.items() if isinstance(f, _Fit)]
    adjusted = dict(zip(ok, holm([fits[o].p_value for o in ok]), strict=True))  # type: ignore[union-attr]
    out = []
    for outcome, label, kind in OUTCOMES:
        fit = fits[outcome]
        if not isinstance(fit, _Fit):
            out.append(PaybackOutcome(outcome, label, kind, "Too little data", reason=fit))
            continue
        d = decide(
            -fit.log_ratio,
            fit.se,
            float(adjusted[outcome]),
            sesoi=opts.sesoi,
            alpha=opts.alpha,
            p_value=fit.p_value,
        )
        verdict, reason = str(d.verdict), None
        if (
            fit.pretrend_p is not None
            and fit.pretrend_p < opts.alpha
            and verdict in ("Supported", "Contradicted")
        ):
            verdict = "Inconclusive"
            reason = f"pre-trends differ (joint test p = {fit.pretrend_p:.3f}): parallel trends fail"
        half = Z95 * fit.se
        rows = stacked.dropna(subset=[outcome])
        nv = naive(stacked, outcome, kind)
        out.append(
            PaybackOutcome(
                outcome,
                label,
                kind,
                verdict,
                ratio=math.exp(fit.log_ratio),
                ci_low=math.exp(fit.log_ratio - half),
                ci_high=math.exp(fit.log_ratio + half),
                p_value=fit.p_value,
                p_holm=float(adjusted[outcome]),
                model=fit.model,
                n_rows=len(rows),
                n_invested=int(rows.loc[rows["invested"], "lineage"].nunique()),
                n_controls=int(rows.loc[~rows["invested"], "lineage"].nunique()),
                pretrend_p=fit.pretrend_p,
                event_times=fit.event_times,
                naive_ratio=nv[0] if nv else None,
                naive_ci=(nv[1], nv[2]) if nv else None,
                reason=reason,
            )
        )
    return out


@dataclass(frozen=True)
class PaybackResult:
    """The whole answer for one repository."""

    repo: str
    window: str
    months_after: int
    cost: dict[str, int]
    cohorts: int
    outcomes: tuple[PaybackOutcome, ...]
    observed_fixes_after: int = 0
    hourly_cost: float | None = None
    caveats: tuple[str, ...] = field(default_factory=tuple)

    def outcome(self, name: str) -> PaybackOutcome:
        return next(o for o in self.outcomes if o.outcome == name)

    def sentence(self) -> str:
        """The payback sentence, on the bug-fix rate."""
        c, o = self.cost, self.outcome("bugfix_commits")
        spent = (
            f"the {c['commits']:,} quality investments ({c['files']:,} files), {c['changed_lines']:,} changed lines"
            f" over {c['author_days']:,} author-days,"
        )
        if o.ratio is None:
            return f"{spent} could not be judged: {o.reason}"
        return (
            f"{spent} were followed by {o.ratio:.2f}x [{o.ci_low:.2f}-{o.ci_high:.2f}] the bug-fix rate of"
            f" matched files over {self.months_after} months ({o.verdict})"
        )

    def break_even(self) -> dict[str, Any] | None:
        """Avoided bug fixes, and the cost per avoided fix at which the investment breaks even.

        Avoided fixes = observed fixes after x (1 / ratio - 1): what the invested files would
        have had without the investment, minus what they had. Needs `hourly_cost`; the cost is
        author-days x 8 hours x the hourly cost. A break-even is given only when the payback is
        shown: the whole interval of the ratio below 1. A ratio of 1 or more, or an interval
        that includes 1, has no break-even (`break_even_cost_per_fix` None), and `statement`
        says why in plain words: the one wording the CLI and the JSON share.
        """
        o = self.outcome("bugfix_commits")
        if self.hourly_cost is None or o.ratio is None:
            return None
        spent = self.cost["author_days"] * HOURS_PER_DAY * self.hourly_cost
        seen = self.observed_fixes_after

        def avoided(ratio: float) -> float:
            return seen * (1 / ratio - 1)

        best = avoided(o.ratio)
        low, high = o.ci_low or o.ratio, o.ci_high or o.ratio
        shown = f"{o.ratio:.2f}x [{low:.2f}-{high:.2f}]"
        paid = high < 1 and best > 0
        if paid:
            statement = f"they pay back if a bug fix costs more than {spent / best:,.0f}."
        elif o.ratio >= 1:
            statement = (
                f"they did not pay back on bug fixes: the invested files had {shown} the bug-fix rate of"
                " matched files, no fewer fixes, so there is no break-even."
            )
        else:
            statement = (
                f"there is no evidence they paid back on bug fixes: the ratio {shown} includes 1 (no"
                " effect), so the avoided fixes may be none and no break-even can be claimed."
            )
        return {
            "cost": spent,
            "avoided_fixes": best,
            "avoided_fixes_ci": [avoided(high), avoided(low)],
            "paid_back": paid,
            "break_even_cost_per_fix": spent / best if paid else None,
            "statement": statement,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "repo": self.repo,
            "window": self.window,
            "months_after": self.months_after,
            "cost": self.cost,
            "cohorts": self.cohorts,
            "sentence": self.sentence(),
            "break_even": self.break_even(),
            "caveats": list(self.caveats),
            "outcomes": [dataclasses.asdict(o) for o in self.outcomes],
        }

    def to_json(self) -> str:
        def clean(value: Any) -> Any:
            if isinstance(value, float) and not math.isfinite(value):
                return None
            if isinstance(value, dict):
                return {k: clean(v) for k, v in value.items()}
            if isinstance(value, list | tuple):
                return [clean(v) for v in value]
            return value

        return json.dumps(clean(self.to_dict()), indent=2)


def fixes_after(panel: pd.DataFrame, first: dict[str, int], post: int) -> int:
    """Bug fixes of the invested files in their after windows (for the break-even)."""
    cohort = panel["lineage"].map(first)
    after = (panel["window"] > cohort) & (panel["window"] <= cohort + post)
    return int(panel.loc[after, "bugfix_commits"].sum())


def invested_cohorts(panel: pd.DataFrame, found: pd.DataFrame) -> tuple[dict[str, int], pd.DataFrame]:
    """(lineage -> window of its first investment, the investment rows that map to a panel file).

    An investment maps to the lineage its path has at the start of the window it was authored in;
    one on a file that did not exist then (added in that window) has no panel row and is left out.
    """
    if panel.empty or found.empty:
        return {}, found.iloc[0:0]
    starts = panel.drop_duplicates("window").sort_values("window")
    epoch = pd.Timestamp(0, tz="UTC")
    starts_ts = (pd.to_datetime(starts["window_start"], utc=True) - epoch) // pd.Timedelta(seconds=1)
    index = np.searchsorted(starts_ts.to_numpy(), found["authored_ts"].to_numpy(), side="right") - 1
    found = found.assign(window=starts["window"].to_numpy()[np.clip(index, 0, None)])
    found = found[index >= 0]
    keys = panel.set_index(["path", "window"])["lineage"]
    found = found.assign(
        lineage=[keys.get((p, w)) for p, w in zip(found["path"], found["window"], strict=True)]
    )
    found = found.dropna(subset=["lineage"])
    return found.groupby("lineage")["window"].min().astype(int).to_dict(), found


def payback_test(
    engine: Any,
    repo: str,
    *,
    window: str = "3M",
    opts: DesignOptions | None = None,
    min_gain: float = DEFAULT_MIN_GAIN,
    kept: Collection[str] | None = None,
    hourly_cost: float | None = None,
    globs: roles.Overrides | None = None,
) -> PaybackResult:
    """Build the panel and the investments of a stored repository and run the design (roles as
    `qroi.read.file_roles` resolves them, with the command's `--include`/`--exclude` as `globs`)."""
    opts = opts or DesignOptions()
    panel = build_panel(engine, repo, window, globs)
    if panel.empty:
        raise QroiError(f"{repo} has no complete {window} window to analyse")
    panel = panel[panel["role"].isin(kept or {"product"})].reset_index(drop=True)
    first, used = invested_cohorts(panel, investments.investments(engine, repo, min_gain))
    caveats = []
    if not first:
        caveats.append("no quality investment found on a file of the analysed roles")
    return PaybackResult(
        repo=repo,
        window=window,
        months_after=opts.post * window_months(window),
        cost=investments.cost(used),
        cohorts=len(set(first.values())),
        outcomes=tuple(estimate_payback(panel, first, opts)),
        observed_fixes_after=fixes_after(panel, first, opts.post),
        hourly_cost=hourly_cost,
        caveats=tuple(caveats),
    )
