"""Reach a Dask distributed scheduler, and run tasks on its workers behind `concurrent.futures`.

Dask is an optional extra (`qroi[distributed]`), imported only here and only when a scheduler is
named. Two users: `qroi ingest --from FILE --scheduler` (one job per repository) and a single
repository's blob scoring (`qroi.scoring.pool.ScoringPool`), which hands batches to a
`ClusterExecutor` exactly as it hands them to its local process pool.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from concurrent.futures import CancelledError, Executor, Future
from typing import Any
from urllib.parse import urlsplit

from qroi.core.errors import QroiError

CONNECT_SECONDS = 20


def _probe(scheduler: str) -> None:
    """Fail in one line, at once, when nothing listens at a tcp:// address (Dask itself retries for
    its whole timeout and then raises a multi-line error)."""
    parts = urlsplit(scheduler if "://" in scheduler else f"tcp://{scheduler}")
    if parts.scheme not in ("tcp", "tls"):
        return  # inproc://, ucx://: Dask's own connect decides
    try:
        host, port = parts.hostname, parts.port
    except ValueError as exc:
        raise QroiError(f"--scheduler {scheduler!r} is not an address like tcp://HOST:PORT") from exc
    if not host or port is None:
        raise QroiError(f"--scheduler {scheduler!r} is not an address like tcp://HOST:PORT")
    try:
        socket.create_connection((host, port), timeout=CONNECT_SECONDS).close()
    except OSError as exc:
        raise QroiError(f"cannot reach the Dask scheduler at {scheduler}: {exc.strerror or exc}") from exc


def connect(scheduler: str) -> Any:
    """A `distributed.Client` of the scheduler at `scheduler`, or a one-line QroiError saying why not."""
    try:
        from distributed import Client
    except ImportError as exc:
        raise QroiError("--scheduler needs Dask: pip install 'qroi[distributed]'") from exc
    _probe(scheduler)
    # Dask logs its own tracebacks to stderr when it loses the scheduler; qroi says it in one line.
    for name in ("distributed.client", "distributed.utils", "distributed.comm"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    try:
        return Client(scheduler, timeout=f"{CONNECT_SECONDS}s")
    except (OSError, TimeoutError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise QroiError(f"cannot reach the Dask scheduler at {scheduler}: {first}") from exc


class ClusterExecutor(Executor):
    """Tasks on a Dask cluster as `concurrent.futures` futures, for code written against an Executor.

    Shutting down (the normal end, an error or Ctrl-C) cancels what this client still has queued or
    running and closes the connection; a client that dies without closing (SIGKILL) is dropped by
    the scheduler when its connection breaks, which releases its tasks the same way. Either way the
    cluster's workers stop working for this run and go on serving others.
    """

    def __init__(self, scheduler: str) -> None:
        self.scheduler = scheduler
        self.client = connect(scheduler)
        self._pending: set[Any] = set()

    def on_every_worker(self, fn: Callable[[], Any]) -> dict[str, Any]:
        """`fn()` on each worker now connected (waiting a while for the first); by worker address."""
        try:
            self.client.wait_for_workers(1, timeout=CONNECT_SECONDS)
        except TimeoutError as exc:
            self.shutdown()
            raise QroiError(f"the Dask scheduler at {self.scheduler} has no workers") from exc
        try:
            return dict(self.client.run(fn))
        except Exception as exc:  # e.g. a worker without qroi cannot unpickle fn
            self.shutdown()
            raise QroiError(f"the Dask workers of {self.scheduler} cannot run qroi: {exc}") from exc

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        """Run `fn(*args, **kwargs)` on some worker (arguments travel with the task, pickled)."""
        remote = self.client.submit(fn, *args, pure=False, **kwargs)
        self._pending.add(remote)
        return _ClusterFuture(remote, self.scheduler, self._pending.discard)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Cancel this run's outstanding tasks (if asked) and close the connection to the scheduler."""
        try:
            if cancel_futures and self._pending:
                self.client.cancel(list(self._pending), force=True)
        finally:
            self.client.close()


class _ClusterFuture(Future[Any]):
    """A Dask future seen as a `concurrent.futures.Future` whose result is fetched by the caller.

    Not settled from Dask's callback thread: fetching there needs the client's event loop, and once
    a client has lost its scheduler that wait never ends and holds the interpreter's exit with it.
    `result()` asks Dask in the calling thread instead and names a dropped task in one line.
    """

    def __init__(self, remote: Any, scheduler: str, fetched: Callable[[Any], None]) -> None:
        super().__init__()
        self._remote, self._scheduler, self._fetched = remote, scheduler, fetched

    def done(self) -> bool:
        return bool(self._remote.done())

    def cancel(self) -> bool:
        self._remote.cancel()
        return super().cancel()

    def result(self, timeout: float | None = None) -> Any:
        try:
            value = self._remote.result(timeout=timeout)
            self._fetched(self._remote)  # the executor lets go of it: the workers may free the result
            return value
        except CancelledError as exc:  # the scheduler went away, or another client cancelled it
            reason = getattr(exc, "reason", None) or "cancelled"
            raise QroiError(
                f"the Dask scheduler at {self._scheduler} dropped this run's tasks ({reason}); "
                "every batch already written is kept: run the same command again to resume"
            ) from exc
