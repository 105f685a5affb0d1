"""Dose-response: the outcome by quality decile and the bend at the healthy end, on planted curves."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from qroi.analysis import HypothesisSpec, analyze_hypothesis
from qroi.analysis.dose_response import DECILE_MIN_ROWS, FLATTEN, GROWING, NO_EVIDENCE, dose_response
from qroi.analysis.prepare import prepare
from qroi.analysis.results import to_jsonable
from qroi.cli.verdicts import dose_line
from tests.conftest import ClaimHistories, run_qroi


def curve_panel(
    curve,
    *,
    kind: str = "count",
    n_files: int = 300,
    windows: int = 4,
    size_from_quality: float = 0.0,
    seed: int = 0,
) -> pd.DataFrame:
    """Files followed over windows; log outcome = size term + curve(healthiness in SDs).

    Quality is per file (higher is better); size may track quality (a confounder when the
    outcome grows with size).
    """
    rng = np.random.default_rng(seed)
    h = rng.normal(size=n_files)
    log_size = 4.5 + size_from_quality * h + rng.normal(scale=0.5, size=n_files)
    rows = []
    for w in range(windows):
        exposure = rng.poisson(3, size=n_files) + 1
        log_mu = -1.0 + 0.6 * (log_size - 4.5) + 0.4 * np.log(exposure) + curve(h)
        if kind == "count":
            y = rng.poisson(np.exp(log_mu) * rng.gamma(2.0, 0.5, size=n_files))
        else:
            y = np.exp(1.0 + log_mu + rng.normal(scale=0.5, size=n_files))
        rows.append(
            pd.DataFrame(
                {
                    "unit": np.arange(n_files),
                    "window": w,
                    "quality": 50 + 10 * h,
                    "size": np.exp(log_size).round() + 1,
                    "exposure": exposure,
                    "outcome": y,
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def spec(kind: str = "count") -> HypothesisSpec:
    return HypothesisSpec(
        quality="quality",
        outcome="outcome",
        outcome_kind=kind,  # type: ignore[arg-type]
        higher_is_better=True,
        size="size",
        exposure="exposure" if kind == "count" else None,
        unit="unit",
        n_boot=0,
    )


INCREASING = lambda h: -0.35 * np.exp(0.9 * h)  # noqa: E731  falls faster toward the healthy end
SATURATING = lambda h: 0.35 * np.exp(-0.9 * h)  # noqa: E731  falls steeply, then levels off
FLAT = lambda h: 0.0 * h  # noqa: E731


@pytest.mark.parametrize(
    ("curve", "reading"), [(INCREASING, GROWING), (SATURATING, FLATTEN), (FLAT, NO_EVIDENCE)]
)
def test_planted_curve_shape_is_read(curve, reading):
    d = dose_response(prepare(curve_panel(curve, seed=4), spec()))
    assert d is not None
    assert d.shape.reading == reading, d.shape
    if reading == NO_EVIDENCE:
        assert d.shape.p_value > 0.05
    else:
        assert d.shape.p_value < 0.05
    if reading == GROWING:  # the healthier half's fall per SD is steeper than the rest's
        assert d.shape.ratio_per_sd_healthy_half < d.shape.ratio_per_sd_worse_half < 1
    if reading == FLATTEN:
        assert d.shape.ratio_per_sd_worse_half < d.shape.ratio_per_sd_healthy_half


def test_deciles_worst_first_cover_every_row_with_cis():
    panel = curve_panel(SATURATING, seed=1)
    d = dose_response(prepare(panel, spec()))
    assert d.scheme == "deciles" and len(d.bins) == 10
    assert sum(b.n_rows for b in d.bins) == len(panel)
    # Worst first: quality ranges ascend (higher is better), and do not overlap.
    assert all(a.quality_high < b.quality_low for a, b in zip(d.bins, d.bins[1:], strict=False))
    assert all(b.ci_low <= b.outcome <= b.ci_high for b in d.bins)  # every decile has events here
    assert d.bins[0].outcome > d.bins[-1].outcome  # planted: worse code, more of the outcome
    assert d.ci_method == "cluster-robust by unit"
    assert d.measure == "mean count per row at the median size and median exposure"


def test_few_rows_use_quintiles_and_very_few_none():
    panel = curve_panel(FLAT, n_files=60, windows=2, seed=2)
    d = dose_response(prepare(panel, spec()))
    assert d.scheme == "quintiles" and len(d.bins) == 5
    assert sum(b.n_rows for b in d.bins) == 120
    assert dose_response(prepare(curve_panel(FLAT, n_files=20, windows=2), spec())) is None


def test_size_confounding_is_adjusted_away_in_the_bins():
    """Trap: bad files are big, and only size drives the outcome; raw deciles would slope."""
    panel = curve_panel(FLAT, size_from_quality=-1.0, seed=5)
    raw = panel.assign(bin=pd.qcut(panel["quality"], 10, labels=False)).groupby("bin")["outcome"].mean()
    assert raw.iloc[0] > 2 * raw.iloc[-1]  # the trap is real
    d = dose_response(prepare(panel, spec()))
    worst, best = d.bins[0], d.bins[-1]
    assert best.ci_low < worst.outcome < best.ci_high or worst.ci_low < best.outcome < worst.ci_high
    assert d.shape.reading == NO_EVIDENCE


def test_time_outcome_uses_geometric_means_and_reads_shape():
    panel = curve_panel(INCREASING, kind="time", seed=6)
    d = dose_response(prepare(panel, spec("time")))
    assert d.measure == "geometric mean at the median size"
    assert d.shape.reading == GROWING and "OLS on log time" in d.shape.model
    # Geometric mean of the worst decile at median size, against a plain check on its rows.
    assert d.bins[0].outcome > d.bins[-1].outcome


def test_attached_to_the_hypothesis_result_and_its_json():
    panel = curve_panel(SATURATING, seed=7)
    r = analyze_hypothesis(panel, spec())
    assert r.dose_response is not None and r.dose_response.shape.reading == FLATTEN
    data = json.loads(json.dumps(to_jsonable(r)))
    bins = data["dose_response"]["bins"]
    assert sum(b["n_rows"] for b in bins) == r.n_rows
    assert set(bins[0]) == {"quality_low", "quality_high", "n_rows", "outcome", "ci_low", "ci_high"}
    assert data["dose_response"]["shape"]["reading"] == FLATTEN


def test_cli_json_has_dose_response_whose_bins_cover_the_hypothesis_rows(
    claim_histories: ClaimHistories, tmp_path: Path
) -> None:
    db = claim_histories.db
    out = tmp_path / "report.json"
    args = ("--window", "3M", "--quality", "cc_density", "--outcome", "defects", "--boot", "0")
    result = run_qroi("analyze", "effect", "--db", str(db), *args, "--json", str(out))
    assert result.returncode == 0, result.stderr
    assert "Dose-response (outcome by quality bin" in result.stdout
    (h,) = json.loads(out.read_bytes())["per_repo"]["effect"]["hypotheses"]
    d = h["dose_response"]
    assert sum(b["n_rows"] for b in d["bins"]) == h["n_rows"]
    assert d["scheme"].split()[0] == ("deciles" if h["n_rows"] >= DECILE_MIN_ROWS else "quintiles")
    assert all(b["ci_low"] <= b["outcome"] <= (b["ci_high"] or math.inf) for b in d["bins"])
    assert d["shape"]["reading"] in {GROWING, FLATTEN, NO_EVIDENCE} and d["shape"]["p_value"] is not None
    assert f"{h['name']}, {d['scheme']}, {d['measure']}: worst" in result.stdout.replace("\n", " ")


def test_a_bin_without_events_is_zero_with_no_upper_bound_and_says_so():
    panel = curve_panel(FLAT, seed=8)
    panel.loc[panel["quality"] >= panel["quality"].quantile(0.9), "outcome"] = 0
    r = analyze_hypothesis(panel, spec())
    best = r.dose_response.bins[-1]
    assert (best.outcome, best.ci_low, best.ci_high) == (0.0, 0.0, None)
    assert all(b.ci_high is not None and b.outcome > 0 for b in r.dose_response.bins[:-1])
    assert dose_line(r).split("best ")[1].startswith("0 [0-no upper bound];")
