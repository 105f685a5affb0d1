"""Terminal behaviour: a progress bar on a terminal, one summary line when piped, honest summaries."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from sqlalchemy import Engine

from qroi.analysis import HypothesisSpec, analyze_hypothesis
from qroi.analysis.simulate import simulate_count_panel
from qroi.read import queries
from tests.conftest import ROOT, run_qroi, run_qroi_on_terminal


def test_piped_ingest_prints_only_its_summary_line(make_repo, tmp_path: Path) -> None:
    repo = make_repo()
    result = run_qroi("ingest", str(repo), "--db", str(tmp_path / "q.db"))
    assert result.returncode == 0
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert re.match(
        r"ingested repo: [\d,]+ new commits \([\d,]+ stored\) in [\d.]+s \([\d,]+ commits/s\); "
        r"[\d,]+ blobs scored, 1 translated from Python 2; 3 of [\d,]+ Python blobs unscored",
        lines[0],
    )


def test_terminal_shows_a_progress_bar_and_quiet_silences_it(make_repo, tmp_path: Path) -> None:
    repo = make_repo("large", commits=1200)

    def on_terminal(*extra: str) -> str:
        db = str(tmp_path / f"t{len(extra)}.db")
        return run_qroi_on_terminal("ingest", str(repo), "--db", db, "--batch-size", "100", *extra)

    shown = on_terminal()
    assert "commits/s" in shown and "blobs scored" in shown and "ETA" in shown and "/1200" in shown
    assert "ingested repo: 1,200 new commits" in shown
    quiet = on_terminal("--quiet")
    assert "ETA" not in quiet and "ingested repo: 1,200 new commits" in quiet


def test_summary_reports_the_stores_figures(demo_db: Path, demo_engine: Engine) -> None:
    result = run_qroi("summary", "widget", "--db", str(demo_db))
    assert result.returncode == 0, result.stderr
    commits = queries.commits(demo_engine, "widget")
    head = commits.iloc[-1]
    out = result.stdout
    assert f"{len(commits):,} ({int(commits['is_merge'].sum())})" in out
    assert f"{int(head['py_sloc']):,}" in out and f"{head['py_mi']:.1f}" in out
    files = queries.head_files(demo_engine, "widget")
    top = files.assign(score=files["commits"] * files["cc_total"].fillna(0)).sort_values(
        "score", ascending=False
    )
    assert top["path"].iloc[0] in out
    assert (
        result.stderr.strip()
        == f"summary of widget: {len(commits):,} commits, {len(files):,} Python files at HEAD"
    )
    releases = queries.releases(demo_engine, "widget")
    inducing = queries.bug_links(demo_engine, "widget")["inducing_sha"].nunique()
    assert re.search(rf"releases \(per month\)\s*│\s*{len(releases)} \(", out)
    assert re.search(rf"bug-inducing commits \(SZZ\)\s*│\s*{inducing:,}\s", out)
    assert "none: qroi issues import FILE" in out  # says what is missing and how to get it
    repos = run_qroi("repos", "--db", str(demo_db))
    assert "widget" in repos.stdout and f"{len(commits):,}" in repos.stdout


def test_the_cli_and_a_whole_ingest_never_import_pandas(make_repo, tmp_path: Path) -> None:
    """pandas is a third of qroi's start-up, and `qroi ingest` (the command run on every push) needs
    none of it; the read commands import it when they run."""
    repo = make_repo("demo", commits=120)
    script = (
        "import sys\nfrom qroi.store import database\nfrom qroi.ingest.pipeline import ingest\n"
        f"ingest(database.connect({str(tmp_path / 'q.db')!r}), {str(repo)!r})\n"
        "print(sorted(m for m in ('pandas', 'numpy', 'statsmodels', 'scipy') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_a_piped_verdict_table_is_never_cut_and_shows_the_interval_the_verdict_rests_on(
    tmp_path: Path,
) -> None:
    """Piped with no COLUMNS (a report written to a file), rich would lay the table out in 80
    columns and elide cells ("hypothes…", "Support…")."""
    names = {
        "quality": "maintainability_index_of_the_file",
        "outcome": "bug_fix_commits_in_the_window",
        "size": "source_lines",
        "exposure": "commits_in_the_window",
    }
    panel = simulate_count_panel(300, rate_ratio=1.3, size_corr=0.3, seed=5).rename(columns=names)
    table = tmp_path / "long names.csv"
    panel.to_csv(table, index=False)
    options = [f"--{role}={column}" for role, column in names.items()]
    result = run_qroi("analyze", "--table", str(table), *options, "--higher-is-better", env={"COLUMNS": ""})
    assert result.returncode == 0, result.stderr
    assert "…" not in result.stdout
    spec = HypothesisSpec(
        names["quality"], names["outcome"], "count", True, size=names["size"], exposure=names["exposure"]
    )
    h = analyze_hypothesis(panel, spec)
    adj = h.adjusted
    row = next(
        line for line in result.stdout.splitlines() if f"{names['quality']} -> {names['outcome']}" in line
    )
    basis = f"{adj.ratio:.2f} [{h.verdict_ci[0]:.2f}-{h.verdict_ci[1]:.2f}] {h.verdict_ci_label}"
    assert basis in row and h.verdict in row and h.verdict == "Supported"
