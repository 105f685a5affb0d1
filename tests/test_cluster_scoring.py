"""One repository's blobs scored on a Dask cluster: the same store as a local run, a dead parent's
tasks dropped, an unreachable scheduler refused in one line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from qroi.store import database
from tests.conftest import ROOT, run_qroi
from tests.storedump import dump

pytestmark = pytest.mark.xdist_group("fleet")

# The cluster runs in a process of its own (as in test_fleet): Dask's spawned workers re-import the
# parent's __main__. A scheduler plugin counts the scoring tasks each worker finished, so the test
# knows the blobs were scored there and not in the ingest process.
CLUSTER = """
import json, subprocess, sys, time
from collections import Counter
from distributed import LocalCluster
from distributed.diagnostics.plugin import SchedulerPlugin


class Scored(SchedulerPlugin):
    def __init__(self):
        self.by_worker = Counter()

    def transition(self, key, start, finish, *args, **kwargs):
        if finish == "memory" and str(key).startswith("_score_many") and kwargs.get("worker"):
            self.by_worker[kwargs["worker"]] += 1


def scoring_tasks(scheduler, states):
    return sum(1 for k, t in list(scheduler.tasks.items()) if str(k).startswith("_score_many") and t.state in states)


if __name__ == "__main__":
    mode, args = sys.argv[1], sys.argv[2:]
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        scored = Scored()
        cluster.scheduler.add_plugin(scored)
        command = [sys.executable, "-m", "qroi", *args, "--scheduler", cluster.scheduler_address]
        report = {}
        if mode == "run":
            done = subprocess.run(command, capture_output=True, text=True)
            report.update(code=done.returncode, stderr=done.stderr)
        else:  # kill: SIGKILL the ingest while its scoring tasks are on the cluster
            proc = subprocess.Popen(command)
            deadline = time.monotonic() + 120
            while not scoring_tasks(cluster.scheduler, ("processing",)) and time.monotonic() < deadline:
                time.sleep(0.02)
            report["queued_at_kill"] = scoring_tasks(cluster.scheduler, ("processing", "queued", "no-worker", "waiting"))
            proc.kill()
            proc.wait()
            deadline = time.monotonic() + 60
            while scoring_tasks(cluster.scheduler, ("processing", "queued", "waiting", "memory")) and time.monotonic() < deadline:
                time.sleep(0.1)
            report["left"] = scoring_tasks(cluster.scheduler, ("processing", "queued", "waiting", "memory"))
            report["workers"] = len(cluster.scheduler.workers)
        report["by_worker"] = dict(scored.by_worker)
    print(json.dumps(report))
"""


def _on_cluster(tmp_path: Path, mode: str, *args: str) -> dict:
    script = tmp_path / "cluster.py"
    script.write_text(CLUSTER)
    done = subprocess.run(
        [sys.executable, str(script), mode, *args], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_one_repository_scored_on_the_cluster_stores_what_a_local_run_does(
    demo_repo: Path, demo_db: Path, tmp_path: Path
) -> None:
    db = tmp_path / "cluster.db"
    report = _on_cluster(tmp_path, "run", "ingest", str(demo_repo), "--db", str(db), "--quiet")
    assert report["code"] == 0, report["stderr"]
    assert sum(report["by_worker"].values()) > 1  # batches went to the workers, not scored here
    local, distributed = database.connect(str(demo_db)), database.connect(str(db))
    assert dump(distributed, "widget") == dump(local, "widget")  # demo_db: a local run, 2 processes


def test_the_cluster_drops_the_tasks_of_an_ingest_that_was_killed(demo_repo: Path, tmp_path: Path) -> None:
    db = tmp_path / "killed.db"
    report = _on_cluster(tmp_path, "kill", "ingest", str(demo_repo), "--db", str(db), "--quiet")
    assert report["queued_at_kill"] > 0  # killed while scoring, not before or after
    assert report["left"] == 0  # nothing of the dead run is computed or held any more
    assert report["workers"] == 2  # the workers themselves go on serving other clients


def test_an_unreachable_scheduler_is_one_line_and_stores_nothing(demo_repo: Path, tmp_path: Path) -> None:
    db = tmp_path / "none.db"
    result = run_qroi("ingest", str(demo_repo), "--db", str(db), "--scheduler", "tcp://127.0.0.1:9")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "qroi: error: cannot reach the Dask scheduler at tcp://127.0.0.1:9: Connection refused"
    ]
    with database.connect(str(db)).connect() as conn:
        assert conn.exec_driver_sql("select count(*) from repos").scalar_one() == 0
