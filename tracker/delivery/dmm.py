"""Delta Maintainability Model (Di Biase et al., TechDebt 2019) scores, exactly as PyDriller computes them.

`dmm_unit_size`, `dmm_unit_complexity` and `dmm_unit_interfacing` are the share of a commit's
changed methods' lines that moved toward low-risk units (short, simple, few parameters): 1.0 all
good, 0.0 all bad, NULL when the commit touches no method of a language lizard parses.

PyDriller re-diffs every commit and parses both versions of each file with lizard: about 20
commits/s on one core, far below the ingest's thousands. So DMM is computed only when asked
(`qroi ingest --dmm`), for the commits that do not have it yet, across worker processes (in
process with one worker, as in `qroi ingest --from`, whose jobs may not fork).
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor

from qroi.core.parallel import default_workers

CHUNK = 25

Scores = tuple[float | None, float | None, float | None]


def _scores(git_dir: str, shas: Sequence[str]) -> list[Scores]:
    from git import Repo
    from pydriller import Git  # imported in the worker: PyDriller is only needed with --dmm

    class ReadOnlyGit(Git):
        """PyDriller's Git without its side effect: it writes blame.markUnblamableLines into the
        repository's .git/config when it opens it; qroi never changes the repositories it reads."""

        def _open_repository(self) -> None:
            self._repo = Repo(str(self.path))

    repo = ReadOnlyGit(git_dir)
    try:
        out = []
        for sha in shas:
            commit = repo.get_commit(sha)
            out.append((commit.dmm_unit_size, commit.dmm_unit_complexity, commit.dmm_unit_interfacing))
        return out
    finally:
        repo.clear()


def compute(git_dir: str, shas: Sequence[str], workers: int | None = None) -> dict[str, Scores]:
    """DMM scores per sha, computed by PyDriller in `workers` processes."""
    if not shas:
        return {}
    parts = [list(shas[i : i + CHUNK]) for i in range(0, len(shas), CHUNK)]
    workers = max(1, min(workers or default_workers(), len(parts)))
    if workers == 1:
        results = [_scores(git_dir, part) for part in parts]
    else:
        with ProcessPoolExecutor(workers) as pool:
            results = list(pool.map(_scores, [git_dir] * len(parts), parts))
    return {
        sha: score
        for part, scores in zip(parts, results, strict=True)
        for sha, score in zip(part, scores, strict=True)
    }
