"""`python -m qroi` runs the `qroi` command line."""

from qroi.cli.commands import main

main()
