"""The claim test recovers planted truth from real git histories, and `qroi analyze` reports it."""

from __future__ import annotations

import csv
import io
import json
import math
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from radon.raw import analyze as radon_raw
from radon.visitors import ComplexityVisitor
from sqlalchemy import Engine

from qroi.analysis.claim import claim_test
from qroi.analysis.panel import build_panel
from qroi.store import database
from tests.conftest import ClaimHistories, git, python_source, run_qroi

pytestmark = pytest.mark.xdist_group("claim")


@pytest.fixture(scope="module")
def planted(claim_histories: ClaimHistories) -> Iterator[dict[str, Path | Engine]]:
    """The three planted histories in one store (so they can be pooled too)."""
    engine = database.connect(str(claim_histories.db))
    yield {"engine": engine, "db": claim_histories.db, **claim_histories.repos}
    engine.dispose()


def _truth(repo: Path) -> dict:
    return json.loads((repo / ".git" / "qroi-truth.json").read_text())["notes"]["claim"][0]


def _density_result(engine: Engine, repo: str):  # type: ignore[no-untyped-def]
    result = claim_test(engine, [repo], qualities=["cc_density"], window="3M", n_boot=199)
    return result, result.report.hypotheses[0]


def test_planted_effect_is_found_with_its_ratio_inside_the_interval(planted) -> None:
    result, h = _density_result(planted["engine"], "effect")
    truth = _truth(planted["effect"])
    analysed = result.panel[result.panel["commits"] > 0]
    planted_ratio = math.exp(truth["beta_per_density_unit"] * analysed["cc_density"].std())
    adjusted = h.adjusted
    print(
        f"\neffect: planted {planted_ratio:.2f}x per SD; estimated {adjusted.ratio:.2f}x "
        f"[{adjusted.ci_low:.2f}-{adjusted.ci_high:.2f}] ({adjusted.ci_method})"
    )
    assert h.verdict == "Supported"
    assert adjusted.ci_low <= planted_ratio <= adjusted.ci_high
    assert h.clustered and "cluster bootstrap" in adjusted.ci_method


def test_null_gives_no_adjusted_effect(planted) -> None:
    _, h = _density_result(planted["engine"], "null")
    adjusted = h.adjusted
    print(
        f"\nnull: estimated {adjusted.ratio:.2f}x [{adjusted.ci_low:.2f}-{adjusted.ci_high:.2f}], {h.verdict}"
    )
    assert h.verdict in ("No effect (equivalent)", "Inconclusive")
    assert adjusted.ci_low <= 1 <= adjusted.ci_high


def test_confounded_shows_an_effect_only_until_size_is_controlled(planted) -> None:
    _, h = _density_result(planted["engine"], "confounded")
    unadjusted, size_adjusted = h.effects[0], h.effects[1]
    print(
        f"\nconfounded: unadjusted {unadjusted.ratio:.2f}x [{unadjusted.ci_low:.2f}-{unadjusted.ci_high:.2f}], "
        f"size-adjusted {size_adjusted.ratio:.2f}x [{size_adjusted.ci_low:.2f}-{size_adjusted.ci_high:.2f}]"
    )
    assert unadjusted.ci_low > 1 and unadjusted.p_value < 0.001
    assert size_adjusted.ci_low <= 1 <= size_adjusted.ci_high
    assert h.verdict != "Supported"


def test_cli_report_json_and_panel(planted, tmp_path: Path) -> None:
    out, panel = tmp_path / "report.json", tmp_path / "panel.csv"
    result = run_qroi(
        "analyze",
        "effect",
        "null",
        "--db",
        str(planted["db"]),
        "--window",
        "3M",
        "--quality",
        "cc_density",
        "--quality",
        "mi",
        "--outcome",
        "defects",
        "--boot",
        "49",
        "--json",
        str(out),
        "--panel",
        str(panel),
    )
    assert result.returncode == 0, result.stderr
    assert "Supported: one SD worse complexity per 100 lines goes with" in result.stdout
    assert "pooled across repositories" in result.stdout and "I^2" in result.stdout
    assert result.stderr.strip().startswith("analyzed effect, null: 4 hypotheses")
    report = json.loads(out.read_text())
    effect = report["per_repo"]["effect"]["hypotheses"]
    assert [h["name"] for h in effect] == ["cc_density -> bugfix_commits", "mi -> bugfix_commits"]
    assert effect[0]["verdict"] == "Supported"
    for h in effect:
        assert h["n_rows"] > 0 and len(h["effects"]) == 3 and h["effects"][2]["ci_low"] is not None
    assert set(report["pooled"]) == {"cc_density -> bugfix_commits", "mi -> bugfix_commits"}
    assert report["pooled"]["cc_density -> bugfix_commits"]["k"] == 2
    rows = list(csv.DictReader(io.StringIO(panel.read_text())))
    assert len(rows) == len(build_panel(planted["engine"], "effect", "3M")) + len(
        build_panel(planted["engine"], "null", "3M")
    )


def test_any_tools_table_with_semicolons_decimal_commas_and_gaps(planted, tmp_path: Path) -> None:
    panel = build_panel(planted["engine"], "effect", "3M")
    table = pd.DataFrame(
        {
            "File Name": panel["path"],
            "Code Health": (10 - panel["cc_density"] / 10).round(3),  # a 1-10 style score: higher is better
            "Bugs": panel["bugfix_commits"],
            "LoC": panel["sloc"],
            "Changes": panel["commits"],
        }
    )
    table.loc[::50, "Code Health"] = np.nan  # missing values: dropped and counted
    path = tmp_path / "health.csv"
    table.to_csv(path, sep=";", decimal=",", index=False)
    assert "," in path.read_text().splitlines()[1]  # decimal commas really are in the file
    out = tmp_path / "out.json"
    result = run_qroi(
        "analyze",
        "--table",
        str(path),
        "--quality",
        "Code Health",
        "--higher-is-better",
        "--bands",
        "3,7",
        "--outcome",
        "Bugs",
        "--size",
        "LoC",
        "--exposure",
        "Changes",
        "--unit",
        "File Name",
        "--sep",
        ";",
        "--decimal",
        ",",
        "--boot",
        "49",
        "--json",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    missing = int(table["Code Health"].isna().sum())
    assert f"({missing:,} dropped on load)" in result.stderr
    report = json.loads(out.read_text())
    h = report["hypotheses"][0]
    assert report["n_dropped_on_load"] == missing
    assert h["verdict"] == "Supported" and h["cut_points"] == [3.0, 7.0] and h["bands_source"] == "given"
    assert (
        h["effects"][2]["ratio"] > 1.5
    )  # lower health, more bugs: the orientation follows --higher-is-better


def test_panel_equals_git_and_radon_on_the_snapshots(demo_repo: Path, demo_engine: Engine) -> None:
    panel = build_panel(demo_engine, "widget", "3M")
    assert len(panel) > 100
    truth = json.loads((demo_repo / ".git" / "qroi-truth.json").read_text())
    fixes = set(truth["bugfix_commits"])
    mainline = [
        line.split()
        for line in git(demo_repo, "rev-list", "--first-parent", "--format=%ct", "HEAD").splitlines()
        if not line.startswith("commit")
    ]
    shas = git(demo_repo, "rev-list", "--first-parent", "HEAD").split()
    times = [int(t[0]) for t in mainline]
    sample = panel.sample(12, random_state=1)
    for row in sample.itertuples():
        start = int(pd.Timestamp(row.window_start, tz="UTC").timestamp())
        snapshot = next(sha for sha, ts in zip(shas, times, strict=True) if ts < start)
        text = python_source(
            subprocess.run(
                ["git", "-C", str(demo_repo), "show", f"{snapshot}:{row.path}"],
                capture_output=True,
                check=True,
            ).stdout
        )
        assert row.sloc == radon_raw(text).sloc
        assert row.cc_total == ComplexityVisitor.from_code(text).total_complexity
        end = int((pd.Timestamp(row.window_start, tz="UTC") + pd.DateOffset(months=3)).timestamp())
        names = sorted(set(panel.loc[panel["lineage"] == row.lineage, "path"]))  # the file under each name
        log = git(demo_repo, "log", "--all", "--no-merges", "--format=%H %at", "--", *names).split("\n")
        touching = [line.split() for line in log if line]
        in_window = {sha for sha, ts in touching if start <= int(ts) < end}
        assert row.commits == len(in_window), row.path
        assert row.bugfix_commits == len(in_window & fixes), row.path


def test_panel_delivery_outcomes_equal_the_stores_links(
    demo_repo: Path, demo_db: Path, demo_engine: Engine
) -> None:
    panel = build_panel(demo_engine, "widget", "3M")
    links = list(
        csv.DictReader(
            io.StringIO(run_qroi("export", "bug_links", "-r", "widget", "--db", str(demo_db)).stdout)
        )
    )
    assert links, "the demo history has SZZ links"
    assert panel["bug_inducing"].sum() > 0
    names = panel.groupby("lineage")["path"].agg(set)  # a file under each of its names
    for row in panel[panel["commits"] > 0].itertuples():
        start = pd.Timestamp(row.window_start, tz="UTC")
        end = start + pd.DateOffset(months=3)
        induced = {
            link["inducing_sha"]
            for link in links
            if link["path"] in names[row.lineage] and start <= pd.Timestamp(link["inducing_at"]) < end
        }
        assert row.bug_inducing == len(induced), row.path
    assert panel["dev_time"].isna().all()  # no issues imported: no time outcome, never a zero
