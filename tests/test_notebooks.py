"""Notebooks are scored as Radon scores them (`radon cc|raw|mi|hal --include-ipynb`), and broken ones are flagged."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from qroi.check.compare import run_check
from qroi.core import roles
from qroi.sample_repos import notebooks
from qroi.sample_repos.build import build
from qroi.scoring.notebooks import score_notebook

RADON = Path(sys.executable).with_name("radon")


def radon(command: str, path: Path) -> Any:
    done = subprocess.run(
        [str(RADON), command, "-j", "--include-ipynb", str(path)], capture_output=True, check=True
    )
    return json.loads(done.stdout)[str(path)]


@pytest.fixture
def analysis(tmp_path: Path) -> Path:
    path = tmp_path / "analysis.ipynb"
    path.write_bytes(notebooks.analysis())
    return path


def test_notebook_scores_equal_radon(analysis: Path) -> None:
    scored = score_notebook("nb", analysis.read_bytes())
    assert scored.error_kind is None, scored.error
    blocks = [b for b in radon("cc", analysis) if b["type"] != "class"]
    assert sorted(
        (f["name"], f["class_name"], f["lineno"], f["endline"], f["complexity"], f["rank"])
        for f in scored.functions
    ) == sorted(
        (b["name"], b.get("classname"), b["lineno"], b["endline"], b["complexity"], b["rank"]) for b in blocks
    )
    raw = radon("raw", analysis)
    assert {k: scored.metrics[k] for k in raw} == raw
    mi = radon("mi", analysis)
    assert (
        scored.metrics["mi"] == pytest.approx(mi["mi"], rel=1e-12) and scored.metrics["mi_rank"] == mi["rank"]
    )
    hal = radon("hal", analysis)["total"]
    assert scored.metrics["h_volume"] == pytest.approx(hal["volume"], rel=1e-12)
    assert scored.metrics["h_effort"] == pytest.approx(hal["effort"], rel=1e-12)
    assert max(f["complexity"] for f in scored.functions) >= 11  # the notebook's tangled function is rank C


@pytest.mark.parametrize("name", sorted(notebooks.BROKEN))
def test_a_malformed_notebook_is_flagged_not_fatal(tmp_path: Path, name: str) -> None:
    path = tmp_path / "broken.ipynb"
    path.write_bytes(notebooks.BROKEN[name])
    scored = score_notebook("nb", path.read_bytes())
    assert scored.error_kind == "notebook" and scored.error and scored.metrics == {}
    assert "error" in radon("cc", path)  # Radon cannot read it either


def test_notebooks_have_their_own_role() -> None:
    assert roles.role_of("analysis/cohorts.ipynb") == "notebook"
    assert roles.role_of("src/widget/cart.py") == roles.PRODUCT


def test_check_scores_a_notebook_the_change_adds(tmp_path: Path) -> None:
    repo = build("pull_request", tmp_path / "shop")
    (repo / "notebooks").mkdir()
    (repo / "notebooks" / "cohorts.ipynb").write_bytes(notebooks.analysis())
    (repo / "notebooks" / "broken.ipynb").write_bytes(notebooks.BROKEN["truncated"])
    report = run_check(repo, "main", "WORKTREE")
    by_path = {f.path: f for f in report.files}
    assert by_path["notebooks/broken.ipynb"].error and by_path["notebooks/broken.ipynb"].error.startswith(
        "notebook: "
    )
    complex_ = [f for f in report.findings if f.rule == "QROI001"]
    assert [(f.path, f.details["function"], f.line) for f in complex_] == [
        ("notebooks/cohorts.ipynb", "score", 4)
    ]
