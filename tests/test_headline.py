"""The first screen answers "does quality pay here?": the claim test's headline, cached by `qroi ingest`.

Real planted histories (an effect, none and a confounder, from `sample_repos`), brought up to date by
the CLI as a user does, so the cache is the one the command writes; the cached verdicts are
compared with a fresh run of the claim test, never with values written here.
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from qroi.analysis import headline
from qroi.analysis.claim import claim_test
from qroi.ingest.pipeline import IngestOptions, ingest
from qroi.sample_repos.build import build
from qroi.store import database
from tests.conftest import CLAIM_KINDS, ClaimHistories, copy_store, run_qroi

pytestmark = pytest.mark.xdist_group("headline")

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
KINDS = CLAIM_KINDS


@pytest.fixture(scope="module")
def planted(
    claim_histories: ClaimHistories, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, Engine, dict[str, str]]]:
    """The planted claim histories, each brought up to date by `qroi ingest` in a copy of their store.

    The library ingest that stored them caches no headline; the command does, as a user runs it.
    """
    db = copy_store(claim_histories.db, tmp_path_factory.mktemp("headline") / "claim.db")
    said = {}
    for kind in KINDS:
        assert headline.load(database.connect(str(db)), kind) is None
        done = run_qroi("ingest", str(claim_histories.repos[kind]), "--db", str(db), "--workers", "2")
        assert done.returncode == 0, done.stderr
        said[kind] = done.stderr
    engine = database.connect(str(db))
    yield db, engine, said
    engine.dispose()


def _stored(db: Path, repo: str) -> tuple[int, int, str | None]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT h.computed_ts, h.commits, h.head_sha FROM headlines h JOIN repos r ON r.id = h.repo_id "
            "WHERE r.name = ?",
            (repo,),
        ).fetchone()


def test_ingest_caches_the_verdict_of_the_claim_test(planted) -> None:
    db, engine, said = planted
    for kind in KINDS:
        cached = headline.load(engine, kind)
        assert cached is not None, kind
        quick = claim_test(engine, [kind], None, ["defects"], headline.WINDOW, headline.SESOI, 0)
        assert [(f.name, f.verdict, f.ratio, f.ci_low, f.ci_high) for f in cached.findings] == [
            (h.name, h.verdict, h.adjusted.ratio, h.adjusted.ci_low, h.adjusted.ci_high)
            for h in quick.report.hypotheses
        ]
        assert f"does quality pay: {cached.answer} (cached for the dashboard)" in said[kind]
        with sqlite3.connect(db) as conn:
            commits = conn.execute(
                "SELECT count(*) FROM commits c JOIN repos r ON r.id = c.repo_id WHERE r.name = ?", (kind,)
            ).fetchone()[0]
        assert _stored(db, kind)[1] == commits
    # The planted effect is found, the null is not taken for one.
    assert headline.load(engine, "effect").answer == "yes"
    assert headline.load(engine, "null").answer != "yes"


def test_answer_in_plain_words_first() -> None:
    for sentence in headline.PLAIN.values():
        first = sentence.split(":")[0] + sentence.split(":")[1].split(",")[0]
        for jargon in ("Holm", "TOST", "power", "SD", "sloc", "mi ", "bugfix_commits"):
            assert jargon not in first


def _commit(repo: Path, path: str, text: str) -> None:
    (repo / path).write_text(text)
    env = {
        "GIT_AUTHOR_NAME": "New Dev",
        "GIT_AUTHOR_EMAIL": "new@dev.example",
        "GIT_COMMITTER_NAME": "New Dev",
        "GIT_COMMITTER_EMAIL": "new@dev.example",
        "PATH": "/usr/bin:/bin",
    }
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True, env=env)
    subprocess.run(["git", "-C", str(repo), "commit", "-q", "-m", "Add a module"], check=True, env=env)


def test_cached_headline_is_stale_once_the_store_gains_commits(tmp_path: Path) -> None:
    repo = build("large", tmp_path / "gadget", commits=40, seed=3)
    db = tmp_path / "s.db"
    assert run_qroi("ingest", str(repo), "--db", str(db)).returncode == 0
    engine = database.connect(str(db))
    first = _stored(db, "gadget")
    assert headline.load(engine, "gadget") is not None
    # Nothing new: the cached headline is kept, not computed again, nor the statistics loaded.
    again = run_qroi("ingest", str(repo), "--db", str(db), env={"PYTHONPROFILEIMPORTTIME": "1"})
    assert again.returncode == 0 and "does quality pay:" in again.stderr
    assert not re.search(r"\|\s+(statsmodels|pandas)$", again.stderr, re.MULTILINE)
    assert _stored(db, "gadget") == first
    _commit(repo, "late_module.py", "def late():\n    return 1\n")
    ingest(engine, str(repo), IngestOptions(workers=1))  # the library alone: no headline refresh
    assert headline.load(engine, "gadget") is None
    assert run_qroi("ingest", str(repo), "--db", str(db)).returncode == 0
    assert headline.load(engine, "gadget") is not None
    assert _stored(db, "gadget")[1] == first[1] + 1
    engine.dispose()


def test_no_headline_skips_the_statistics_and_leaves_the_cache_to_the_dashboard(tmp_path: Path) -> None:
    repo = build("large", tmp_path / "gadget", commits=40, seed=3)
    db = tmp_path / "s.db"
    done = run_qroi(
        "ingest", str(repo), "--db", str(db), "--no-headline", env={"PYTHONPROFILEIMPORTTIME": "1"}
    )
    assert done.returncode == 0, done.stderr
    assert not re.search(r"\|\s+(statsmodels|pandas)$", done.stderr, re.MULTILINE)
    assert "headline not computed (--no-headline" in done.stderr.splitlines()[-1]
    engine = database.connect(str(db))
    assert headline.load(engine, "gadget") is None
    # The next ingest with the default computes it, although it finds nothing new.
    assert "does quality pay:" in run_qroi("ingest", str(repo), "--db", str(db)).stderr
    assert headline.load(engine, "gadget") is not None
    engine.dispose()


@pytest.fixture
def app(planted, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("QROI_DB", str(planted[0]))
    st.cache_data.clear()
    st.cache_resource.clear()
    return AppTest.from_file(APP, default_timeout=120)


def _texts(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


@pytest.mark.parametrize("page", [None, "views/claim.py"])
def test_first_screen_and_claim_page_show_the_cached_answer(app: AppTest, planted, page: str | None) -> None:
    _, engine, _ = planted
    shown_repos = KINDS
    if page:
        # One repository and quick intervals, so the configured test below the answer is short.
        shown_repos = ("effect",)
        app.session_state["repos"] = list(shown_repos)
        app.query_params["claim_precision"] = "quick"
        app.switch_page(page)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    shown = _texts(app)
    for kind in shown_repos:
        cached = headline.load(engine, kind)
        first, _, rest = cached.sentence.partition(":")
        assert f">{first}</span>" in shown and rest in shown
        clearest = cached.clearest
        assert clearest is not None and clearest.plain in shown


def test_a_history_with_no_file_at_any_window_start_cannot_be_tested_yet(tmp_path: Path) -> None:
    # 60 commits over ten months, the first window starting before the first file existed.
    repo = build("regression", tmp_path / "short")
    db = tmp_path / "short.db"
    done = run_qroi("ingest", str(repo), "--db", str(db))
    assert done.returncode == 0, done.stderr
    assert "does quality pay: cannot (cached for the dashboard)" in done.stderr
    assert headline.load(database.connect(str(db)), "short").answer == "cannot"
