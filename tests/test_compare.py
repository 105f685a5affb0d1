"""`qroi compare` and the Compare page on the `regression` sample: a regression planted between two tags.

The planted facts come from the manifest; every figure is checked against git (the tree and the
commits between), Radon run on `git show TAG:PATH`, and the store's own repository-level `py_*`
columns, never against numbers typed here.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import streamlit as st
from radon.complexity import cc_visit
from radon.metrics import mi_visit
from radon.raw import analyze
from radon.visitors import ComplexityVisitor, Function
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from qroi.core import roles
from qroi.read import compare, export, hotspots
from qroi.sample_repos import truth
from qroi.sample_repos.build import build
from qroi.store import database
from tests.conftest import git, ingested, run_qroi

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
REPO = "shop"


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict]:
    root = tmp_path_factory.mktemp("compare")
    repo = build("regression", root / REPO)
    db = ingested(repo, root, "shop.db")
    return repo, db, truth.load(repo)["notes"]["regression"][0]


@pytest.fixture(scope="module")
def result(planted):  # type: ignore[no-untyped-def]
    _, db, _ = planted
    return compare.compare(database.connect(str(db)), REPO)


def test_default_is_the_last_two_releases_and_the_planted_regression_shows(result, planted) -> None:  # type: ignore[no-untyped-def]
    repo, _, notes = planted
    assert (result.old.label, result.new.label) == (notes["old"], notes["new"])
    assert (result.old.sha, result.new.sha) == (notes["old_commit"], notes["new_commit"])
    between = int(git(repo, "rev-list", "--count", f"{notes['old']}..{notes['new']}"))
    assert result.commits_between == between
    crossed = {row.name: (row.complexity_new, row.status) for row in result.functions.itertuples()}
    assert {name: cc for name, (cc, _) in crossed.items()} == notes["crossed"]
    assert crossed["lookup"][1] == "new" and crossed["price"][1] == "rose"
    worse = result.worse_files
    assert notes["worse"] in set(worse["path"])
    assert worse.iloc[0]["mi_delta"] <= worse[worse["path"] == notes["worse"]].iloc[0]["mi_delta"]
    assert notes["worse"] in set(result.new_hotspots["path"])
    status = dict(zip(result.files["path"], result.files["status"], strict=True))
    assert status[notes["added"]] == "added" and status[notes["removed"]] == "removed"
    row = result.files[result.files["path"] == notes["worse"]].iloc[0]
    assert row["commits_between"] == notes["edits"]


def test_both_trees_and_their_scores_are_git_and_radon(result, planted) -> None:  # type: ignore[no-untyped-def]
    repo, _, _ = planted
    for side, rev in (("old", result.old), ("new", result.new)):
        listed = git(repo, "ls-tree", "-r", "--name-only", rev.sha).split("\n")
        product = {p for p in listed if p.endswith(".py") and roles.role_of(p) == roles.PRODUCT}
        present = result.files[result.files[f"{side}_blob"].notna()]
        assert set(present["path"]) == product, side
        for row in present.itertuples():
            source = git(repo, "show", f"{rev.sha}:{row.path}")
            blocks = [b for b in cc_visit(source) if isinstance(b, Function)]
            assert getattr(row, f"sloc_{side}") == analyze(source).sloc
            assert getattr(row, f"mi_{side}") == pytest.approx(mi_visit(source, True), abs=1e-9)
            assert getattr(row, f"cc_total_{side}") == ComplexityVisitor.from_code(source).total_complexity
            assert getattr(row, f"functions_{side}") == len(blocks)
            assert getattr(row, f"c_or_worse_{side}") == sum(b.complexity >= 11 for b in blocks)


def test_every_role_totals_equal_the_stores_repository_quality(planted) -> None:  # type: ignore[no-untyped-def]
    _, db, notes = planted
    engine = database.connect(str(db))
    every = compare.compare(engine, REPO, notes["old"], notes["new"], frozenset(roles.names()))
    with engine.connect() as conn:
        for side, rev in (("old", every.old), ("new", every.new)):
            stored = conn.execute(
                text(
                    "SELECT py_files, py_sloc, py_cc_total, py_functions, py_c_or_worse, py_mi FROM commits WHERE sha = :s"
                ),
                {"s": rev.sha},
            ).one()
            t = every.totals.loc[side]
            assert (t["files"], t["sloc"], t["cc_total"], t["functions"], t["c_or_worse"]) == tuple(
                stored[:5]
            )
            assert t["mi"] == pytest.approx(stored[5], abs=1e-5)
    folders = every.folders
    assert folders["sloc_new"].sum() == every.totals.loc["new", "sloc"]


def test_ranks_at_head_are_the_hotspots_pages(planted) -> None:  # type: ignore[no-untyped-def]
    _, db, notes = planted
    engine = database.connect(str(db))
    at_head = compare.compare(engine, REPO, notes["old"], "HEAD")
    ranked = at_head.files.dropna(subset=["hotspot_rank_new"]).sort_values("hotspot_rank_new")
    hot = hotspots.hotspots(engine, REPO)
    assert list(ranked["path"]) == list(hot[hot["score"] > 0]["path"])


def test_cli_prints_the_comparison_writes_its_csv_and_refuses_an_unknown_revision(
    planted, result, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    _, db, notes = planted
    out = tmp_path / "files.csv"
    done = run_qroi("compare", REPO, "--db", str(db), "--out", str(out), "--format", "json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["commits_between"] == result.commits_between
    assert {f["name"] for f in data["crossed_functions"]} == set(notes["crossed"])
    assert out.read_text() == export.csv_text(result.files)
    assert f"{result.commits_between:,} commits between" in done.stderr
    table = run_qroi("compare", REPO, "--db", str(db))
    assert table.returncode == 0 and "│ price " in table.stdout and "nan." not in table.stdout
    bad = run_qroi("compare", REPO, notes["old"], "v9.9.9", "--db", str(db))
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "v9.9.9" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_compare_page_shows_the_same_figures(planted, result, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _, db, notes = planted
    monkeypatch.setenv("QROI_DB", str(db))
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page("views/compare.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert (at.selectbox(key="compare_old").value, at.selectbox(key="compare_new").value) == (
        notes["old"],
        notes["new"],
    )
    worse, folders_shown, functions, hot = (d.value for d in at.dataframe)
    assert list(worse["path"]) == list(result.worse_files["path"])
    qualified = [
        f"{c}.{n}" if isinstance(c, str) else n
        for c, n in zip(result.functions["class_name"], result.functions["name"], strict=True)
    ]
    assert list(functions["function"]) == qualified and "Rates.lookup" in qualified
    assert set(hot["path"]) == set(result.new_hotspots["path"])
    cards = {m.label: m.value for m in at.metric}
    assert cards["Commits between"] == f"{result.commits_between:,}"
    assert cards["Total complexity"] == f"{result.totals.loc['new', 'cc_total']:,}"
    csv_rows = list(csv.reader(io.StringIO(export.csv_text(result.files))))
    assert len(csv_rows) == len(result.files) + 1
