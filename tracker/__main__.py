"""`python -m qroi` runs the `qroi` command line."""

from qroi.cli.start import main

main()
