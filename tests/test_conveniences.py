"""What a new user hits at once: commands that pick the only stored repository, and JSON output."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from qroi.cli import summary as summary_report
from qroi.ingest.pipeline import IngestOptions, ingest
from qroi.read import queries
from qroi.sample_repos.build import build
from qroi.store import database
from tests.conftest import git, ingested, run_qroi


@pytest.fixture(scope="module")
def shop_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build("pull_request", tmp_path_factory.mktemp("repos") / "shop")


@pytest.fixture(scope="module")
def one_repo_db(tmp_path_factory: pytest.TempPathFactory, shop_repo: Path) -> Path:
    return ingested(shop_repo, tmp_path_factory.mktemp("stores"), "one.db")


@pytest.fixture(scope="module")
def two_repo_db(tmp_path_factory: pytest.TempPathFactory, one_repo_db: Path) -> Path:
    path = tmp_path_factory.mktemp("stores") / "two.db"
    shutil.copy(one_repo_db, path)
    repo = build("pull_request", tmp_path_factory.mktemp("repos") / "other", commits=60)
    engine = database.connect(str(path))
    ingest(engine, str(repo), IngestOptions(workers=1))
    engine.dispose()
    return path


@pytest.mark.parametrize(
    ("without", "with_name"),
    [
        (("export", "commits"), ("export", "commits", "--repo", "shop")),
        (("export", "functions"), ("export", "functions", "-r", "shop")),
        (("summary",), ("summary", "shop")),
        (("ai",), ("ai", "shop")),
        (("analyze", "--boot", "0"), ("analyze", "shop", "--boot", "0")),
    ],
)
def test_the_only_stored_repository_is_picked(
    one_repo_db: Path, without: tuple[str, ...], with_name: tuple[str, ...]
) -> None:
    picked = run_qroi(*without, "--db", str(one_repo_db))
    named = run_qroi(*with_name, "--db", str(one_repo_db))
    assert picked.returncode == named.returncode == 0, picked.stderr
    assert picked.stdout == named.stdout and picked.stdout


@pytest.mark.parametrize("command", [("export", "commits"), ("summary",), ("ai",), ("analyze",)])
def test_several_stored_repositories_must_be_named(two_repo_db: Path, command: tuple[str, ...]) -> None:
    done = run_qroi(*command, "--db", str(two_repo_db))
    assert done.returncode == 2
    assert (
        done.stderr.strip() == "qroi: error: the store holds 2 repositories; name one (stored: other, shop)"
    )


def test_repos_as_json(two_repo_db: Path) -> None:
    done = run_qroi("repos", "--format", "json", "--db", str(two_repo_db))
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    engine = database.connect(str(two_repo_db))
    stored = queries.repos(engine)
    engine.dispose()
    assert [(r["name"], r["commits"], r["head_sha"]) for r in rows] == list(
        zip(stored["name"], stored["commits"].astype(int), stored["head_sha"], strict=True)
    )
    assert done.stderr.startswith("2 repositories, ")


def test_summary_as_json_has_the_report_figures(one_repo_db: Path, shop_repo: Path) -> None:
    done = run_qroi("summary", "--format", "json", "--top", "3", "--db", str(one_repo_db))
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    engine = database.connect(str(one_repo_db))
    data = summary_report.gather(engine, "shop", 3)
    engine.dispose()
    head = data.commits.iloc[-1]
    assert (
        report["overview"]["commits"]
        == len(data.commits)
        == int(git(shop_repo, "rev-list", "--count", "main"))
    )
    assert report["overview"]["py_mi"] == pytest.approx(float(head["py_mi"]))
    assert [h["path"] for h in report["hotspots"]] == list(data.hotspots["path"])
    assert report["hotspots"][0]["path"] == "src/widget/cart.py"
    assert len(report["trend"]) == len(data.trend)


@pytest.mark.parametrize("command", [("repos",), ("summary",)])
def test_unknown_format_is_refused(one_repo_db: Path, command: tuple[str, ...]) -> None:
    done = run_qroi(*command, "--format", "yaml", "--db", str(one_repo_db))
    assert done.returncode == 2
    assert done.stderr.strip() == "qroi: error: --format must be table or json, not 'yaml'"
