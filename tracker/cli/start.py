"""The `qroi` entry point, kept free of imports so that Ctrl-C is one line even while loading.

The command line's libraries (typer, rich, SQLAlchemy, pydantic) take a second or two to import;
an interrupt then would print a traceback from deep inside them. Interrupts once the command runs
are handled by `qroi.cli.commands.main`.
"""

from __future__ import annotations

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
        sys.exit(130)
    run()
