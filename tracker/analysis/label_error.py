"""How wrong the fix label is, measured on people's judgements, and what that does to a verdict.

Precision is P(really a fix | labelled fix); recall is P(labelled fix | really a fix). Both are
estimated from a stratified sample (`qroi.labels.calibration`): each judged commit stands for
`stratum_size / judged in its stratum` commits of the history (its sampling weight), so the fixes
hidden in the large non-fix strata count at their true share. The label compared is the commit's
current kind, so a rule change is measured against the same judgements.

Intervals are stratified Jeffreys intervals, simulated, for this history's commits: the judged
commits of each sampling stratum that now carry the same label stand for their share of the
stratum; the share of real fixes among the commits nobody judged gets a Beta(fixes + 1/2,
others + 1/2) posterior, each draw is summed with what was judged into the four cells (labelled
fix and a fix, labelled fix and not, a fix labelled otherwise, neither), and the 2.5% and 97.5%
points of precision and recall over the draws bound them (widened to the estimate where it falls
outside, as Jeffreys' interval is at 0 or n hits). A history judged whole is known exactly; one
stratum sampled from a large history gives the Jeffreys interval of a binomial proportion. A
large stratum in which no judged commit was a fix still leaves room for the fixes it may hide,
so recall is not certain just because none was seen, as an interval over the judged fixes alone
(Wilson at Kish's effective size, before) made it look.

Sensitivity: the expected number of true fixes in a file-window is
`precision x labelled fixes + false-omission rate x unlabelled commits` (the false-omission rate
is the weighted share of real fixes among unlabelled judged commits). The defect hypothesis is
refitted on that corrected outcome (rounded to whole commits, Wald intervals), which is what
the verdict would say if labels were wrong at exactly the measured rates everywhere: the same
rates in good and bad files. Error rates that differ with quality are not corrected.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

FIX = "fix"


DRAWS = 20_000
"""Posterior draws behind each interval; a fixed seed makes the same judgements give the same figures."""
CELLS = ("fix labelled fix", "not a fix labelled fix", "fix labelled otherwise", "neither")


@dataclass(frozen=True)
class Share:
    """A weighted proportion with its interval and the judged commits behind it."""

    value: float | None
    low: float | None
    high: float | None
    n: int

    def text(self) -> str:
        if self.value is None:
            return "not measurable (no judged commit in its denominator)"
        return f"{self.value:.2f} [{self.low:.2f}-{self.high:.2f}] (n={self.n})"


@dataclass(frozen=True)
class Calibration:
    judged: int
    precision: Share
    recall: Share
    false_omission: float | None


def _cell_totals(judged: pd.DataFrame, weight: pd.Series, truth: pd.Series, label: pd.Series) -> np.ndarray:
    """Posterior draws of each cell's commit count in the whole history (DRAWS x 4, CELLS order).

    A group is the judged commits of one sampling stratum that now carry the same label; it
    stands for sum(weight) commits of the history. Its judged commits count as judged; the share
    of real fixes among the rest it stands for gets a Beta(fixes + 1/2, others + 1/2) posterior
    (so a stratum judged whole is known exactly, as a census is).
    """
    rng = np.random.default_rng(0)
    totals = np.zeros((DRAWS, len(CELLS)))
    frame = pd.DataFrame({"stratum": judged["labelled"], "label": label, "truth": truth, "weight": weight})
    for (_, labelled), rows in frame.groupby(["stratum", "label"]):
        fixes, n = int(rows["truth"].sum()), len(rows)
        unjudged = max(float(rows["weight"].sum()) - n, 0.0)
        hidden = unjudged * rng.beta(fixes + 0.5, n - fixes + 0.5, DRAWS)
        first, second = (0, 1) if labelled else (2, 3)
        totals[:, first] += fixes + hidden
        totals[:, second] += n - fixes + unjudged - hidden
    return totals


def _share(hit: pd.Series, weight: pd.Series, hits: np.ndarray, misses: np.ndarray) -> Share:
    """sum(w * hit) / sum(w) over the judged commits in the denominator, with the interval of the
    simulated hits / (hits + misses)."""
    if len(weight) == 0 or weight.sum() <= 0:
        return Share(None, None, None, 0)
    p = float((weight * hit).sum() / weight.sum())
    low, high = np.quantile(hits / (hits + misses), [0.025, 0.975])
    # As Jeffreys' interval is at 0 or n hits: a bound never excludes what was observed.
    return Share(p, min(float(low), p), max(float(high), p), len(weight))


def measure(judged: pd.DataFrame) -> Calibration | None:
    """Precision and recall of the current fix label from judgements (`calibration.judgements`)."""
    if judged.empty:
        return None
    per_stratum = judged.groupby("labelled")["sha"].transform("size")
    weight = judged["stratum_size"] / per_stratum
    truth = judged["judged"] == FIX
    label = judged["kind"] == FIX
    t = _cell_totals(judged, weight, truth, label)
    precision = _share(truth[label], weight[label], t[:, 0], t[:, 1])
    recall = _share(label[truth], weight[truth], t[:, 0], t[:, 2])
    omission = _share(truth[~label], weight[~label], t[:, 2], t[:, 3])
    return Calibration(len(judged), precision, recall, omission.value)


def corrected_fixes(panel: pd.DataFrame, calibration: Calibration) -> pd.Series | None:
    """Expected true fix commits per panel row (see the module docstring); None if unmeasurable."""
    p, f = calibration.precision.value, calibration.false_omission
    if p is None or f is None:
        return None
    labelled = panel["bugfix_commits"].astype(float)
    unlabelled = (panel["commits"].astype(float) - labelled).clip(lower=0)
    return pd.Series(np.round(p * labelled + f * unlabelled), index=panel.index)
