"""Scenarios: one module each, scripting a sample history and planting facts for tests.

A scenario is a `Scenario` value whose `populate` receives a `Context` with the history to write
into, random development work to fill gaps, the message factory and a seeded generator. It must
leave exactly `context.commits` commits, all reachable from the trunk, so `--commits N` means
`git rev-list --count HEAD` == N.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from random import Random
from typing import Any

from qroi.sample_repos.activity import Activity
from qroi.sample_repos.corpus import Corpus
from qroi.sample_repos.history import History
from qroi.sample_repos.messages import Messages


@dataclass
class Context:
    """What a scenario script works with; build.py creates it from the name, seed and size."""

    history: History
    activity: Activity
    messages: Messages
    corpus: Corpus
    rng: Random
    commits: int
    state: dict[str, Any] = field(default_factory=dict)  # scenario state carried between events

    def at(self, share: float) -> int:
        """The commit count at a share of the history: where scripted events are placed."""
        return int(self.commits * share)


@dataclass(frozen=True)
class Scenario:
    """A named recipe: its default and minimum size, the time span it covers, and its script."""

    name: str
    summary: str
    default_commits: int
    min_commits: int
    populate: Callable[[Context], None]
    span_days: float = 900
