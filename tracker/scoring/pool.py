"""Score blobs in parallel across cores or machines, in batches, each blob under its own time budget.

Scoring is CPU-bound Python, so it runs in worker processes; blobs travel in batches so the
per-task overhead stays small next to Radon's milliseconds per blob. A handful of blobs (the usual
incremental ingest) is scored in-process: starting workers would cost more than it saves. A task
carries, per blob, whether it is a notebook: a blob id says nothing of the path it was found at.

The workers are a local process pool, or, given a scheduler address, the workers of a Dask
cluster (`qroi.core.cluster.ClusterExecutor`): the same batches go to either, with the blobs'
bytes inside each task, so cluster workers need qroi but neither git nor the repository. Results
are collected in submission order, so the store does not depend on which worker scored what.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import signal
import sys
from collections.abc import Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from importlib import metadata

import radon

from qroi.core.cluster import ClusterExecutor
from qroi.core.errors import QroiError
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


def scorer_fingerprint() -> tuple[str, str, str]:
    """What a blob's scores depend on besides its bytes: qroi, Radon and the Python parser."""
    try:
        version = metadata.version("qroi")  # not qroi.__version__: importing the package loads its API
    except metadata.PackageNotFoundError:
        version = "unknown"
    return (version, radon.__version__, f"{sys.version_info[0]}.{sys.version_info[1]}")


def _cluster(scheduler: str) -> ClusterExecutor:
    """Connect to the cluster, refusing workers whose scores could differ from this process's."""
    executor = ClusterExecutor(scheduler)
    here = scorer_fingerprint()
    for worker, theirs in sorted(executor.on_every_worker(scorer_fingerprint).items()):
        if tuple(theirs) != here:
            executor.shutdown()
            raise QroiError(
                f"Dask worker {worker} runs qroi {theirs[0]}, radon {theirs[1]}, Python {theirs[2]}; "
                f"this run needs qroi {here[0]}, radon {here[1]}, Python {here[2]} (same scores everywhere)"
            )
    return executor


def _score_many(items: Sequence[BlobTask], budget: float | None, max_bytes: int) -> list[BlobScore]:
    return [score_source(blob, data, notebook, budget, max_bytes) for blob, data, notebook in items]


class ScoringPool:
    """Hands out futures of blob scores; owns the worker processes or the cluster connection.

    With `scheduler`, the cluster is reached (and its workers checked) at construction, so an
    unreachable one fails before anything is mined; `workers` then plays no part. On a cluster the
    per-blob budget is checked rather than enforced (tasks run in worker threads, where no alarm
    can interrupt them): an over-budget blob runs to its end and is flagged `timeout` all the same.
    """

    def __init__(
        self,
        workers: int | None = None,
        budget: float | None = DEFAULT_BUDGET_SECONDS,
        max_bytes: int = DEFAULT_MAX_BYTES,
        scheduler: str | None = None,
    ) -> None:
        self.workers = workers or default_workers()
        self.budget = budget
        self.max_bytes = max_bytes
        self.scheduler = scheduler
        self._executor: Executor | None = _cluster(scheduler) if scheduler else None

    def submit(self, items: Sequence[BlobTask]) -> list[Future[list[BlobScore]]]:
        """Start scoring `items` ((blob id, bytes, is a notebook)); one future per task."""
        if not items:
            return []
        local_only = self.workers <= 1 and self.scheduler is None
        if local_only or (self._executor is None and len(items) < INLINE_BELOW):
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
        """Stop the workers (a local pool) or this run's tasks (a cluster); safe to call twice."""
        if self._executor is not None:
            self._executor.shutdown(cancel_futures=True)
            self._executor = None

    def __enter__(self) -> ScoringPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
