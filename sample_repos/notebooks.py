"""Jupyter notebooks (nbformat 4 JSON) for the tests of notebook scoring: code, magics, prose, and broken ones.

Written with the standard library's JSON encoder, as Jupyter writes them: a cell's source is a
list of lines, keys sorted, one-space indent. `build` commits them into a small repository (a
notebook in two versions beside a Python module, then a malformed one) for the ingest tests.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from qroi.sample_repos.build import _check_dest, git_env

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


NOTEBOOK = "analysis/cohorts.ipynb"
MALFORMED = "analysis/broken.ipynb"
MODULE = "src/lab/cohorts.py"


def first_version() -> bytes:
    """The notebook as first committed: prose, magics and the tangled `score`, no class yet."""
    return notebook(ANALYSIS_CELLS[:3])


HISTORY: tuple[tuple[str, dict[str, bytes]], ...] = (
    ("Add the cohort module", {MODULE: b"def size(rows):\n    return len([r for r in rows if r])\n"}),
    ("Add the cohort analysis notebook", {NOTEBOOK: first_version()}),
    ("Add the Cohort helper and the timing cell", {NOTEBOOK: analysis()}),
    ("Save a notebook the editor truncated", {MALFORMED: BROKEN["truncated"]}),
)
"""(message, files written) per commit, oldest first."""


def commit(repo: Path, files: dict[str, bytes], message: str, when: int) -> None:
    """Write `files` into the work tree of `repo` and commit them at Unix time `when` (deterministic)."""
    for path, data in files.items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_bytes(data)
    stamp = f"{when} +0000"
    env = {
        **git_env(repo),
        "GIT_AUTHOR_NAME": "Nora Analyst",
        "GIT_AUTHOR_EMAIL": "nora@lab.example",
        "GIT_COMMITTER_NAME": "Nora Analyst",
        "GIT_COMMITTER_EMAIL": "nora@lab.example",
        "GIT_AUTHOR_DATE": stamp,
        "GIT_COMMITTER_DATE": stamp,
    }
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True, env=env, capture_output=True)
    subprocess.run(
        ["git", "-C", str(repo), "commit", "-q", "-m", message], check=True, env=env, capture_output=True
    )


def build(dest: Path, start: int = 1_700_000_000) -> Path:
    """Create the repository of `HISTORY` at `dest` (branch main, one commit a day); returns `dest`."""
    _check_dest(dest)
    dest.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["git", "init", "-q", "-b", "main", "--template=", str(dest)],
        check=True,
        env=git_env(dest),
        capture_output=True,
    )
    for n, (message, files) in enumerate(HISTORY):
        commit(dest, files, message, start + n * 86_400)
    return dest
