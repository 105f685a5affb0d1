"""Where a step's time went: each part's wall seconds, added up in the step's report.

The delivery and AI-era steps report the seconds of their parts (the summary line and the
benchmarks print them); a part may run several times in a step, so its time accumulates.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def timed(seconds: dict[str, float], part: str) -> Iterator[None]:
    """Add the wall time of the block to `seconds[part]`, whether or not the block raises."""
    started = time.perf_counter()
    try:
        yield
    finally:
        seconds[part] = seconds.get(part, 0.0) + time.perf_counter() - started
