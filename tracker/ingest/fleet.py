"""Ingest many repositories at once: a local process pool, or a Dask distributed cluster.

Each repository is one job: a worker opens its own connection to the shared store and runs the
ordinary incremental ingest, scoring in-process (the parallelism is across repositories, and Dask
workers may not fork). A job that fails reports its one-line error and the others go on. Jobs of
different repositories write to one store safely (per-batch transactions, blob rows inserted with
ON CONFLICT DO NOTHING); two jobs of the same repository are refused by the repository lock.
"""

from __future__ import annotations

import multiprocessing
import queue
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from qroi.core import cluster
from qroi.core.errors import QroiError
from qroi.git.sources import strip_credentials
from qroi.ingest.pipeline import IngestOptions, Progress, ingest
from qroi.store import database


@dataclass
class JobResult:
    """The outcome of one repository's ingest, as the summary table shows it."""

    target: str
    repo: str | None = None
    commits_added: int = 0
    commits_total: int = 0
    blobs_scored: int = 0
    seconds: float = 0.0
    error: str | None = None


def read_targets(path: Path) -> list[str]:
    """Paths or URLs, one a line; blank lines and `#` comments are skipped."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise QroiError(f"cannot read {path}: {exc.strerror or exc}") from exc
    targets = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    if not targets:
        raise QroiError(f"{path} lists no repositories (one path or URL a line)")
    return targets


class _QueueProgress(Progress):
    """Forwards a worker's progress to the parent's display through a queue."""

    def __init__(self, events: Any, target: str) -> None:
        self.events, self.target = events, target

    def start(self, total_commits: int) -> None:
        self.events.put(("start", self.target, total_commits, 0))

    def advance(self, commits: int, blobs: int) -> None:
        self.events.put(("advance", self.target, commits, blobs))


def run_job(url: str, target: str, options: dict[str, Any], events: Any = None) -> JobResult:
    """One repository's ingest in a worker; every failure becomes the job's one-line error."""
    started = time.perf_counter()
    result = JobResult(target=strip_credentials(target))
    engine = database.connect(url)
    try:
        progress = _QueueProgress(events, result.target) if events is not None else Progress()
        done = ingest(engine, target, IngestOptions(**options, workers=1), progress)
        result.repo, result.commits_added, result.commits_total = (
            done.repo,
            done.commits_added,
            done.commits_total,
        )
        result.blobs_scored = done.blobs_scored
    except QroiError as exc:
        result.error = str(exc)
    except Exception as exc:  # one broken repository must not stop the others
        result.error = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
    finally:
        engine.dispose()
    result.seconds = time.perf_counter() - started
    return result


def _options(options: IngestOptions) -> dict[str, Any]:
    """The per-repository options (nested option objects kept as they are, not turned into dicts)."""
    skip = ("workers", "name", "scheduler")  # a job scores its blobs in-process, on the worker it runs on
    return {f.name: getattr(options, f.name) for f in fields(options) if f.name not in skip}


def ingest_local(
    url: str,
    targets: Iterable[str],
    options: IngestOptions,
    workers: int,
    on_event: Callable[[tuple[str, str, int, int]], None],
    on_done: Callable[[JobResult], None],
) -> list[JobResult]:
    """Ingest repositories with a local pool of `workers` processes."""
    context = multiprocessing.get_context("spawn")  # workers start clean: no inherited locks or pipes
    with context.Manager() as manager:
        events = manager.Queue()
        pump_stop = threading.Event()

        def pump() -> None:
            while not pump_stop.is_set() or not events.empty():
                try:
                    on_event(events.get(timeout=0.1))
                except queue.Empty:
                    continue

        thread = threading.Thread(target=pump, daemon=True)
        thread.start()
        results = []
        try:
            with ProcessPoolExecutor(workers, mp_context=context) as pool:
                futures = [pool.submit(run_job, url, t, _options(options), events) for t in targets]
                for future in as_completed(futures):
                    results.append(future.result())
                    on_done(results[-1])
        finally:
            pump_stop.set()
            thread.join()
    return results


def ingest_distributed(
    url: str,
    targets: Iterable[str],
    options: IngestOptions,
    scheduler: str,
    on_done: Callable[[JobResult], None],
) -> list[JobResult]:
    """Ingest repositories as jobs on a Dask distributed cluster sharing one server database."""
    if database.sqlite_path(url) is not None:
        raise QroiError(
            "--scheduler needs a store every worker can reach: a server database URL, "
            "e.g. postgresql+psycopg://user@host/db, not an SQLite file"
        )
    client = cluster.connect(scheduler)
    from distributed import as_completed as dask_completed  # importable: connect() succeeded

    results = []
    try:
        futures = [client.submit(run_job, url, t, _options(options), None, pure=False) for t in targets]
        for future in dask_completed(futures):
            results.append(future.result())
            on_done(results[-1])
    finally:
        client.close()
    return results
