"""False-positive rate and coverage of the payback design over many seeds of simulated panels.

`python -m bench.payback_false_positives [SEEDS]`: null panels (no effect), regression-to-the-mean
trap panels (investments right after a bug burst, no effect) and effect panels (0.5x after);
prints, per kind, the share of Supported/Contradicted verdicts on the bug-fix rate and how often
the 95% interval covers the planted ratio. Too slow for the test suite at a few hundred seeds.
"""

from __future__ import annotations

import sys
import time

from qroi.analysis.payback import DesignOptions, estimate_payback
from qroi.analysis.payback_simulate import payback_panel


def main(seeds: int = 200) -> None:
    for kind, ratio, trap in (("null", 1.0, False), ("trap", 1.0, True), ("effect", 0.5, False)):
        started = time.perf_counter()
        significant = covered = 0
        for seed in range(seeds):
            panel, first = payback_panel(seed, ratio=ratio, burst_trap=trap)
            o = estimate_payback(panel, first, DesignOptions())[0]
            significant += o.verdict in ("Supported", "Contradicted")
            covered += o.ci_low is not None and o.ci_low <= ratio <= o.ci_high
        took = time.perf_counter() - started
        print(
            f"{kind:6} {seeds} seeds: significant {significant / seeds:.1%}, "
            f"95% CI covers {ratio} in {covered / seeds:.1%} ({took:.0f}s)"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
