"""Complexity growth -> later speed: planted effect found, a null and a drift trap not Supported,
and the AI-era form (before vs after an adoption date) finding a change only where one was planted."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from qroi.analysis.claim import claim_test
from qroi.analysis.growth import growth_event
from qroi.analysis.panel import build_panel
from qroi.ingest.pipeline import IngestOptions, ingest
from qroi.sample_repos.build import build
from qroi.store import database
from tests.conftest import run_qroi

pytestmark = pytest.mark.xdist_group("growth")


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The four small planted histories (420 commits each) in one store."""
    root = tmp_path_factory.mktemp("growth")
    engine = database.connect(str(root / "g.db"))
    repos = {}
    for kind in ("effect", "null", "trap", "event"):
        repos[kind] = build(f"growth_{kind}", root / kind)
        ingest(engine, str(repos[kind]), IngestOptions(workers=2))
    return {"engine": engine, "db": root / "g.db", **repos}


def _truth(repo: object) -> dict:
    return json.loads((Path(str(repo)) / ".git" / "qroi-truth.json").read_text())["notes"]["growth"][0]


def _growth(planted: dict, kind: str):
    result = claim_test(planted["engine"], [kind], ["growth"], ["cycle_time"], window="3M", n_boot=199)
    h = result.report.hypotheses[0]
    print(
        f"\n{kind}: {[(e.level, round(e.ratio, 2), round(e.ci_low, 2), round(e.ci_high, 2)) for e in h.effects]}"
    )
    return h


def test_the_growth_column_is_the_planted_growth_of_the_window_before(planted) -> None:
    """cc_growth > 0 exactly in the window after the one each planted growth commit landed in;
    0 elsewhere (routine edits keep Radon's scores) and missing in a file's first window."""
    panel = build_panel(planted["engine"], "effect", "3M")
    starts = panel.drop_duplicates("window").sort_values("window")
    start_ts = (pd.to_datetime(starts["window_start"], utc=True) - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(
        seconds=1
    )
    expected = set()
    for g in _truth(planted["effect"])["growths"]:
        landed = int(_git(planted["effect"], "show", "-s", "--format=%ct", g["commit"]))
        window = int(starts["window"].to_numpy()[(start_ts.to_numpy() <= landed).sum() - 1])
        expected.add((g["path"], window + 1))
    grown = panel[panel["cc_growth"] > 0]
    assert set(zip(grown["path"], grown["window"], strict=True)) == expected & set(
        zip(panel["path"], panel["window"], strict=True)
    )
    known = panel[panel["cc_growth"].notna()]
    assert (known.loc[~(known["cc_growth"] > 0), "cc_growth"] == 0).all()
    first = panel.groupby("lineage")["window"].transform("min") == panel["window"]
    assert panel.loc[first, "cc_growth"].isna().all() and panel.loc[~first, "cc_growth"].notna().all()


def _git(repo: object, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout


def test_planted_growth_slowdown_is_supported(planted) -> None:
    h = _growth(planted, "effect")
    assert h.verdict == "Supported"
    assert h.adjusted.ci_low > 1 and "period" in h.spec.to_dict()


def test_growth_without_a_slowdown_is_not_supported(planted) -> None:
    h = _growth(planted, "null")
    assert h.verdict != "Supported"
    assert h.adjusted.ci_low <= 1 <= h.adjusted.ci_high


def test_a_project_wide_drift_fools_the_unadjusted_fit_but_not_the_window_effects(planted) -> None:
    h = _growth(planted, "trap")
    assert h.effects[0].level == "unadjusted" and h.effects[0].ci_low > 1  # growth looks guilty
    assert h.verdict != "Supported"


def test_the_event_form_finds_the_change_only_where_it_was_planted(planted) -> None:
    date = _truth(planted["event"])["event"]
    changed = growth_event(planted["engine"], "event", date, n_boot=0).change("cycle_time")
    print(
        f"\nevent: before {changed.before.adjusted.ratio:.2f}, after {changed.after.adjusted.ratio:.2f}, "
        f"change {changed.ratio:.2f} [{changed.ci_low:.2f}-{changed.ci_high:.2f}] {changed.verdict}"
    )
    assert changed.verdict == "Supported" and changed.ci_low > 1
    assert changed.before.verdict != "Supported" and changed.after.verdict == "Supported"
    same = growth_event(planted["engine"], "effect", date, n_boot=0).change("cycle_time")
    print(f"effect throughout: change {same.ratio:.2f} [{same.ci_low:.2f}-{same.ci_high:.2f}] {same.verdict}")
    assert same.verdict != "Supported" and same.ci_low <= 1 <= same.ci_high
    assert same.before.verdict == "Supported" and same.after.verdict == "Supported"


def test_cli_analyze_and_ai_event_ask_the_growth_question(planted, tmp_path: Path) -> None:
    db = str(planted["db"])
    done = run_qroi(
        "analyze",
        "effect",
        "--db",
        db,
        "--quality",
        "growth",
        "--outcome",
        "cycle_time",
        "--window",
        "3M",
        "--boot",
        "0",
    )
    assert done.returncode == 0, done.stderr
    assert "cc_growth -> cycle_time" in done.stdout and "Supported" in done.stdout
    out = tmp_path / "ai.json"
    date = _truth(planted["event"])["event"]
    done = run_qroi("ai", "event", "--db", db, "--event", date, "--json", str(out))
    assert done.returncode == 0, done.stderr
    assert f"does complexity growth slow later changes? before vs after {date}" in done.stdout
    rows = {o["outcome"]: o for o in json.loads(out.read_text())["growth"]["outcomes"]}
    assert set(rows) == {"cycle_time", "max_cycle_time"}
    assert rows["cycle_time"]["ci_low"] <= rows["cycle_time"]["ratio"] <= rows["cycle_time"]["ci_high"]
    bad = run_qroi("ai", "event", "--db", db, "--event", "2024-13-01")
    assert bad.returncode != 0 and bad.stderr.startswith("qroi: error:") and "Traceback" not in bad.stderr
