"""The Python API (`qroi.open`): the same tables and claim test as the CLI, and the docs notebook runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

import qroi
from qroi.core.errors import QroiError
from qroi.read import export
from qroi.sample_repos.build import build
from tests.conftest import ROOT, ingested, run_qroi

NOTEBOOK = ROOT / "docs" / "api.ipynb"


@pytest.fixture(scope="module")
def shop_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = build("pull_request", tmp_path_factory.mktemp("repos") / "shop")
    return ingested(repo, tmp_path_factory.mktemp("stores"), "shop.db")


@pytest.mark.parametrize("name", export.TABLES)
def test_every_export_table_is_a_frame_equal_to_the_export(shop_db: Path, name: str) -> None:
    with qroi.open(shop_db) as store:
        frame = getattr(store, name)()
        assert list(frame.columns) == list(store.table(name).columns)
    written = run_qroi("export", name, "--db", str(shop_db))
    assert written.returncode == 0, written.stderr
    assert export.csv_text(frame) == written.stdout


def test_claim_report_equals_analyze(shop_db: Path, tmp_path: Path) -> None:
    with qroi.open(str(shop_db)) as store:
        report = store.claim(window="3M", n_boot=0)
    out = tmp_path / "claim.json"
    done = run_qroi("analyze", "--window", "3M", "--boot", "0", "--json", str(out), "--db", str(shop_db))
    assert done.returncode == 0, done.stderr
    written = json.loads(out.read_text(encoding="utf-8"))["per_repo"]["shop"]["hypotheses"]
    frame = report.to_frame()
    assert list(frame["hypothesis"]) == [h["name"] for h in written] == [h.name for h in report]
    assert list(frame["status"]) == [h["status"] for h in written]
    assert list(frame["verdict"]) == [h["verdict"] for h in written]
    assert (frame["repo"] == "shop").all()


def test_import_stays_cheap() -> None:
    code = (
        "import sys, qroi; print('pandas' in sys.modules, 'sqlalchemy' in sys.modules, callable(qroi.open))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False", "True"]


def test_open_refuses_a_missing_store(tmp_path: Path) -> None:
    with pytest.raises(QroiError, match="no store at"):
        qroi.open(tmp_path / "missing.db")
    assert not (tmp_path / "missing.db").exists()


def test_an_unknown_table_is_one_clear_error(shop_db: Path) -> None:
    with qroi.open(shop_db) as store, pytest.raises(QroiError, match="unknown table 'nope'"):
        store.table("nope")


def test_docs_notebook_is_stripped_and_executes(tmp_path: Path) -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code), "strip the notebook's outputs"
    NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert errors == []
    printed = "".join(o.get("text", "") for c in code for o in c.outputs if o.output_type == "stream")
    assert "functions are ranked C or worse" in printed
    claim = next(c for c in code if "store.claim(" in c.source)
    assert "hypothesis" in claim.outputs[0]["data"]["text/plain"]
