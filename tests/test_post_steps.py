"""The post-ingest steps overlapped (the AI-era walk in its own process beside the delivery step)
leave the store exactly as when they run one after the other."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from qroi.ingest.pipeline import IngestOptions, ingest
from qroi.sample_repos.build import build
from qroi.store import database
from tests.storedump import dump


@pytest.fixture(scope="module")
def delivery_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Releases, SZZ links, rework and a .mailmap alias: everything the delivery step writes."""
    return build("delivery", tmp_path_factory.mktemp("repos") / "delivery", commits=220)


@pytest.mark.parametrize(("scenario", "planted"), [("delivery", "releases"), ("ai_era", "ai_declarations")])
def test_overlapped_post_steps_store_what_sequential_ones_store(
    scenario: str, planted: str, tmp_path: Path, delivery_repo: Path, ai_era_repo: Path
) -> None:
    repo = delivery_repo if scenario == "delivery" else ai_era_repo
    overlapped = database.connect(str(tmp_path / "overlapped.db"))
    sequential = database.connect(str(tmp_path / "sequential.db"))
    first = ingest(overlapped, str(repo), IngestOptions(name="r", workers=2))
    second = ingest(sequential, str(repo), IngestOptions(name="r", workers=1))
    assert first.post_steps_overlapped and not second.post_steps_overlapped
    stored = dump(overlapped, "r")
    assert stored == dump(sequential, "r")
    assert stored[planted] and stored["tree_duplication"] and stored["commit_lineops"]


def test_an_incremental_overlapped_run_equals_a_sequential_fresh_one(
    tmp_path: Path, delivery_repo: Path
) -> None:
    """Settings unchanged since the last run: the history is final, so the walk overlaps again."""
    mainline = subprocess.run(
        ["git", "-C", str(delivery_repo), "rev-list", "--first-parent", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    cut = mainline[len(mainline) // 2]
    engine = database.connect(str(tmp_path / "two-runs.db"))
    ingest(engine, str(delivery_repo), IngestOptions(name="r", branch=cut, workers=2))
    again = ingest(engine, str(delivery_repo), IngestOptions(name="r", workers=2))
    assert again.post_steps_overlapped and again.commits_added > 0
    fresh = database.connect(str(tmp_path / "fresh.db"))
    ingest(fresh, str(delivery_repo), IngestOptions(name="r", workers=1))
    assert dump(engine, "r") == dump(fresh, "r")
