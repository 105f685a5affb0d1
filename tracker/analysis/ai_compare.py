"""Declared-AI commits vs the others: the same outcome compared between the two groups, honestly.

GitClear's numbers (copy/paste overtaking moved code, two-week churn doubling) are industry
aggregates with no controls. This module asks the same questions of one repository's commits
with the claim test's honesty: effects with confidence intervals, adjusted for what differs
between the groups anyway, judged by the same verdict rules (`qroi.analysis.decision`).

Commit-level comparisons (one row per non-merge commit; plain DataFrames, no store access):

- counts (copy/pasted lines, moved lines, lines churned within 14 days): negative binomial
  (Poisson with robust errors when NB fails, as in the claim test) of the count on the
  declared-AI indicator; the effect is a rate ratio, AI vs other.
- binary (bug-inducing by SZZ): Poisson regression with robust errors, the "modified Poisson"
  of Zou (2004): its exp(coefficient) is a risk ratio, easier to read than an odds ratio and
  consistent whatever the dispersion.
- continuous (change in quality of the touched files): OLS with HC3 errors on the outcome in
  SD units; reported as a difference in the outcome's units and in SDs.

Each is shown unadjusted, adjusted for commit size, and adjusted for size, files touched (log)
and author experience (log(1 + prior commits)), so readers watch a raw difference shrink when AI
commits are simply bigger or written by newcomers. Size is the commit's line operations
(qroi.ai.lineops); for an outcome that is itself part of them (copy/pasted, moved and churned
lines) it is the *rest* of the commit, log(1 + operations - outcome): adjusting for a size that
contains the outcome would explain the outcome by itself. Errors are
clustered by author when there are enough authors for that to be trustworthy. Each outcome has a
direction of concern (more copy/paste, fewer moved lines, more churn, more bugs, lower quality);
"Supported" means declared-AI commits differ in that direction, with the Holm-corrected p-value
of the family below alpha; "No effect (equivalent)" needs the interval inside the equivalence
region; everything else is "Inconclusive", with the smallest effect the data could detect.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
import statsmodels.api as sm

from qroi.analysis.decision import POWER, decide, fmt_p, fmt_ratio, holm
from qroi.analysis.models import NotEstimable, fit_count
from qroi.analysis.prepare import NOT_ESTIMABLE, TOO_LITTLE_DATA, varies
from qroi.analysis.results import to_jsonable
from qroi.read.ai_frames import DECLARED_ONLY

OutcomeKind = Literal["count", "binary", "continuous"]

MIN_ROWS = 30
"""Fewer usable commits than this and nothing is fitted (as in the claim test)."""

MIN_GROUP = 10
"""Each group (declared-AI, other) needs this many commits."""

MIN_EVENTS = 10
"""Counts need this many commits with a non-zero outcome; binary outcomes this many events."""

MIN_CLUSTERS = 20
"""Cluster-robust errors by author need at least this many authors; fewer, and errors stay per commit."""


OBSERVATIONAL = (
    "Observational: teams choose when to use an assistant (boilerplate, tests, unfamiliar code), and "
    "the kind of task is not adjusted for, so differences are associations, not effects of the tool."
)
CHURN_CAVEAT = (
    "Churn needs {window} of history after a commit; commits younger than that are left out of churn."
)
CAVEATS = (DECLARED_ONLY, OBSERVATIONAL, CHURN_CAVEAT.format(window="14 days"))


@dataclass(frozen=True)
class OutcomeSpec:
    """One outcome column: its kind, how to name it, which direction is the concern, and whether
    it is counted inside the size column (then size is adjusted for as log(1 + size - outcome))."""

    column: str
    kind: OutcomeKind
    label: str
    more_is_worse: bool = True
    unit: str = ""
    part_of_size: bool = False

    def __post_init__(self) -> None:
        if self.kind not in ("count", "binary", "continuous"):
            raise ValueError(f"kind must be 'count', 'binary' or 'continuous', not {self.kind!r}")


DEFAULT_OUTCOMES = (
    OutcomeSpec("copy_pasted", "count", "copy/pasted lines", part_of_size=True),
    OutcomeSpec("moved", "count", "moved lines", more_is_worse=False, part_of_size=True),
    OutcomeSpec("churned", "count", "lines churned within 14 days", part_of_size=True),
    OutcomeSpec("bug_inducing", "binary", "chance of inducing a bug (SZZ)"),
    OutcomeSpec(
        "quality_delta",
        "continuous",
        "change in maintainability of the touched files",
        more_is_worse=False,
        unit="MI points",
    ),
)


@dataclass(frozen=True)
class CompareSpec:
    """Column names and settings of a comparison (defaults: the columns the integration exports).

    - flag: 1/True for declared-AI commits; exclude: rows to leave out of both groups (bots).
    - size (line operations, > 0), files (files touched, > 0), experience (prior commits, >= 0).
    - cluster: author column for clustered errors (used with at least MIN_CLUSTERS authors).
    - sesoi: equivalence region [1/sesoi, sesoi] for ratios; sesoi_sd: +-sesoi_sd SD for differences.
    """

    flag: str = "ai"
    size: str = "operations"
    files: str = "files"
    experience: str = "author_experience"
    cluster: str | None = "author"
    exclude: str | None = "automated"
    sesoi: float = 1.1
    sesoi_sd: float = 0.1
    alpha: float = 0.05

    def __post_init__(self) -> None:
        if not (self.sesoi > 1 and math.isfinite(self.sesoi)):
            raise ValueError(f"sesoi must be a ratio above 1 (e.g. 1.1), not {self.sesoi!r}")
        if not (self.sesoi_sd > 0 and math.isfinite(self.sesoi_sd)):
            raise ValueError(f"sesoi_sd must be a positive number of SDs, not {self.sesoi_sd!r}")
        if not 0 < self.alpha < 0.5:
            raise ValueError(f"alpha must be between 0 and 0.5, not {self.alpha!r}")


LEVELS = (("unadjusted", ()), ("size", ("size",)), ("size+files+experience", ("size", "files", "experience")))
_LABELS = {"size": "commit size", "files": "files touched", "experience": "author experience"}


@dataclass(frozen=True)
class GroupEffect:
    """Declared-AI vs other at one adjustment level.

    `estimate` is a ratio (count, binary) or a difference in the outcome's units (continuous);
    `log_scale` and `se` are on the scale tests are run on: log ratio, or difference in SDs.
    """

    level: str
    adjusted_for: tuple[str, ...]
    estimate: float
    ci_low: float
    ci_high: float
    p_value: float
    log_scale: float
    se: float
    model: str
    note: str | None = None


@dataclass(frozen=True)
class Comparison:
    """One outcome compared between declared-AI and other commits, with its verdict."""

    outcome: str
    label: str
    kind: str
    more_is_worse: bool
    status: str
    reason: str | None
    n_commits: int
    n_flagged: int
    n_clusters: int
    clustered: bool
    flagged_mean: float | None = None
    other_mean: float | None = None
    effects: tuple[GroupEffect, ...] = ()
    p_holm: float | None = None
    tost_p: float | None = None
    mde: float | None = None
    verdict: str | None = None
    explanation: str | None = None
    warnings: tuple[str, ...] = ()
    unit: str = ""

    @property
    def ok(self) -> bool:
        """True when the comparison was estimated (not refused)."""
        return self.status == "ok"

    @property
    def adjusted(self) -> GroupEffect | None:
        """The most adjusted effect: the one the verdict rests on."""
        return self.effects[-1] if self.effects else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (NaN -> None)."""
        return to_jsonable(self)

    def summary_row(self) -> dict[str, Any]:
        """One flat row for a verdict table or a CSV export."""
        adj = self.adjusted
        return {
            "outcome": self.outcome,
            "label": self.label,
            "kind": self.kind,
            "status": self.status,
            "verdict": self.verdict,
            "estimate": adj.estimate if adj else None,
            "ci_low": adj.ci_low if adj else None,
            "ci_high": adj.ci_high if adj else None,
            "p_value": adj.p_value if adj else None,
            "p_holm": self.p_holm,
            "tost_p": self.tost_p,
            "mde": self.mde,
            "n_commits": self.n_commits,
            "n_flagged": self.n_flagged,
            "flagged_mean": self.flagged_mean,
            "other_mean": self.other_mean,
            "explanation": self.explanation,
        }


@dataclass(frozen=True)
class ComparisonReport:
    """All outcomes, Holm-corrected as one family, with the caveats to print beside them."""

    comparisons: tuple[Comparison, ...]
    holm_family_size: int
    caveats: tuple[str, ...] = CAVEATS

    def __getitem__(self, outcome: str) -> Comparison:
        for c in self.comparisons:
            if c.outcome == outcome:
                return c
        raise KeyError(outcome)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (NaN -> None)."""
        return to_jsonable(self)

    def summary_frame(self) -> pd.DataFrame:
        """One row per outcome."""
        return pd.DataFrame([c.summary_row() for c in self.comparisons])


@dataclass(frozen=True)
class _Rows:
    y: np.ndarray
    flag: np.ndarray
    covariates: dict[str, np.ndarray]
    groups: np.ndarray | None
    n_clusters: int
    notes: tuple[str, ...]


def _fit_risk_ratio(
    y: np.ndarray, X: np.ndarray, groups: np.ndarray | None, alpha: float
) -> tuple[float, float, float, tuple[float, float], str]:
    """Modified Poisson (Zou 2004): log risk ratio of the indicator in column 1, robust errors."""
    cov = (
        {"cov_type": "cluster", "cov_kwds": {"groups": groups}} if groups is not None else {"cov_type": "HC0"}
    )
    res = sm.GLM(y, X, family=sm.families.Poisson()).fit(**cov)
    b, se = float(res.params[1]), float(res.bse[1])
    if not (math.isfinite(b) and math.isfinite(se) and se > 0):
        raise NotEstimable("Poisson risk-ratio model gave non-finite estimates")
    ci = np.asarray(res.conf_int(alpha))[1]
    errors = "cluster-robust by author" if groups is not None else "robust (HC0)"
    return b, se, float(res.pvalues[1]), (float(ci[0]), float(ci[1])), f"Poisson risk ratio, {errors} SE"


def _fit_difference(
    y: np.ndarray, X: np.ndarray, groups: np.ndarray | None, alpha: float
) -> tuple[float, float, float, tuple[float, float], str]:
    """OLS of the standardised outcome: difference in SDs for the indicator in column 1."""
    cov = (
        {"cov_type": "cluster", "cov_kwds": {"groups": groups}} if groups is not None else {"cov_type": "HC3"}
    )
    res = sm.OLS(y, X).fit(**cov)
    b, se = float(res.params[1]), float(res.bse[1])
    if not (math.isfinite(b) and math.isfinite(se) and se > 0):
        raise NotEstimable("OLS gave non-finite estimates")
    ci = np.asarray(res.conf_int(alpha))[1]
    errors = "cluster-robust by author" if groups is not None else "HC3"
    return b, se, float(res.pvalues[1]), (float(ci[0]), float(ci[1])), f"OLS, {errors} SE"


def _fit(
    kind: OutcomeKind, y: np.ndarray, X: np.ndarray, groups: np.ndarray | None, alpha: float
) -> tuple[float, float, float, tuple[float, float], str, str | None]:
    """(coefficient, SE, p, CI, model description, fallback note) of the indicator."""
    if np.linalg.matrix_rank(X) < X.shape[1]:
        raise NotEstimable("the declared-AI flag is collinear with the adjustment covariates")
    if kind == "count":
        fit = fit_count(y, X, groups, alpha)
        return (
            float(fit.params[1]),
            float(fit.bse[1]),
            float(fit.pvalues[1]),
            (float(fit.conf_int[1, 0]), float(fit.conf_int[1, 1])),
            fit.description,
            fit.fallback,
        )
    fitter = _fit_risk_ratio if kind == "binary" else _fit_difference
    return (*fitter(y, X, groups, alpha), None)


def _prepare(
    df: pd.DataFrame, outcome: OutcomeSpec, spec: CompareSpec
) -> tuple[_Rows | None, Comparison | None]:
    """Usable rows as arrays, or a refusal with its reason."""
    columns = {"size": spec.size, "files": spec.files, "experience": spec.experience}
    frame = pd.DataFrame(
        {
            "y": pd.to_numeric(df[outcome.column], errors="coerce"),
            "flag": pd.to_numeric(df[spec.flag], errors="coerce"),
            **{role: pd.to_numeric(df[col], errors="coerce") for role, col in columns.items()},
        }
    )
    rest = frame["size"] - frame["y"] if outcome.part_of_size else frame["size"]
    keep = frame.notna().all(axis=1) & (frame["files"] > 0) & (frame["experience"] >= 0)
    keep &= rest >= 0 if outcome.part_of_size else rest > 0
    if spec.exclude:
        keep &= ~df[spec.exclude].eq(True)
    if outcome.kind != "continuous":
        keep &= (frame["y"] >= 0) & (frame["y"] == np.round(frame["y"]))
    rows = frame[keep]
    y, flag = rows["y"].to_numpy(float), (rows["flag"].to_numpy(float) > 0).astype(float)
    n, k = len(rows), int(flag.sum())
    clusters = df.loc[keep, spec.cluster] if spec.cluster else None
    n_clusters = int(clusters.nunique()) if clusters is not None else 0

    def refuse(reason: str, status: str = TOO_LITTLE_DATA) -> tuple[None, Comparison]:
        return None, Comparison(
            outcome.column,
            outcome.label,
            outcome.kind,
            outcome.more_is_worse,
            status,
            reason,
            n,
            k,
            n_clusters,
            False,
            verdict=status,
            explanation=f"{status}: {reason}.",
            unit=outcome.unit,
        )

    if n < MIN_ROWS:
        return refuse(f"only {n} usable commits (need at least {MIN_ROWS})")
    if min(k, n - k) < MIN_GROUP:
        return refuse(f"{k} declared-AI and {n - k} other commits (need at least {MIN_GROUP} in each group)")
    if outcome.kind == "continuous" and not varies(y):
        return refuse(f"{outcome.column} has no variation")
    if outcome.kind != "continuous" and int((y > 0).sum()) < MIN_EVENTS:
        noun = "events" if outcome.kind == "binary" else "commits with a non-zero count"
        return refuse(f"only {int((y > 0).sum())} {noun} (need at least {MIN_EVENTS})")
    if outcome.kind == "binary" and not np.isin(y, (0, 1)).all():
        raise ValueError(f"binary outcome {outcome.column!r} must hold 0/1 values")
    size = rest[keep].to_numpy(float)
    covariates = {
        "size": np.log1p(size) if outcome.part_of_size else np.log(size),
        "files": np.log(rows["files"].to_numpy(float)),
        "experience": np.log1p(rows["experience"].to_numpy(float)),
    }
    groups, notes = None, []
    if clusters is not None and n_clusters >= MIN_CLUSTERS and n_clusters < n:
        groups = pd.factorize(clusters)[0]
    elif clusters is not None:
        notes.append(
            f"errors not clustered by author: {n_clusters} authors (need {MIN_CLUSTERS} for "
            "cluster-robust errors), so commits by one author count as independent"
        )
    dropped = int((~keep).sum())
    if dropped:
        notes.append(
            f"{dropped} commits left out (missing values, excluded automation, or a size that cannot be "
            "logged)"
        )
    return _Rows(y, flag, covariates, groups, n_clusters, tuple(notes)), None


def _estimate(df: pd.DataFrame, outcome: OutcomeSpec, spec: CompareSpec) -> Comparison:
    rows, refusal = _prepare(df, outcome, spec)
    if refusal is not None:
        return refusal
    assert rows is not None
    y = rows.y
    scale = 1.0
    if outcome.kind == "continuous":
        mean, scale = float(y.mean()), float(y.std(ddof=1))
        y = (y - mean) / scale
    effects, fallbacks = [], []
    for level, roles in LEVELS:
        X = np.column_stack([np.ones(len(y)), rows.flag, *(rows.covariates[r] for r in roles)])
        try:
            b, se, p, (lo, hi), model, fallback = _fit(outcome.kind, y, X, rows.groups, spec.alpha)
        except NotEstimable as exc:
            return Comparison(
                outcome.column,
                outcome.label,
                outcome.kind,
                outcome.more_is_worse,
                NOT_ESTIMABLE,
                str(exc),
                len(y),
                int(rows.flag.sum()),
                rows.n_clusters,
                rows.groups is not None,
                verdict=NOT_ESTIMABLE,
                explanation=f"{NOT_ESTIMABLE}: {exc}.",
                unit=outcome.unit,
            )
        if fallback:
            fallbacks.append(fallback)
        if outcome.kind == "continuous":
            estimate, ci = b * scale, (lo * scale, hi * scale)
        else:
            estimate, ci = math.exp(b), (math.exp(lo), math.exp(hi))
        labels = {**_LABELS, "size": "the rest of the commit's size"} if outcome.part_of_size else _LABELS
        effects.append(
            GroupEffect(
                level, tuple(labels[r] for r in roles), estimate, ci[0], ci[1], p, b, se, model, fallback
            )
        )
    flagged = rows.flag > 0
    warnings = list(rows.notes) + [f"model fallback: {f}" for f in dict.fromkeys(fallbacks)]
    return Comparison(
        outcome.column,
        outcome.label,
        outcome.kind,
        outcome.more_is_worse,
        "ok",
        None,
        len(y),
        int(flagged.sum()),
        rows.n_clusters,
        rows.groups is not None,
        flagged_mean=float(rows.y[flagged].mean()),
        other_mean=float(rows.y[~flagged].mean()),
        effects=tuple(effects),
        warnings=tuple(warnings),
        unit=outcome.unit,
    )


def _judge(c: Comparison, p_holm: float, spec: CompareSpec) -> Comparison:
    """Verdict on the adjusted effect, oriented so that positive is the direction of concern."""
    adj = c.adjusted
    assert adj is not None
    oriented = adj.log_scale if c.more_is_worse else -adj.log_scale
    continuous = c.kind == "continuous"
    sesoi = math.exp(spec.sesoi_sd) if continuous else spec.sesoi
    d = decide(oriented, adj.se, p_holm, sesoi=sesoi, alpha=spec.alpha)
    mde = math.log(d.mde_ratio) if continuous else d.mde_ratio
    sentence = _explain(c, d.verdict, d.negligible, p_holm, d.tost_p, mde, spec)
    return dataclasses.replace(
        c, p_holm=d.p_holm, tost_p=d.tost_p, mde=mde, verdict=d.verdict, explanation=sentence
    )


def _explain(
    c: Comparison, verdict: str, negligible: bool, p_holm: float, tost: float, mde: float, spec: CompareSpec
) -> str:
    """One sentence with the adjusted effect and interval behind the verdict."""
    adj = c.adjusted
    assert adj is not None
    adjusted = f"after adjusting for {', '.join(adj.adjusted_for[:-1])} and {adj.adjusted_for[-1]}"
    if c.kind == "continuous":
        unit = f" {c.unit}" if c.unit else ""
        effect = (
            f"declared-AI commits go with a {adj.estimate:+.3g}{unit} [{adj.ci_low:+.3g} to {adj.ci_high:+.3g}] "
            f"({adj.log_scale:+.2f} SD) {c.label} compared with other commits {adjusted}"
        )
        region = f"+-{spec.sesoi_sd:g} SD"
        detect = f"differences beyond +-{mde:.2f} SD"
        worth = f"the {spec.sesoi_sd:g} SD that matters"
    else:
        effect = (
            f"declared-AI commits have {fmt_ratio(adj.estimate)}x [{fmt_ratio(adj.ci_low)}-"
            f"{fmt_ratio(adj.ci_high)}] the {c.label} of other commits {adjusted}"
        )
        region = f"{fmt_ratio(1 / spec.sesoi)}-{fmt_ratio(spec.sesoi)}"
        detect = f"ratios beyond {fmt_ratio(mde)}x (or below {fmt_ratio(1 / mde)}x)"
        worth = f"the {fmt_ratio(spec.sesoi)}x that matters"
    concern = "more" if c.more_is_worse else "less"
    n = f"n={c.n_commits:,} commits, {c.n_flagged:,} declared-AI"
    if verdict == "Supported":
        tail = f"; statistically clear but inside {worth}" if negligible else ""
        return f"Supported: {effect} ({concern}, as the concern says; {fmt_p(p_holm, 'Holm p')}, {n}){tail}."
    if verdict == "Contradicted":
        opposite = "less" if c.more_is_worse else "more"
        return f"Contradicted: {effect} ({opposite}, the opposite of the concern; {fmt_p(p_holm, 'Holm p')}, {n})."
    if verdict == "No effect (equivalent)":
        return f"No effect (equivalent): {effect}, inside the equivalence region {region} ({fmt_p(tost, 'TOST p')}, {n})."
    return (
        f"Inconclusive: {effect}; neither a clear difference nor equivalence, as these data can only detect "
        f"{detect} with {POWER:.0%} power ({n})."
    )


def compare_declared(
    commits: pd.DataFrame, outcomes: Sequence[OutcomeSpec] = DEFAULT_OUTCOMES, spec: CompareSpec | None = None
) -> ComparisonReport:
    """Compare declared-AI with other commits on every outcome, Holm-corrected as one family.

    Raises ValueError when a named column is missing (a caller error); thin data give a result
    with a status and reason, never an exception.
    """
    spec = spec or CompareSpec()
    needed = [
        spec.flag,
        spec.size,
        spec.files,
        spec.experience,
        *(c for c in (spec.cluster, spec.exclude) if c),
    ]
    missing = [c for c in [*needed, *(o.column for o in outcomes)] if c not in commits.columns]
    if missing:
        raise ValueError(
            f"column {missing[0]!r} not found; available: {', '.join(map(str, commits.columns))}"
        )
    data = commits.reset_index(drop=True)
    results = [_estimate(data, o, spec) for o in outcomes]
    ok = [i for i, r in enumerate(results) if r.ok and r.adjusted is not None]
    adjusted = holm([e.p_value for i in ok if (e := results[i].adjusted) is not None])
    for i, p in zip(ok, adjusted, strict=True):
        results[i] = _judge(results[i], float(p), spec)
    return ComparisonReport(tuple(results), len(ok))


# -- before / after an event -------------------------------------------------------------------
