"""Hand-scripted commits for scenarios whose tests check exact, planted truth.

The `delivery` and `ai_era` scenarios write files and edit them snippet by snippet, with exact
authors and dates, so that their tests can compute what qroi must find by hand. `Script` keeps
the text of what it wrote so an edit can replace one exact snippet (and fails loudly when the
snippet is ambiguous); each scenario adds its own `commit`, which notes its own truth.
"""

from __future__ import annotations

from qroi.sample_repos.history import DAY, HOUR, START, Commit
from qroi.sample_repos.scenarios import Context


def day(n: float, hour: float = 10) -> int:
    """START + n days, at `hour` UTC."""
    return START + int(n * DAY) + int((hour - 9) * HOUR)


class Script:
    """Files written and edited by hand on the scenario's history; commits named as they are made."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.h = ctx.history
        self.files: dict[str, str] = {}
        self.named: dict[str, Commit] = {}

    def write(self, path: str, text: str | bytes) -> None:
        """Stage a file (bytes for a binary, whose text is not kept for edits)."""
        if isinstance(text, str):
            self.files[path] = text
        self.h.tree.write(path, text)
        self.ctx.activity.used_paths.add(path)

    def edit(self, path: str, old: str, new: str) -> None:
        """Replace the one occurrence of `old` in a written file."""
        text = self.files[path]
        assert text.count(old) == 1, (path, old)
        self.write(path, text.replace(old, new))
