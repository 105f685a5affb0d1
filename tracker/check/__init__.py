"""`qroi check`: a diff-aware quality gate for one change (a pull request, or the work tree)."""
