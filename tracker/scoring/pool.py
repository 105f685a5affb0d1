"""Score blobs in parallel across cores, in batches, each blob under its own time budget.

Scoring is CPU-bound Python, so it runs in worker processes; blobs travel in batches so the
per-task overhead stays small next to Radon's milliseconds per blob. A handful of blobs (the usual
incremental ingest) is scored in-process: starting workers would cost more than it saves. A task
carries, per blob, whether it is a notebook: a blob id says nothing of the path it was found at.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import signal
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor

from qroi.core.parallel import default_workers
from qroi.scoring.notebooks import score_source
from qroi.scoring.scorer import DEFAULT_BUDGET_SECONDS, DEFAULT_MAX_BYTES, BlobScore

BlobTask = tuple[str, bytes, bool]
"""(blob id, bytes, is a notebook): one blob to score."""

INLINE_BELOW = 12
TASK_BYTES = 256_000


def die_with_parent() -> None:
    """Workers exit when the ingest process dies, even by SIGKILL (Linux prctl PR_SET_PDEATHSIG)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is handled once, by the parent


def _score_many(items: Sequence[BlobTask], budget: float | None, max_bytes: int) -> list[BlobScore]:
    return [score_source(blob, data, notebook, budget, max_bytes) for blob, data, notebook in items]


class ScoringPool:
    """Hands out futures of blob scores; owns the worker processes, if any were needed."""

    def __init__(
        self,
        workers: int | None = None,
        budget: float | None = DEFAULT_BUDGET_SECONDS,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self.workers = workers or default_workers()
        self.budget = budget
        self.max_bytes = max_bytes
        self._executor: ProcessPoolExecutor | None = None

    def submit(self, items: Sequence[BlobTask]) -> list[Future[list[BlobScore]]]:
        """Start scoring `items` ((blob id, bytes, is a notebook)); one future per task."""
        if not items:
            return []
        if self.workers <= 1 or (self._executor is None and len(items) < INLINE_BELOW):
            done: Future[list[BlobScore]] = Future()
            done.set_result(_score_many(items, self.budget, self.max_bytes))
            return [done]
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                self.workers, mp_context=multiprocessing.get_context("fork"), initializer=die_with_parent
            )
        futures = []
        task: list[BlobTask] = []
        size = 0
        for item in items:
            task.append(item)
            size += len(item[1])
            if size >= TASK_BYTES:
                futures.append(self._executor.submit(_score_many, task, self.budget, self.max_bytes))
                task, size = [], 0
        if task:
            futures.append(self._executor.submit(_score_many, task, self.budget, self.max_bytes))
        return futures

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(cancel_futures=True)
            self._executor = None

    def __enter__(self) -> ScoringPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
