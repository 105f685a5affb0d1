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


def main() -> None:
    """Load the command line, then run it."""
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
