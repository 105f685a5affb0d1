"""The Python API for notebooks: `store = qroi.open("qroi.db")`, then pandas DataFrames.

An analyst redoing a figure in Jupyter must get the numbers the CLI, the exports and the dashboard
show, so nothing here computes anything of its own: every table is `qroi export`'s
(`qroi.read.export.table`, the same columns in the same order), hotspots are `qroi.read.hotspots`,
and the claim test is `qroi.analysis.claim.claim_test`, wrapped so its results come back as objects
with `.to_frame()`.

```python
import qroi

store = qroi.open("qroi.db")          # a file path or any SQLAlchemy URL; never creates a store
store.repos()                         # one row per stored repository
store.functions()                     # the `functions` export of the only stored repository
store.commits("flask")                # ... or of a named one
report = store.claim(n_boot=0)        # the claim test (Wald intervals: quick)
report.to_frame()                     # one row per hypothesis: verdict, ratio, CI, p, n
report["mi -> bugfix_commits"].effects_frame()
```
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from qroi.core.errors import QroiError

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy import Engine

    from qroi.analysis.claim import ClaimResult
    from qroi.analysis.results import HypothesisResult


@dataclass
class ClaimReport:
    """The claim test's result for one or several repositories, as objects and frames.

    `hypotheses` are the engine's own `HypothesisResult`s (effects at each adjustment level,
    bands, verdict and its explanation); `result` is the full `ClaimResult` (panel, pooled
    estimates, the monthly view).
    """

    result: ClaimResult

    @property
    def hypotheses(self) -> list[HypothesisResult]:
        """Every hypothesis of every repository, in the order the report lists them."""
        return [h for report in self.result.reports.values() for h in report.hypotheses]

    def __getitem__(self, name: str) -> HypothesisResult:
        """One hypothesis by name (e.g. "mi -> bugfix_commits") of the first repository."""
        return self.result.report[name]

    def __iter__(self) -> Iterator[HypothesisResult]:
        return iter(self.hypotheses)

    def to_frame(self) -> pd.DataFrame:
        """One row per repository and hypothesis: verdict, adjusted ratio with its CI, p, Holm p, n."""
        import pandas as pd

        frames = [r.summary_frame().assign(repo=name) for name, r in self.result.reports.items()]
        frame = pd.concat(frames, ignore_index=True)
        return frame[["repo", *[c for c in frame.columns if c != "repo"]]]

    def effects_frame(self) -> pd.DataFrame:
        """Every hypothesis at every adjustment level (unadjusted, + size, + size + exposure)."""
        import pandas as pd

        frames = [r.effects_frame().assign(repo=name) for name, r in self.result.reports.items()]
        return pd.concat([f for f in frames if not f.empty], ignore_index=True)

    @property
    def panel(self) -> pd.DataFrame:
        """The analysed file x window panel (what `qroi analyze --panel` writes)."""
        return self.result.panel

    def to_dict(self) -> dict[str, Any]:
        """The report as `qroi analyze --json` writes it."""
        return self.result.to_dict()


class Store:
    """A qroi store opened for reading; each call returns a fresh pandas DataFrame."""

    def __init__(self, db: str) -> None:
        from qroi.store import database

        self.engine: Engine = database.open_store(db)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def repo(self, name: str | None = None) -> str:
        """The repository a call works on: `name`, or the only one stored (an error names them otherwise)."""
        from qroi.store import database

        return database.pick_repo(self.engine, name)

    def repos(self) -> pd.DataFrame:
        """One row per stored repository: name, source, HEAD, last ingest, commits, authors, span."""
        from qroi.read import queries

        return queries.repos(self.engine)

    def table(self, name: str, repo: str | None = None) -> pd.DataFrame:
        """Any export table by name (`qroi.read.export.TABLES`), exactly as `qroi export` writes it."""
        from qroi.read import export

        if name not in export.TABLES:
            raise QroiError(f"unknown table {name!r}; choose from: {', '.join(export.TABLES)}")
        return export.table(self.engine, name, self.repo(repo))

    def commits(self, repo: str | None = None) -> pd.DataFrame:
        """One row per commit: ids, people, times, size, bug-fix flag, Python quality after it."""
        return self.table("commits", repo)

    def changes(self, repo: str | None = None) -> pd.DataFrame:
        """One row per file a commit changed: lines, blob before/after, quality before/after."""
        return self.table("changes", repo)

    def cycle_times(self, repo: str | None = None) -> pd.DataFrame:
        """One row per change landed on the main line: method, cycle time, release time, fix flag."""
        return self.table("cycle_times", repo)

    def files(self, repo: str | None = None) -> pd.DataFrame:
        """One row per file at HEAD: role, history counts, Radon metrics."""
        return self.table("files", repo)

    def functions(self, repo: str | None = None) -> pd.DataFrame:
        """One row per function at HEAD: its file, name, lines, cyclomatic complexity and rank."""
        return self.table("functions", repo)

    def issues(self, repo: str | None = None) -> pd.DataFrame:
        """Imported issues: kind, times, labels."""
        return self.table("issues", repo)

    def bug_links(self, repo: str | None = None) -> pd.DataFrame:
        """SZZ: each bug fix with the commits that last touched the lines it fixed."""
        return self.table("bug_links", repo)

    def releases(self, repo: str | None = None) -> pd.DataFrame:
        """Releases (version tags): dates, commits shipped, change failures."""
        return self.table("releases", repo)

    def lineops(self, repo: str | None = None) -> pd.DataFrame:
        """Per commit: added, deleted, moved, copy/pasted and churned lines (the AI-era lens)."""
        return self.table("lineops", repo)

    def ai(self, repo: str | None = None) -> pd.DataFrame:
        """Per commit: declared AI assistance and the rule that matched."""
        return self.table("ai", repo)

    def duplication(self, repo: str | None = None) -> pd.DataFrame:
        """Per month: the tree's duplicated-block share."""
        return self.table("duplication", repo)

    def hotspots(self, repo: str | None = None, roles: str | None = None) -> pd.DataFrame:
        """Files at HEAD ranked by commits x total complexity (`qroi summary`'s ranking)."""
        from qroi.core import roles as file_roles
        from qroi.read.hotspots import hotspots

        return hotspots(self.engine, self.repo(repo), kept=file_roles.parse_selection(roles))

    def claim(
        self,
        repos: str | list[str] | None = None,
        quality: list[str] | None = None,
        outcome: list[str] | None = None,
        window: str = "6M",
        n_boot: int = 199,
        seed: int = 0,
        roles: str | None = None,
        sesoi: float = 1.1,
    ) -> ClaimReport:
        """The claim test, as `qroi analyze` runs it (same defaults); `n_boot=0` for Wald intervals."""
        from qroi.analysis.claim import claim_test
        from qroi.core import roles as file_roles

        names = [self.repo(repos)] if repos is None or isinstance(repos, str) else list(repos)
        result = claim_test(
            self.engine,
            names,
            quality,
            outcome,
            window=window,
            sesoi=sesoi,
            n_boot=n_boot,
            seed=seed,
            kept=file_roles.parse_selection(roles),
        )
        return ClaimReport(result)


def open(db: str | os.PathLike[str] = "qroi.db") -> Store:
    """Open a store for reading (a file path or an SQLAlchemy URL); a missing file is an error."""
    return Store(str(db))
