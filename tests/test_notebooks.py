"""Notebooks are scored as Radon scores them (`radon cc|raw|mi|hal --include-ipynb`), and broken ones are flagged."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import select, update
from sqlmodel import col

from qroi.check.compare import run_check
from qroi.core import roles
from qroi.sample_repos import notebooks
from qroi.sample_repos.build import build
from qroi.scoring.notebooks import score_notebook
from qroi.store import database, models
from tests.conftest import git, run_qroi

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


def assert_equals_radon(metrics: Mapping[str, Any], functions: list[Mapping[str, Any]], path: Path) -> None:
    """A notebook's file metrics and functions (scorer result or stored rows) are Radon's CLI output."""
    blocks = [b for b in radon("cc", path) if b["type"] != "class"]
    assert sorted(
        (f["name"], f["class_name"], f["lineno"], f["endline"], f["complexity"], f["rank"]) for f in functions
    ) == sorted(
        (b["name"], b.get("classname"), b["lineno"], b["endline"], b["complexity"], b["rank"]) for b in blocks
    )
    raw = radon("raw", path)
    assert {k: metrics[k] for k in raw} == raw
    mi = radon("mi", path)
    assert metrics["mi"] == pytest.approx(mi["mi"], rel=1e-12) and metrics["mi_rank"] == mi["rank"]
    hal = radon("hal", path)["total"]
    assert metrics["h_volume"] == pytest.approx(hal["volume"], rel=1e-12)
    assert metrics["h_effort"] == pytest.approx(hal["effort"], rel=1e-12)


def test_notebook_scores_equal_radon(analysis: Path) -> None:
    scored = score_notebook("nb", analysis.read_bytes())
    assert scored.error_kind is None, scored.error
    assert_equals_radon(scored.metrics, scored.functions, analysis)
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


def _stored(db: Path, blob: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The `blobs` row of a blob and its `functions` rows, read straight from the SQLite store."""
    engine = database.connect(str(db))
    with engine.connect() as conn:
        row = conn.execute(select(models.Blob).where(models.Blob.blob == blob)).mappings().one()
        functions = conn.execute(select(models.Function).where(models.Function.blob == blob)).mappings().all()
    engine.dispose()
    return dict(row), [dict(f) for f in functions]


def _blob(repo: Path, rev: str, path: str) -> str:
    return git(repo, "rev-parse", f"{rev}:{path}").strip()


def _files_export(db: Path, out: Path) -> pd.DataFrame:
    done = run_qroi("export", "files", "--db", str(db), "--out", str(out))
    assert done.returncode == 0, done.stderr
    return pd.read_csv(out).set_index("path")


def test_ingest_stores_notebook_scores_equal_radon(tmp_path: Path) -> None:
    repo = notebooks.build(tmp_path / "lab")
    db = tmp_path / "lab.db"
    done = run_qroi("ingest", "--no-headline", str(repo), "--db", str(db), "--quiet")
    assert done.returncode == 0, done.stderr
    # module, two notebook versions, the malformed notebook; only the malformed one is unscored
    assert "1 of 4 Python blobs unscored" in done.stderr, done.stderr
    versions = {"HEAD~2": notebooks.first_version(), "HEAD": notebooks.analysis()}
    for rev, data in versions.items():
        path = tmp_path / f"{rev.replace('~', '-')}.ipynb"
        path.write_bytes(data)
        row, functions = _stored(db, _blob(repo, rev, notebooks.NOTEBOOK))
        assert row["error_kind"] is None, row["error"]
        assert row["size_bytes"] == len(data)
        assert_equals_radon(row, functions, path)
    broken, _ = _stored(db, _blob(repo, "HEAD", notebooks.MALFORMED))
    assert broken["error_kind"] == "notebook" and broken["sloc"] is None

    files = _files_export(db, tmp_path / "files.csv")
    assert files.loc[notebooks.NOTEBOOK, "role"] == "notebook"
    assert files.loc[notebooks.MODULE, "role"] == roles.PRODUCT
    head, head_functions = _stored(db, _blob(repo, "HEAD", notebooks.NOTEBOOK))
    assert files.loc[notebooks.NOTEBOOK, "cc_max"] == head["cc_max"] >= 11
    assert files.loc[notebooks.NOTEBOOK, "commits"] == 2
    assert files.loc[notebooks.MALFORMED, "parse_error"].startswith("notebook: ")
    out = tmp_path / "functions.csv"
    assert run_qroi("export", "functions", "--db", str(db), "--out", str(out)).returncode == 0
    exported = pd.read_csv(out).astype(object).where(lambda d: d.notna(), None)
    keys = ["name", "class_name", "lineno", "complexity", "rank"]
    assert sorted(
        tuple(r) for r in exported[exported["path"] == notebooks.NOTEBOOK][keys].values.tolist()
    ) == sorted(tuple(f[k] for k in keys) for f in head_functions)


def test_an_existing_store_scores_only_new_blobs_notebooks_included(tmp_path: Path) -> None:
    """A store written before ingest scored notebooks holds none of their blobs (and its notebook
    changes are not marked as scored files); the next ingest scores just the blobs it lacks."""
    repo = notebooks.build(tmp_path / "lab")
    db = tmp_path / "lab.db"
    assert run_qroi("ingest", "--no-headline", str(repo), "--db", str(db), "--quiet").returncode == 0
    engine = database.connect(str(db))
    b, ch, f, hf = models.Blob, models.Change, models.Function, models.HeadFile
    with engine.begin() as conn:  # what the store held before: no trace of notebook scores
        nb_blobs = select(ch.new_blob).where(col(ch.path).like("%.ipynb"))
        conn.execute(f.__table__.delete().where(col(f.blob).in_(nb_blobs)))
        conn.execute(b.__table__.delete().where(col(b.blob).in_(nb_blobs)))
        conn.execute(update(ch).where(col(ch.path).like("%.ipynb")).values(is_python=False))
        conn.execute(hf.__table__.delete().where(col(hf.path).like("%.ipynb")))
        before = {r.blob: r.score_seconds for r in conn.execute(select(b.blob, b.score_seconds))}
    notebooks.commit(
        repo,
        {notebooks.MODULE: b"def size(rows):\n    return sum(1 for r in rows if r)\n"},
        "Count",
        1_800_000_000,
    )

    done = run_qroi("ingest", "--no-headline", str(repo), "--db", str(db), "--quiet")
    assert done.returncode == 0, done.stderr
    # the new module blob, and the two notebooks at HEAD (found in the tree the run starts from)
    assert "1 new commits" in done.stderr and "; 3 blobs scored" in done.stderr, done.stderr
    with engine.connect() as conn:
        after = {r.blob: r.score_seconds for r in conn.execute(select(b.blob, b.score_seconds))}
    engine.dispose()
    assert {k: after[k] for k in before} == before  # nothing stored was scored again
    assert set(after) - set(before) == {
        _blob(repo, "HEAD", p) for p in (notebooks.MODULE, notebooks.NOTEBOOK, notebooks.MALFORMED)
    }
    files = _files_export(db, tmp_path / "files.csv")
    assert (
        files.loc[notebooks.NOTEBOOK, "role"] == "notebook" and files.loc[notebooks.NOTEBOOK, "cc_max"] >= 11
    )

    again = run_qroi("ingest", "--no-headline", str(repo), "--db", str(db), "--quiet")
    assert again.returncode == 0 and "; 0 blobs scored" in again.stderr, again.stderr
