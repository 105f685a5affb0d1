"""Per-change delivery figures (median lead time, bug-inducing and reverted commits) are one
definition: `qroi summary` prints them and the dashboard's Overview and Delivery pages show the
same values, merges left out by both.

The store is the demo history (its release tags ship merges, so a merge-inclusive median differs)
plus, committed with git on top, a merge that wrote a line of its own and a bug fix that changes
that line, so SZZ blames a merge.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from qroi.read import export
from qroi.sample_repos.build import build
from qroi.store import database
from tests.conftest import run_qroi

pytestmark = pytest.mark.xdist_group("dashboard")

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")


def _git(repo: Path, *args: str, when: str = "2023-09-01T10:00:00+00:00") -> str:
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(repo),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Evil Merger",
        "GIT_AUTHOR_EMAIL": "merger@acme.example",
        "GIT_COMMITTER_NAME": "Evil Merger",
        "GIT_COMMITTER_EMAIL": "merger@acme.example",
        "GIT_AUTHOR_DATE": when,
        "GIT_COMMITTER_DATE": when,
    }
    done = subprocess.run(
        ["git", "-C", str(repo), *args], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


def _python_files(repo: Path) -> list[str]:
    return sorted(p for p in _git(repo, "ls-files", "src/widget").split() if p.endswith(".py"))


def _append(repo: Path, path: str, line: str) -> None:
    with (repo / path).open("a", encoding="utf-8") as out:
        out.write(f"\n{line}\n")


@pytest.fixture(scope="module")
def blamed_merge_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo history, then a merge that adds a line neither parent has, then a fix of that line."""
    root = tmp_path_factory.mktemp("outcomes")
    repo = build("demo", root / "widget")
    target, side_file, main_file = _python_files(repo)[:3]
    _git(repo, "switch", "-q", "-c", "side")
    _append(repo, side_file, "SIDE_FLAG = 1")
    _git(repo, "commit", "-q", "-am", "Add a side flag", when="2023-09-01T10:00:00+00:00")
    _git(repo, "switch", "-q", "main")
    _append(repo, main_file, "MAIN_FLAG = 1")
    _git(repo, "commit", "-q", "-am", "Add a main flag", when="2023-09-02T10:00:00+00:00")
    _git(repo, "merge", "-q", "--no-ff", "--no-commit", "side", when="2023-09-03T10:00:00+00:00")
    _append(repo, target, "LIMIT = 10")  # written by the merge itself: blame lands on the merge
    _git(repo, "add", target)
    _git(repo, "commit", "-q", "-m", "Merge branch 'side'", when="2023-09-03T10:00:00+00:00")
    text = (repo / target).read_text(encoding="utf-8").replace("LIMIT = 10", "LIMIT = 100")
    (repo / target).write_text(text, encoding="utf-8")
    _git(
        repo, "commit", "-q", "-am", "Fix crash when the limit is too small", when="2023-09-04T10:00:00+00:00"
    )
    db = root / "qroi.db"
    done = run_qroi("ingest", "--no-headline", str(repo), "--db", str(db), "--quiet")
    assert done.returncode == 0, done.stderr
    return db


def _summary_figures(db: Path) -> dict[str, str]:
    """The delivery rows of `qroi summary` as printed: label -> value."""
    done = run_qroi("summary", "widget", "--db", str(db))
    assert done.returncode == 0, done.stderr
    rows = {}
    for line in done.stdout.splitlines():
        cells = [c.strip() for c in line.strip("│ ").split("│")]
        if len(cells) == 2 and cells[0]:
            rows[cells[0]] = cells[1]
    return rows


def _count(text: str) -> int:
    return int(text.replace(",", ""))


def _page(db: Path, monkeypatch: pytest.MonkeyPatch, page: str | None = None) -> AppTest:
    monkeypatch.setenv("QROI_DB", str(db))
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(APP, default_timeout=90)
    if page:
        at.switch_page(f"views/{page}.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_merge_blamed_by_szz_exists_in_the_store(blamed_merge_db: Path) -> None:
    """The premise of the comparison below: SZZ blamed the merge, so a merge-inclusive count differs."""
    with sqlite3.connect(blamed_merge_db) as conn:
        ((merges,),) = conn.execute(
            "SELECT count(DISTINCT b.inducing_commit_id) FROM bug_links b JOIN commits c "
            "ON c.id = b.inducing_commit_id WHERE c.is_merge"
        ).fetchall()
    assert merges == 1


def test_dashboard_delivery_figures_equal_qroi_summary(
    blamed_merge_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli = _summary_figures(blamed_merge_db)
    lead = cli["median lead time to release"]
    inducing = cli["bug-inducing commits (SZZ)"]
    reverted = cli["reverted commits"]
    total, merges = re.fullmatch(r"([\d,]+) \(([\d,]+)\)", cli["commits (merges)"]).groups()
    changes = _count(total) - _count(merges)

    at = _page(blamed_merge_db, monkeypatch, "delivery")
    cards = {m.label: m for m in at.metric}
    assert cards["Bug-inducing"].value == f"{_count(inducing) / changes * 100:.1f}%"
    assert cards["Bug-inducing"].delta == f"{inducing} of {changes:,}"
    assert cards["Changes reverted"].value == f"{_count(reverted) / changes * 100:.1f}%"
    assert cards["Changes reverted"].delta == f"{reverted} of {changes:,}"
    assert cards["Median lead time"].value == lead

    at = _page(blamed_merge_db, monkeypatch)
    releases = next(m for m in at.metric if m.label == "Releases")
    assert releases.delta == f"median lead time {lead}"


def test_each_release_median_lead_time_leaves_merges_out(blamed_merge_db: Path) -> None:
    """The releases export's per-release median is over the same changes as every lead-time figure."""
    engine = database.connect(str(blamed_merge_db))
    commits = export.table(engine, "commits", "widget")
    releases = export.table(engine, "releases", "widget")
    engine.dispose()
    changes = commits[~commits["is_merge"].astype(bool)]
    expected = changes.groupby("first_release")["lead_time_days"].median()
    shipped_merges = commits[commits["is_merge"].astype(bool)]["first_release"].dropna()
    assert len(shipped_merges), "some release ships a merge, so merges would move its median"
    for tag, median in zip(releases["tag"], releases["median_lead_time_days"], strict=True):
        assert median == pytest.approx(expected[tag]), tag
