"""Presentation in the terminal: the `qroi` command line, its console output, the summary and verdict rendering."""
