"""Ground-truth panels for the payback design: a planted ratio after investment, or none, or a trap.

Many seeds of a git history would take minutes; these panels have the columns the design reads
(`qroi.analysis.payback`) and the same structure (files with their own base rates, window
effects, staggered investments), so a simulation over hundreds of seeds runs in seconds and
measures the false-positive rate of the payback verdict.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def payback_panel(
    seed: int,
    *,
    files: int = 60,
    windows: int = 14,
    invested: int = 16,
    ratio: float = 1.0,
    burst_trap: bool = False,
) -> tuple[pd.DataFrame, dict[str, int]]:
    """(panel, lineage -> cohort window). Bug fixes per window are Poisson with a file base rate
    (log-normal) times a window effect, times `ratio` after investment. With `burst_trap`, some
    files have one burst window (three times the rate) and the invested files are those with a
    burst, invested in the window right after it: regression to the mean, no effect."""
    rng = np.random.default_rng(seed)
    base = np.exp(rng.normal(np.log(0.6), 0.6, files))
    size = np.exp(rng.normal(np.log(150), 0.5, files))
    density = rng.uniform(10, 40, files)
    delay = np.exp(rng.normal(np.log(1.0), 0.5, files))
    season = np.exp(rng.normal(0, 0.2, windows))
    burst = np.full(files, -1)
    if burst_trap:
        bursting = rng.choice(files, size=files // 2, replace=False)
        burst[bursting] = rng.integers(4, windows - 5, size=len(bursting))
        chosen = rng.choice(bursting, size=min(invested, len(bursting)), replace=False)
        first = {f"f{f:03d}": int(burst[f]) + 1 for f in chosen}
    else:
        chosen = rng.choice(files, size=invested, replace=False)
        first = {f"f{f:03d}": int(rng.integers(4, windows - 5)) for f in chosen}
    rows = []
    for f in range(files):
        cohort = first.get(f"f{f:03d}")
        for w in range(windows):
            after = cohort is not None and w > cohort
            rate = base[f] * season[w] * (3.0 if w == burst[f] else 1.0) * (ratio if after else 1.0)
            commits = rng.poisson(2.0 * size[f] / 150) + 1
            rows.append(
                {
                    "lineage": f"f{f:03d}",
                    "path": f"f{f:03d}",
                    "window": w,
                    "sloc": size[f],
                    "cc_density": density[f],
                    "commits": commits,
                    "bugfix_commits": rng.poisson(rate),
                    "churn": rng.poisson(20 * commits),
                    "cycle_time": float(
                        np.exp(np.log(delay[f]) + rng.normal(0, 0.7)) * (ratio if after else 1.0)
                    ),
                }
            )
    return pd.DataFrame(rows), first
