"""Time to change from git: cycle and release times equal what the planted branches imply."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine

from qroi.analysis.panel import build_panel
from qroi.ingest.pipeline import IngestOptions, ingest
from qroi.read import cycle_time
from qroi.sample_repos.build import build
from qroi.store import database
from tests.conftest import run_qroi

DAY = 86_400


@pytest.fixture(scope="module")
def speed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Engine]:
    root = tmp_path_factory.mktemp("speed")
    repo = build("cycle_times", root / "repo")
    engine = database.connect(str(root / "s.db"))
    ingest(engine, str(repo), IngestOptions(workers=1))
    return repo, root / "s.db", engine


def _notes(repo: Path) -> dict:
    return json.loads((repo / ".git" / "qroi-truth.json").read_text())["notes"]


def _tag_times(repo: Path) -> dict[str, int]:
    """Tagger time of every annotated tag, as git reports it."""
    out = subprocess.run(
        ["git", "-C", str(repo), "for-each-ref", "--format=%(refname:short) %(taggerdate:unix)", "refs/tags"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {name: int(ts) for name, ts in (line.split() for line in out.splitlines())}


def test_every_planted_change_has_its_method_and_cycle_time(speed) -> None:
    repo, _, engine = speed
    planted = {n["landing"]: n for n in _notes(repo)["cycle_times"]}
    changes = cycle_time.cycle_times(engine, "repo").set_index("change_sha")
    assert set(planted) <= set(changes.index)
    for sha, truth in planted.items():
        row = changes.loc[sha]
        assert row["method"] == truth["method"]
        assert row["first_authored_ts"] == truth["first_authored_ts"]
        assert row["landed_ts"] == truth["landed_ts"]
        assert row["cycle_time_days"] * DAY == pytest.approx(truth["cycle_seconds"])
        assert bool(row["is_fix"]) == truth["is_fix"]
    branches = [t for t in planted.values() if t["method"] == "branch"]
    assert branches and all(changes.loc[t["landing"], "commits"] >= 1 for t in branches)
    # The branch commits are members of their merge's change, not changes of their own.
    assert (changes["method"] == "branch").sum() == len(branches)


def test_release_time_runs_to_the_first_release_containing_the_change(speed) -> None:
    repo, _, engine = speed
    notes = _notes(repo)
    tags = _tag_times(repo)
    changes = cycle_time.cycle_times(engine, "repo").set_index("change_sha")
    releases = notes["releases"]
    for n, truth in enumerate(notes["cycle_times"]):
        shipped = next((r["tag"] for r in releases if r["after_change"] >= n), None)
        row = changes.loc[truth["landing"]]
        if shipped is None:
            assert pd.isna(row["release_time_days"])
        else:
            assert row["release_time_days"] * DAY == pytest.approx(tags[shipped] - truth["landed_ts"])


def test_panel_speed_columns_are_the_changes_of_the_file_and_window(speed) -> None:
    repo, _, engine = speed
    panel = build_panel(engine, "repo", "1M")
    planted = pd.DataFrame(_notes(repo)["cycle_times"])
    # 1M windows are UTC calendar months: a change lands in the window starting on its month's 1st.
    by_start = dict(zip(panel["window_start"], panel["window"], strict=False))
    months = pd.to_datetime(planted["landed_ts"], unit="s", utc=True).dt.strftime("%Y-%m-01")
    planted["window"] = [by_start.get(m) for m in months]
    checked = 0
    for (path, window), group in planted.dropna(subset=["window"]).groupby(["path", "window"]):
        row = panel[(panel["path"] == path) & (panel["window"] == window)]
        if row.empty or window == panel["window"].max():
            continue  # file added in that window, or the window ends after the history
        row = row.iloc[0]
        days = group["cycle_seconds"] / DAY
        assert row["changes"] == len(group)
        assert row["cycle_time"] == pytest.approx(days.mean())
        assert row["max_cycle_time"] == pytest.approx(days.max())
        assert row["unplanned_share"] == pytest.approx(group["is_fix"].mean())
        planned = 1 - group["is_fix"].mean()
        if planned > 0:
            assert row["value"] == pytest.approx(planned / days.mean())
            assert row["value_cost"] == pytest.approx(days.mean() / planned)
        else:
            assert pd.isna(row["value"])
        checked += 1
    assert checked >= 10


def test_cli_export_and_analyze_panel_carry_the_speed_outcomes(speed, tmp_path: Path) -> None:
    repo, db, _ = speed
    done = run_qroi("export", "cycle_times", "--repo", "repo", "--db", str(db))
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert list(rows[0]) == cycle_time.CHANGE_COLUMNS
    assert {r["method"] for r in rows} == {"branch", "author-to-commit"}
    out = tmp_path / "panel.csv"
    done = run_qroi(
        "analyze", "repo", "--db", str(db), "--window", "1M", "--outcome", "cycle_time", "--outcome", "value",
        "--boot", "0", "--panel", str(out),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "cycle_time" in done.stdout and "value_cost" in done.stdout
    header = out.read_bytes().decode().splitlines()[0].split(",")
    for column in ("cycle_time", "max_cycle_time", "release_time", "unplanned_share", "value", "value_cost"):
        assert column in header
    bad = run_qroi("analyze", "repo", "--db", str(db), "--window", "1M", "--outcome", "speed")
    assert bad.returncode == 2 and bad.stderr.startswith("qroi: error: unknown outcome 'speed'")
