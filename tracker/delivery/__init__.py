"""Delivery signals after ingest: bug-inducing commits (SZZ), rework, releases, commit features, DMM, imported issues."""
