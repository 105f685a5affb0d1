"""The `qroi` entry point, kept free of imports so that Ctrl-C is one line even while loading.

The command line's libraries (typer, rich, SQLAlchemy, pydantic) take a second or two to import;
an interrupt then would print a traceback from deep inside them. Interrupts once the command runs
are handled by `qroi.cli.commands.main`.
"""

from __future__ import annotations

import os
import sys

INTERRUPTED = (
    "qroi: error: interrupted; every batch already written is kept: run the same command again to resume"
)


BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
"""Read once, when numpy loads: so they are set before anything imports it."""


def one_blas_thread() -> None:
    """Run numpy's linear algebra on one thread unless the user asked for more.

    qroi's model fits are small (thousands of rows, dozens of columns), where BLAS threads spin
    more than they compute and compete with the scoring workers for the cores: on 2 cores one
    claim test took 9.1 CPU seconds with OpenBLAS's threads and 2.3 with one, same estimates.
    Worker processes and the dashboard's server inherit the setting.
    """
    for name in BLAS_THREADS:
        os.environ.setdefault(name, "1")


def main() -> None:
    """Load the command line, then run it."""
    one_blas_thread()
    try:
        from qroi.cli.commands import main as run
    except KeyboardInterrupt:
        sys.stderr.write(INTERRUPTED + "\n")
        exit_interrupted()
    run()


def exit_interrupted() -> None:
    """Exit 130 now, its message already written.

    Whatever the command started has been unwound by then (context managers close the scoring
    pool, the store's transactions, git's processes). A normal interpreter exit after a Ctrl-C
    sometimes ended by re-raising SIGINT on itself instead (exit -2, 3 times in 24 runs), so the
    finalisation is skipped once the streams are flushed.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(130)
