"""Jupyter notebooks (nbformat 4 JSON) for the tests of notebook scoring: code, magics, prose, and broken ones.

Written with the standard library's JSON encoder, as Jupyter writes them: a cell's source is a
list of lines, keys sorted, one-space indent.
"""

from __future__ import annotations

import json

ANALYSIS_CELLS = (
    ("markdown", "# Cohort analysis\n\nWhich customers come back?"),
    ("code", "%matplotlib inline\nimport math\nimport statistics\n"),
    (
        "code",
        "def score(orders, days, region):\n"
        '    """A deliberately tangled scoring rule."""\n'
        "    total = 0\n"
        "    for order in orders:\n"
        "        if region is None:\n"
        "            continue\n"
        "        if order > 100 and days < 30:\n"
        "            total += 3\n"
        "        elif order > 50 or region == 'EU':\n"
        "            total += 2\n"
        "        elif order > 10:\n"
        "            total += 1\n"
        "        if days > 365:\n"
        "            total -= 1\n"
        "        while total > 100:\n"
        "            total -= 10\n"
        "    return total if total > 0 else 0\n",
    ),
    (
        "code",
        "# helpers\nclass Cohort:\n    def size(self, rows):\n        return len([r for r in rows if r])\n",
    ),
    ("markdown", "Results below."),
    ("code", "%%time\nvalues = [score([120, 60], d, 'EU') for d in range(10)]\nstatistics.mean(values)"),
)
"""A notebook whose `score` has cyclomatic complexity 11 (Radon rank C), magics and prose."""


def notebook(cells: tuple[tuple[str, str], ...]) -> bytes:
    """An nbformat 4.5 notebook of (cell type, source) pairs."""
    body: list[dict[str, object]] = []
    for n, (kind, source) in enumerate(cells):
        cell: dict[str, object] = {
            "cell_type": kind,
            "id": f"cell-{n}",
            "metadata": {},
            "source": source.splitlines(keepends=True),
        }
        if kind == "code":
            cell["execution_count"] = None
            cell["outputs"] = []
        body.append(cell)
    doc = {
        "cells": body,
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return (json.dumps(doc, indent=1, sort_keys=True) + "\n").encode("utf-8")


def analysis() -> bytes:
    return notebook(ANALYSIS_CELLS)


BROKEN = {
    "truncated": b'{"cells": [{"cell_type": "code", "source": "x = 1"',
    "no cells": b'{"nbformat": 3, "worksheets": [{"cells": []}]}',
    "bad source": b'{"cells": [{"cell_type": "code", "source": 42}], "nbformat": 4}',
}
"""Files named .ipynb that Radon cannot read as notebooks either."""
