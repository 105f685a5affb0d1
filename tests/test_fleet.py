"""Many repositories: a local pool, a Dask cluster on PostgreSQL, and safe concurrent ingests."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from qroi.sample_repos.build import build
from qroi.store import database
from tests.conftest import ROOT, run_qroi
from tests.storedump import dump
from tests.test_postgres import pg_url  # noqa: F401  (fixture: a fresh PostgreSQL database)

pytestmark = pytest.mark.xdist_group("fleet")


@pytest.fixture(scope="module")
def three(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    root = tmp_path_factory.mktemp("fleet")
    return [build("demo", root / f"svc{seed}", seed=seed) for seed in (1, 2, 3)]


@pytest.fixture(scope="module")
def alone(three: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Engine]]:
    """Each of the three ingested on its own by `qroi ingest`: the store every fleet path must equal.

    Built once for the module (three ingests, not three per test); the tests only read them.
    """
    root = tmp_path_factory.mktemp("alone")
    engines = {}
    for repo in three:
        single = root / f"{repo.name}.db"
        done = run_qroi("ingest", "--no-headline", str(repo), "--db", str(single), "--quiet")
        assert done.returncode == 0, done.stderr
        engines[repo.name] = database.connect(str(single))
    yield engines
    for engine in engines.values():
        engine.dispose()


def _listing(tmp_path: Path, repos: list[Path], extra: list[str] = ()) -> Path:
    path = tmp_path / "repos.txt"
    path.write_text("# our services\n" + "\n".join([*map(str, repos), *extra]) + "\n\n")
    return path


def test_local_pool_ingests_all_and_reports_failures(
    three: list[Path], alone: dict[str, Engine], tmp_path: Path
) -> None:
    db = tmp_path / "fleet.db"
    listing = _listing(tmp_path, three, [str(tmp_path / "missing-repo")])
    result = run_qroi("ingest", "--from", str(listing), "--workers", "2", "--db", str(db))
    assert result.returncode == 2  # one repository failed; the others are stored
    assert "ingested 3 of 4 repositories" in result.stderr and "1 failed" in result.stderr
    assert "no such path" in result.stdout
    engine = database.connect(str(db))
    for repo in three:
        assert dump(engine, repo.name) == dump(alone[repo.name], repo.name)


def test_concurrent_ingests_of_different_repositories_are_safe(
    three: list[Path], alone: dict[str, Engine], tmp_path: Path
) -> None:
    db = tmp_path / "shared.db"
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "qroi",
                "ingest",
                str(repo),
                "--db",
                str(db),
                "--quiet",
                "--batch-size",
                "50",
                "--workers",
                "1",
            ],
            cwd=ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )
        for repo in three
    ]
    outcomes = [(p.wait(timeout=600), p.stderr.read()) for p in procs]
    assert all(code == 0 for code, _ in outcomes), outcomes
    engine = database.connect(str(db))
    for repo in three:
        assert dump(engine, repo.name) == dump(alone[repo.name], repo.name)


def test_a_second_ingest_of_the_same_repository_is_refused(tmp_path: Path) -> None:
    repo = build("large", tmp_path / "big", commits=1500)
    db = tmp_path / "same.db"
    first = subprocess.Popen(
        [sys.executable, "-m", "qroi", "ingest", str(repo), "--db", str(db), "--quiet"],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob("same.db.lock-*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    second = run_qroi("ingest", str(repo), "--db", str(db))
    assert first.wait(timeout=600) == 0, first.stderr.read()
    assert second.returncode == 2
    assert "another qroi ingest of 'big' is running on this store" in second.stderr
    third = run_qroi("ingest", str(repo), "--db", str(db))  # after the first finished: fine, nothing new
    assert third.returncode == 0 and "up to date" in third.stderr


CLUSTER = """
import subprocess, sys
from distributed import LocalCluster

if __name__ == "__main__":
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        done = subprocess.run([sys.executable, "-m", "qroi", *sys.argv[1:], "--scheduler", cluster.scheduler_address])
    sys.exit(done.returncode)
"""


@pytest.mark.postgres
def test_dask_cluster_of_real_workers_into_postgres(
    three: list[Path],
    alone: dict[str, Engine],
    pg_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    # The cluster runs in a process of its own: Dask's spawned workers re-import the parent's
    # __main__, which inside pytest can be anything a previous test left there.
    script = tmp_path / "cluster.py"
    script.write_text(CLUSTER)
    listing = _listing(tmp_path, three)
    result = subprocess.run(
        [sys.executable, str(script), "ingest", "--from", str(listing), "--db", pg_url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert "ingested 3 of 3 repositories" in result.stderr
    engine = database.connect(pg_url)
    for repo in three:
        assert dump(engine, repo.name) == dump(alone[repo.name], repo.name)


def test_scheduler_needs_a_server_store(three: list[Path], tmp_path: Path) -> None:
    result = run_qroi(
        "ingest",
        "--from",
        str(_listing(tmp_path, three)),
        "--db",
        str(tmp_path / "x.db"),
        "--scheduler",
        "tcp://127.0.0.1:9",
    )
    assert result.returncode == 2 and "server database URL" in result.stderr
