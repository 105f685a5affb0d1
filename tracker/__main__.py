"""`python -m tracker` runs the `qroi` command line."""

from tracker.cli import main

main()
