"""How many worker processes or threads a step may use by default: one per core this process may run on."""

from __future__ import annotations

import os


def default_workers() -> int:
    """The cores this process is allowed on (its CPU affinity, not the machine's count)."""
    return max(1, len(os.sched_getaffinity(0)))
