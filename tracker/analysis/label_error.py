"""How wrong the fix label is, measured on people's judgements, and what that does to a verdict.

Precision is P(really a fix | labelled fix); recall is P(labelled fix | really a fix). Both are
estimated from a stratified sample (`qroi.labels.calibration`): each judged commit stands for
`stratum_size / judged in its stratum` commits of the history (its sampling weight), so the fixes
hidden in the large non-fix strata count at their true share. The label compared is the commit's
current kind, so a rule change is measured against the same judgements. Intervals are Wilson
score intervals at the weighted proportion with Kish's effective sample size (for an unweighted
sample, the plain Wilson interval).

Sensitivity: the expected number of true fixes in a file-window is
`precision x labelled fixes + false-omission rate x unlabelled commits` (the false-omission rate
is the weighted share of real fixes among unlabelled judged commits). The defect hypothesis is
refitted on that corrected outcome (rounded to whole commits, Wald intervals), which is what
the verdict would say if labels were wrong at exactly the measured rates everywhere: the same
rates in good and bad files. Error rates that differ with quality are not corrected.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

Z95 = 1.959963984540054
FIX = "fix"


def wilson(p: float, n: float, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a proportion `p` observed over `n` (possibly effective) trials."""
    if n <= 0:
        return (0.0, 1.0)
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


@dataclass(frozen=True)
class Share:
    """A weighted proportion with its Wilson interval and the judged commits behind it."""

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


def _share(hit: pd.Series, weight: pd.Series) -> Share:
    """sum(w * hit) / sum(w), Wilson at Kish's effective n = (sum w)^2 / sum w^2."""
    if len(weight) == 0 or weight.sum() <= 0:
        return Share(None, None, None, 0)
    p = float((weight * hit).sum() / weight.sum())
    n_eff = float(weight.sum() ** 2 / (weight**2).sum())
    low, high = wilson(p, n_eff)
    return Share(p, low, high, len(weight))


def measure(judged: pd.DataFrame) -> Calibration | None:
    """Precision and recall of the current fix label from judgements (`calibration.judgements`)."""
    if judged.empty:
        return None
    per_stratum = judged.groupby("labelled")["sha"].transform("size")
    weight = judged["stratum_size"] / per_stratum
    truth = judged["judged"] == FIX
    label = judged["kind"] == FIX
    precision = _share(truth[label], weight[label])
    recall = _share(label[truth], weight[truth])
    omission = _share(truth[~label], weight[~label])
    return Calibration(len(judged), precision, recall, omission.value)


def corrected_fixes(panel: pd.DataFrame, calibration: Calibration) -> pd.Series | None:
    """Expected true fix commits per panel row (see the module docstring); None if unmeasurable."""
    p, f = calibration.precision.value, calibration.false_omission
    if p is None or f is None:
        return None
    labelled = panel["bugfix_commits"].astype(float)
    unlabelled = (panel["commits"].astype(float) - labelled).clip(lower=0)
    return pd.Series(np.round(p * labelled + f * unlabelled), index=panel.index)
