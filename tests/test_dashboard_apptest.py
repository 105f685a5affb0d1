"""Every dashboard page, run by Streamlit's AppTest on a real store: no exception, and the figures a
page shows equal what the store says through its own queries (or plain SQL, or git) — never a
number written into the test.

The store holds the `demo` history ("widget", with an imported GitHub issues export) and a small
`large` history ("gadget", without one), so the repository picker has a real choice, pooled
figures can be checked against per-repo ones, and both ways of timing issues are shown.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import streamlit as st
from alembic import command
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from qroi.analysis import ai_lens
from qroi.analysis.claim import claim_test
from qroi.cli import summary
from qroi.core import roles
from qroi.delivery import issues_import
from qroi.ingest.pipeline import IngestOptions, ingest
from qroi.read import export, queries
from qroi.sample_repos import truth
from qroi.sample_repos.build import build
from qroi.store import database, migrate
from tests.conftest import run_qroi as run_cli

pytestmark = pytest.mark.xdist_group("dashboard")

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
DEMO, OTHER = "widget", "gadget"
TIMEOUT = 90


@pytest.fixture(scope="module")
def dash_db(tmp_path_factory: pytest.TempPathFactory, demo_db: Path) -> Path:
    """A copy of the session's demo store plus a second repository ingested under the name 'gadget'."""
    root = tmp_path_factory.mktemp("dashboard")
    path = root / "dash.db"
    with sqlite3.connect(demo_db) as src, sqlite3.connect(path) as dst:
        src.backup(dst)
    repo = build("large", root / OTHER, commits=250, seed=7)
    engine = database.connect(str(path))
    ingest(engine, str(repo), IngestOptions(workers=2))
    issues_import.import_file(engine, DEMO, _github_export(path, root / "issues.json"))
    engine.dispose()
    return path


def _github_export(db: Path, out: Path) -> Path:
    """A GitHub issues export (REST JSON) for the demo's '#N' references, as a tracker would hold them:
    opened two days before the first commit that names the issue, closed an hour after the commit
    that closes it (still open if none does); even numbers are labelled bugs."""
    rows = sql(
        db,
        """
        SELECT i.ref, min(c.committed_ts), max(CASE WHEN i.action = 'closes' THEN c.committed_ts END)
        FROM issue_refs i JOIN commits c ON c.id = i.commit_id JOIN repos r ON r.id = i.repo_id
        WHERE r.name = ? AND i.ref LIKE '#%' GROUP BY i.ref""",
        DEMO,
    )

    def when(ts: int) -> str:
        return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    issues = [
        {
            "number": int(ref[1:]),
            "title": f"Issue {ref}",
            "state": "closed" if closed else "open",
            "created_at": when(first - 2 * 86400),
            "closed_at": when(closed + 3600) if closed else None,
            "labels": [{"name": "bug" if int(ref[1:]) % 2 == 0 else "enhancement"}],
        }
        for ref, first, closed in rows
    ]
    out.write_text(json.dumps(issues), encoding="utf-8")
    return out


@pytest.fixture
def engine(dash_db: Path) -> Iterator[Engine]:
    eng = database.connect(str(dash_db))
    yield eng
    eng.dispose()


def _fresh(db: Path | str, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """An AppTest on the store with cold caches (they are process-global)."""
    monkeypatch.setenv("QROI_DB", str(db))
    st.cache_data.clear()
    st.cache_resource.clear()
    return AppTest.from_file(APP, default_timeout=TIMEOUT)


@pytest.fixture
def app(dash_db: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    return _fresh(dash_db, monkeypatch)


def run(at: AppTest, page: str | None = None) -> AppTest:
    """Run (optionally after switching page) and fail with Streamlit's own message on any exception."""
    if page:
        at.switch_page(f"views/{page}.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def deltas(at: AppTest) -> dict[str, str | None]:
    return {m.label: m.delta for m in at.metric}


def figures(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def values(array: object) -> list:
    """A plotly array from figure JSON: a list, or plotly's typed-array form {"dtype", "bdata"}."""
    if isinstance(array, dict) and "bdata" in array:
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=np.dtype(array["dtype"])).tolist()
    return list(array)  # type: ignore[call-overload]


def sql(db: Path, query: str, *args: object) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(query, args).fetchall()


def share(part: int, whole: int) -> str:
    return f"{part / whole * 100:.1f}%"


# --- empty and missing stores ------------------------------------------------------------------


def test_a_missing_store_shows_how_to_ingest_and_is_not_created(tmp_path: Path, monkeypatch) -> None:
    missing = tmp_path / "nothing-here.db"
    at = run(_fresh(missing, monkeypatch))
    text = " ".join(i.value for i in at.info)
    assert "no repositories yet" in text
    assert any(f"qroi ingest ~/src/some-repo --db {missing}" in c.value for c in at.code)
    assert not missing.exists(), "opening the dashboard must never create a store"


def test_an_empty_store_shows_how_to_ingest(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "empty.db"
    database.init_schema(database.connect(str(path)))
    at = run(_fresh(path, monkeypatch))
    assert "no repositories yet" in " ".join(i.value for i in at.info)
    assert not at.metric, "no figures for an empty store"


def test_a_corrupt_store_is_one_clear_error(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "corrupt.db"
    path.write_bytes(b"this is not an SQLite database" * 100)
    at = run(_fresh(path, monkeypatch))
    assert at.error and "cannot be read" in at.error[0].value


# --- overview ----------------------------------------------------------------------------------


def test_overview_pools_both_repositories_as_the_store_counts_them(
    app: AppTest, engine, dash_db: Path
) -> None:
    at = run(app)
    assert at.multiselect(key="repos").value == [OTHER, DEMO]
    both = pd.concat([queries.commits(engine, DEMO), queries.commits(engine, OTHER)])
    shown = metrics(at)
    assert shown["Commits"] == f"{len(both):,}"
    assert shown["Authors"] == f"{both['author_email'].nunique():,}"
    heads = [queries.commits(engine, r).iloc[-1] for r in (DEMO, OTHER)]
    assert shown["Python sloc"] == f"{sum(int(h['py_sloc']) for h in heads):,}"
    functions = sum(int(h["py_functions"]) for h in heads)
    assert shown["Functions ranked C or worse"] == share(
        sum(int(h["py_c_or_worse"]) for h in heads), functions
    )
    timeline = figures(at)[0]
    legend = [t.get("name") for t in timeline["data"]]
    assert f"Maintainability index · {DEMO}" in legend and f"Maintainability index · {OTHER}" in legend


def test_overview_of_one_repository_matches_its_head_and_history(app: AppTest, engine) -> None:
    at = run(app)
    at.multiselect(key="repos").set_value([DEMO])
    run(at)
    commits = queries.commits(engine, DEMO)
    head = commits.iloc[-1]
    work = commits[~commits["is_merge"].astype(bool)]
    shown = metrics(at)
    assert shown["Commits"] == f"{len(commits):,}"
    assert shown["Python sloc"] == f"{int(head['py_sloc']):,}"
    assert shown["Maintainability (MI)"] == f"{head['py_mi']:.1f}"
    assert shown["Complexity density"] == f"{head['py_cc_total'] * 100 / head['py_sloc']:.1f}"
    assert shown["Bug-fix share"] == share(int(work["is_bugfix"].astype(bool).sum()), len(work))
    assert shown["Releases"] == str(len(queries.releases(engine, DEMO)))

    fig = figures(at)[0]
    assert fig["layout"]["yaxis"]["title"]["text"] == "MI (0–100)"
    bars = {t["name"]: t for t in fig["data"] if t.get("type") == "bar"}
    assert sum(values(bars["Commits"]["y"])) == len(work), "the monthly bars add up to the non-merge commits"
    assert sum(values(bars["Bug fixes"]["y"])) == int(work["is_bugfix"].astype(bool).sum())
    quality = next(t for t in fig["data"] if t.get("name") == "Maintainability index")
    assert values(quality["y"])[-1] == pytest.approx(float(head["py_mi"])), "the last month ends at HEAD"

    at.selectbox(key="measure").set_value("cc_density")
    run(at)
    fig = figures(at)[0]
    assert fig["layout"]["yaxis"]["title"]["text"] == "CC per 100 sloc"
    quality = next(t for t in fig["data"] if t.get("name") == "Complexity density")
    assert values(quality["y"])[-1] == pytest.approx(head["py_cc_total"] * 100 / head["py_sloc"])


def test_the_period_filter_counts_only_its_commits_and_shows_quality_deltas(app: AppTest, engine) -> None:
    at = run(app)
    at.multiselect(key="repos").set_value([DEMO])
    run(at)
    commits = queries.commits(engine, DEMO)
    days = pd.to_datetime(commits["committed_ts"], unit="s", utc=True).dt.date
    first, last = days.quantile(0.25, interpolation="nearest"), days.quantile(0.75, interpolation="nearest")
    at.date_input(key="period").set_value((first, last))
    run(at)
    inside = commits[(days >= first) & (days <= last)]
    assert metrics(at)["Commits"] == f"{len(inside):,}"
    assert metrics(at)["Authors"] == f"{inside['author_email'].nunique():,}"
    assert deltas(at)["Maintainability (MI)"] is not None, (
        "a period after the first commit shows the change in MI"
    )


# --- hotspots and file history -----------------------------------------------------------------


def test_hotspots_rank_files_as_qroi_summary_does(app: AppTest, engine) -> None:
    at = run(app)
    at.multiselect(key="repos").set_value([DEMO])
    run(at, "hotspots")
    table = at.dataframe[0].value
    expected = summary.hotspot_table(queries.head_files(engine, DEMO), top=len(table))
    assert list(table["path"]) == list(expected["path"])
    assert list(table["commits"]) == list(expected["commits"])
    assert list(table["bugfix_commits"]) == list(expected["bugfix_commits"])
    assert list(table["cc_total"].fillna(-1).astype(int)) == list(expected["cc_total"].fillna(-1).astype(int))
    bubbles = figures(at)[0]["data"][0]
    assert values(bubbles["x"]) == list(expected["commits"]), "the chart shows the same files as the table"
    files = queries.head_files(engine, DEMO)
    assert metrics(at)["Python files at HEAD (product)"] == str(int((files["role"] == "product").sum()))
    at.multiselect(key="hotspot_roles").set_value(list(roles.names()))
    run(at)
    assert metrics(at)["Python files at HEAD (" + ", ".join(roles.names()) + ")"] == str(len(files))
    every = summary.hotspot_table(files, top=len(files), kept=frozenset(roles.names()))
    assert list(at.dataframe[0].value["path"]) == list(every["path"].head(len(at.dataframe[0].value)))


def test_choosing_a_hotspot_opens_its_history(app: AppTest, engine, dash_db: Path) -> None:
    at = run(app)
    at.multiselect(key="repos").set_value([DEMO])
    run(at, "hotspots")
    path = at.dataframe[0].value["path"].iloc[2]
    at.selectbox(key="hot_pick").set_value((DEMO, path))
    run(at)
    at.button(key="hot_open").click()
    run(at)
    assert at.title[0].value == "File history"
    assert at.selectbox(key="history_path").value == path


def test_opening_a_file_from_hotspots_keeps_the_sidebar_filters(app: AppTest, engine) -> None:
    at = run(app)
    at.multiselect(key="repos").set_value([DEMO])
    run(at)
    days = queries.utc(queries.commits(engine, DEMO)["committed_ts"]).dt.date
    period = (days.quantile(0.25, interpolation="nearest"), days.quantile(0.75, interpolation="nearest"))
    at.date_input(key="period").set_value(period)
    at.selectbox(key="measure").set_value("cc_density")
    run(at, "hotspots")
    caption = at.caption[0].value
    at.selectbox(key="hot_pick").set_value((DEMO, at.dataframe[0].value["path"].iloc[0]))
    run(at)
    at.button(key="hot_open").click()
    run(at)
    assert at.title[0].value == "File history"
    for page in (None, "overview"):  # the page opened, then the next one the user goes to
        if page:
            run(at, page)
        assert at.date_input(key="period").value == period
        assert at.selectbox(key="measure").value == "cc_density"
        assert at.multiselect(key="repos").value == [DEMO]
    assert at.caption[0].value == caption, "the Overview describes the period chosen before"


def test_file_history_names_how_its_counts_differ_from_the_hotspots(app: AppTest, dash_db: Path) -> None:
    """A renamed file in a period: Hotspots count it (through its renames) in the period, File
    history its whole story; the page must show both, each named, not two unexplained numbers."""
    renamed_from = {
        p
        for (p,) in sql(
            dash_db,
            "SELECT ch.old_path FROM changes ch JOIN repos r ON r.id = ch.repo_id WHERE r.name = ? "
            "AND ch.change_type = 'rename'",
            DEMO,
        )
    }
    at = run(app)
    at.multiselect(key="repos").set_value([DEMO])
    run(at)
    stamps = sql(
        dash_db,
        "SELECT c.committed_ts FROM commits c JOIN repos r ON r.id = c.repo_id WHERE r.name = ?",
        DEMO,
    )
    days = queries.utc(pd.Series([t for (t,) in stamps])).dt.date
    at.date_input(key="period").set_value((days.quantile(0.75, interpolation="nearest"), days.max()))
    run(at, "hotspots")
    table = at.dataframe[0].value
    from qroi.read import hotspots as hotspot_reads

    engine = database.connect(str(dash_db))
    whole = hotspot_reads.hotspots(engine, DEMO, kept=frozenset(roles.names())).set_index("path")["commits"]
    engine.dispose()
    moved = table["previous_paths"] != ""  # renamed on the main line
    row = table[moved & (table["commits"] < table["path"].map(whole))].iloc[0]  # fewer in the period
    assert set(row["previous_paths"].split("; ")) <= renamed_from
    at.session_state["history_path"] = row["path"]
    run(at, "file_history")
    shown = metrics(at)
    assert (shown["Commits"], shown["Bug-fix commits"]) != (str(row["commits"]), str(row["bugfix_commits"]))
    text = " ".join(c.value for c in at.caption)
    assert (
        f"Hotspots count {row['commits']:,} commits and {row['bugfix_commits']:,} bug fixes for this "
        "file in the period" in text
    )
    assert (
        f"the {shown['Commits']} commits and {shown['Bug-fix commits']} bug fixes here are over all history"
        in text
    )
    # Both follow the file through its renames: the earlier paths are the hotspot row's, named.
    assert f"before `{row['path']}` this file was" in text
    assert all(f"`{p}`" in text for p in row["previous_paths"].split("; "))
    assert any("uses all history, not the sidebar's period" in i.value for i in at.info)


def unrenamed_path(db: Path) -> str:
    """A Python file at HEAD of the demo history that was never renamed, blamed for bugs (SZZ) most."""
    return sql(
        db,
        """
        SELECT ch.path FROM changes ch JOIN repos r ON r.id = ch.repo_id JOIN head_files h
          ON h.repo_id = r.id AND h.path = ch.path
        WHERE r.name = ? AND ch.is_python
          AND ch.path NOT IN (SELECT path FROM changes WHERE change_type = 'rename')
        GROUP BY ch.path
        ORDER BY (SELECT count(DISTINCT b.inducing_commit_id) FROM bug_links b WHERE b.path = ch.path) DESC,
                 count(*) DESC, ch.path LIMIT 1""",
        DEMO,
    )[0][0]


def main_line_shas(db: Path) -> set[str]:
    """The first-parent chain from the demo's HEAD, walked by SQLite."""
    rows = sql(
        db,
        """
        WITH RECURSIVE chain(sha) AS (
          SELECT head_sha FROM repos WHERE name = ?
          UNION SELECT substr(c.parents, 1, 40) FROM commits c JOIN chain ON c.sha = chain.sha
          WHERE c.parents != ''
        ) SELECT sha FROM chain""",
        DEMO,
    )
    return {sha for (sha,) in rows}


def scored_versions(db: Path, path: str) -> list[tuple]:
    """(sha, mi, sloc) of a file after every commit or merge (its first-parent diff) that changed
    it, oldest first, scored versions only."""
    return sql(
        db,
        """
        SELECT c.sha, b.mi, b.sloc FROM (
          SELECT commit_id, new_blob FROM changes WHERE path = ?1
          UNION ALL SELECT commit_id, new_blob FROM merge_changes WHERE path = ?1
        ) v JOIN commits c ON c.id = v.commit_id JOIN repos r ON r.id = c.repo_id AND r.name = ?2
        JOIN blobs b ON b.blob = v.new_blob WHERE b.sloc IS NOT NULL ORDER BY c.generation""",
        path,
        DEMO,
    )


def main_line_versions(db: Path, path: str) -> list[tuple]:
    """An unrenamed file's scored versions on the main line, merges included."""
    main = main_line_shas(db)
    return [v for v in scored_versions(db, path) if v[0] in main]


def test_file_history_draws_the_main_line_and_branch_commits_beside_it(app: AppTest, dash_db: Path) -> None:
    """Two branches alive at once each change their own copy of a file: one line through both
    zig-zags between them. The line is the main line's versions; branch commits are points."""
    main = main_line_shas(dash_db)
    changed = sql(
        dash_db,
        """
        SELECT ch.path, c.sha FROM changes ch JOIN commits c ON c.id = ch.commit_id JOIN repos r ON r.id = ch.repo_id
        JOIN head_files h ON h.repo_id = r.id AND h.path = ch.path
        WHERE r.name = ? AND ch.is_python
          AND ch.path NOT IN (SELECT path FROM changes WHERE change_type = 'rename')""",
        DEMO,
    )
    changed = pd.DataFrame(changed, columns=["path", "sha"])
    off_main = changed[~changed["sha"].isin(main)]
    path = off_main.groupby("path").size().sort_index().idxmax()
    off_main = off_main[off_main["path"] == path]
    merges = sql(
        dash_db,
        "SELECT c.sha FROM merge_changes m JOIN commits c ON c.id = m.commit_id WHERE m.path = ?",
        path,
    )
    app.session_state["history_repo"] = DEMO
    app.session_state["history_path"] = path
    at = run(app)
    at.multiselect(key="repos").set_value([DEMO])
    run(at, "file_history")
    traces = figures(at)[0]["data"]
    line = main_line_versions(dash_db, path)
    assert {sha for (sha,) in merges} & main, "the main line takes the branch's changes in by a merge"
    mi_line = next(t for t in traces if t.get("name") == "MI")
    assert [c[0] for c in mi_line["customdata"]] == [sha[:10] for sha, _, _ in line]
    assert values(mi_line["y"]) == pytest.approx([mi for _, mi, _ in line])
    branch = next(t for t in traces if t.get("name") == "On a branch")
    assert "lines" not in branch["mode"]
    scored_off_main = {sha for sha, _, _ in scored_versions(dash_db, path)} & set(off_main["sha"])
    assert sorted(c[0] for c in branch["customdata"]) == sorted(sha[:10] for sha in scored_off_main)


def test_file_history_shows_each_change_and_the_functions_of_the_latest_version(
    app: AppTest, engine, dash_db: Path
) -> None:
    path = unrenamed_path(dash_db)
    app.session_state["history_repo"] = DEMO
    app.session_state["history_path"] = path
    at = run(app)
    at.multiselect(key="repos").set_value([DEMO])
    run(at, "file_history")
    rows = sql(
        dash_db,
        """
        SELECT c.sha, c.is_bugfix, b.mi, b.sloc FROM changes ch JOIN commits c ON c.id = ch.commit_id
        JOIN repos r ON r.id = ch.repo_id LEFT JOIN blobs b ON b.blob = ch.new_blob
        WHERE r.name = ? AND ch.path = ? ORDER BY c.generation, c.committed_ts, c.sha""",
        DEMO,
        path,
    )
    shown = metrics(at)
    assert shown["Commits"] == str(len({r[0] for r in rows}))
    assert shown["Bug-fix commits"] == str(len({r[0] for r in rows if r[1]}))
    scored = [r for r in rows if r[3] is not None]
    main = main_line_versions(dash_db, path)
    assert shown["sloc"] == f"{main[-1][2]:,}", "the file at HEAD"
    mi_line = next(t for t in figures(at)[0]["data"] if t.get("name") == "MI")
    assert values(mi_line["y"]) == pytest.approx([r[1] for r in main])
    fixes = [t for t in figures(at)[0]["data"] if t.get("name") == "Bug-fix commit"]
    assert (len(values(fixes[0]["x"])) if fixes else 0) == sum(1 for r in scored if r[1])
    links = queries.bug_links(engine, DEMO)
    blamed = [r for r in scored if r[0] in set(links.loc[links["path"] == path, "inducing_sha"])]
    assert blamed, "the chosen file has SZZ links to show"
    marks = next(t for t in figures(at)[0]["data"] if t.get("name") == "Bug-inducing commit")
    assert len(values(marks["x"])) == len(blamed)
    assert shown["Bug-inducing"] == str(len({r[0] for r in blamed}))
    functions = queries.head_functions(engine, DEMO)
    functions = functions[functions["path"] == path]
    table = at.dataframe[0].value
    assert list(table["complexity"]) == list(functions["complexity"])


def test_file_history_names_the_function_end_line_as_radons(app: AppTest) -> None:
    """Radon ends a function whose last statement is an assert on its def line; the table must
    not present that as the function's last line without saying so."""
    at = run(app)
    at.multiselect(key="repos").set_value([DEMO])
    run(at, "file_history")
    columns = json.loads(at.dataframe[0].proto.columns)
    assert columns["endline"]["label"] == "Last line (Radon)"
    assert "assert" in columns["endline"]["help"]


# --- commits and export ------------------------------------------------------------------------


def test_commit_table_deltas_are_first_parent_differences(app: AppTest, engine) -> None:
    at = run(app)
    at.multiselect(key="repos").set_value([DEMO])
    at.session_state["file_roles"] = list(roles.names())  # every commit, whatever it touched
    run(at, "commits")
    commits = queries.commits(engine, DEMO).set_index("sha")
    table = at.dataframe[0].value
    assert metrics(at)["Commits shown"] == f"{len(commits):,}"
    for row in table.itertuples():
        full = next(s for s in commits.index if s.startswith(row.sha))
        parents = commits.at[full, "parents"].split()
        before = commits.loc[parents[0]] if parents else None
        cc_before = int(before["py_cc_total"]) if before is not None else 0
        assert row.d_cc_total == int(commits.at[full, "py_cc_total"]) - cc_before, full
        sloc_before = int(before["py_sloc"]) if before is not None else 0
        assert row.d_sloc == int(commits.at[full, "py_sloc"]) - sloc_before, full


def test_commit_totals_add_up_to_the_overviews_change(app: AppTest, engine) -> None:
    """Net Δ over all history is HEAD's figure (the root is compared with the empty tree); over a
    period it is the Overview's change since the period began: branch work is not counted twice."""
    at = run(app)
    at.multiselect(key="repos").set_value([DEMO])
    at.session_state["file_roles"] = list(roles.names())  # every commit, whatever it touched
    run(at, "commits")
    head = queries.commits(engine, DEMO).iloc[-1]

    def net(figure: str) -> str:
        return next(v for k, v in metrics(at).items() if k.startswith(f"Net Δ {figure}"))

    assert net("sloc") == f"{int(head['py_sloc']):+,}"
    assert net("CC") == f"{int(head['py_cc_total']):+,}"
    days = queries.utc(queries.commits(engine, DEMO)["committed_ts"]).dt.date
    at.date_input(key="period").set_value((days.quantile(0.3, interpolation="nearest"), days.max()))
    run(at)
    in_period = net("sloc")
    run(at, "overview")
    assert in_period == deltas(at)["Python sloc"]


def test_commit_filters_narrow_the_table_and_carry_over_to_the_export(app: AppTest, engine) -> None:
    at = run(app)
    at.multiselect(key="repos").set_value([DEMO])
    at.session_state["file_roles"] = list(roles.names())  # every commit, whatever it touched
    run(at, "commits")
    commits = queries.commits(engine, DEMO)
    at.button_group(key="cf_bugfix").set_value("Only")
    run(at)
    fixes = commits[commits["is_bugfix"].astype(bool)]
    assert metrics(at)["Commits shown"] == f"{len(fixes):,}"
    word = fixes["message"].iloc[0].split()[1].strip(".,:")
    at.text_input(key="cf_text").set_value(word)
    run(at)
    matching = fixes[fixes["message"].str.lower().str.contains(word.lower(), regex=False)]
    assert metrics(at)["Commits shown"] == f"{len(matching):,}"

    run(at, "export")
    assert metrics(at)["Rows"] == f"{len(matching):,}", "the export honours the Commits page's filters"
    preview = at.dataframe[0].value
    assert set(preview["sha"]) == set(matching["sha"])


def test_role_pickers_default_to_product_and_export_what_the_cli_exports(
    app: AppTest, engine, dash_db
) -> None:
    """Commits and Export list what `qroi export NAME --roles ROLES` lists, product by default; the
    choice made on one page holds on the next."""
    at = run(app)
    at.multiselect(key="repos").set_value([DEMO])
    run(at, "commits")
    assert at.multiselect(key="file_roles").value == [roles.PRODUCT]

    def cli(table: str, chosen: str) -> list[list[str]]:
        done = run_cli("export", table, "--repo", DEMO, "--db", str(dash_db), "--roles", chosen)
        assert done.returncode == 0, done.stderr
        return list(csv.reader(io.StringIO(done.stdout)))

    for chosen in ("product", "test,docs"):
        kept = chosen.split(",")
        at.multiselect(key="file_roles").set_value(kept)
        run(at, "commits")
        product_commits = cli("commits", chosen)
        assert 0 < len(product_commits) - 1 < len(queries.commits(engine, DEMO))
        assert metrics(at)["Commits shown"] == f"{len(product_commits) - 1:,}"
        run(at, "export")
        for table in ("commits", "files", "functions"):
            at.radio(key="export_table").set_value(table)
            run(at)
            rows = cli(table, chosen)
            assert metrics(at)["Rows"] == f"{len(rows) - 1:,}", (chosen, table)
            preview = at.dataframe[0].value
            key = "sha" if table == "commits" else "path"
            column = rows[0].index(key)
            assert sorted(set(preview[key])) == sorted({r[column] for r in rows[1:]}), (chosen, table)
    bad = run_cli("export", "releases", "--repo", DEMO, "--db", str(dash_db), "--roles", "product")
    assert bad.returncode == 2 and "--roles applies to" in bad.stderr


def test_export_csv_is_the_cli_table_plus_deltas(dash_db: Path, engine) -> None:
    """The download's bytes (the browser test clicks it; here the same function builds them)."""
    from qroi.dashboard import data

    state = database.database_url(str(dash_db))
    frame = data.commits_export(data.Scope(state, "test", (DEMO,)))
    ours = list(csv.reader(io.StringIO(export.csv_text(frame))))
    cli = list(csv.reader(io.StringIO(export.csv_text(export.table(engine, "commits", DEMO)))))
    width = len(queries.COMMIT_COLUMNS)
    assert ours[0][:width] == cli[0] and ours[0][width:] == [
        "d_sloc",
        "d_cc_total",
        "d_mi",
        "d_functions",
        "d_c_or_worse",
        "d_files",
    ]
    assert [row[:width] for row in ours[1:]] == cli[1:]


def test_every_export_table_renders(app: AppTest) -> None:
    at = run(app, "export")
    for table in ("files", "functions", "timeline", "releases", "history", "commits"):
        at.radio(key="export_table").set_value(table)
        run(at)
        assert at.info or int(metrics(at)["Rows"].replace(",", "")) > 0


def test_ai_era_tables_export_as_the_cli_has_them(app: AppTest, engine) -> None:
    at = run(app)
    at.multiselect(key="repos").set_value([DEMO])
    run(at, "export")
    for table in ("lineops", "ai", "duplication"):
        at.radio(key="export_table").set_value(table)
        run(at)
        expected = len(export.table(engine, table, DEMO))
        assert expected > 0 and metrics(at)["Rows"] == f"{expected:,}", table


# --- delivery ----------------------------------------------------------------------------------


def test_delivery_figures_are_the_stores_delivery_signals(app: AppTest, engine) -> None:
    at = run(app)
    at.multiselect(key="repos").set_value([DEMO])
    run(at, "delivery")
    commits = queries.commits(engine, DEMO)
    work = commits[~commits["is_merge"].astype(bool)]
    releases = queries.releases(engine, DEMO)
    issues = queries.issues(engine, DEMO)
    shown = metrics(at)
    assert len(releases) > 0 and shown["Releases"] == str(len(releases))
    assert shown["Median lead time"] == f"{work['lead_time_days'].dropna().median():,.1f} days"
    assert shown["Time to close"] == f"{issues['time_to_close_days'].dropna().median():,.1f} days"
    assert shown["Change failure"] == share(int(releases["change_failure"].astype(bool).sum()), len(releases))
    assert shown["Changes reverted"] == share(int(work["reverted_later"].astype(bool).sum()), len(work))
    assert shown["Bug-inducing"] == share(int(work["bug_inducing"].astype(bool).sum()), len(work))
    assert not at.info, "an imported tracker export needs no import hint"


def test_delivery_without_an_issue_import_says_how_to_import_one(app: AppTest) -> None:
    at = run(app)
    at.multiselect(key="repos").set_value([OTHER])
    run(at, "delivery")
    assert any("No issue-tracker export is imported for gadget" in i.value for i in at.info)
    assert any(c.value.startswith(f"qroi issues import issues.json --repo {OTHER}") for c in at.code)


# --- does quality pay? -------------------------------------------------------------------------


def test_claim_page_shows_the_verdicts_of_tracker_claim(app: AppTest, engine) -> None:
    app.session_state["claim_precision"] = "quick"  # Wald intervals: the same verdict logic, in a second
    app.session_state["claim_roles"] = list(roles.names())  # the demo's product files alone are too few
    at = run(app)
    at.multiselect(key="repos").set_value([DEMO])
    run(at, "claim")
    every = frozenset(roles.names())
    expected = claim_test(engine, [DEMO], None, ["defects"], "6M", 1.1, n_boot=0, kept=every).report
    assert all(h.verdict != "Too little data" for h in expected.hypotheses)
    page = " ".join(m.value for m in at.markdown)
    for h in expected.hypotheses:
        assert h.verdict in page
        assert h.explanation in " ".join(c.value for c in at.caption)
    ratios = [m.value for m in at.metric if m.label == "Adjusted ratio per SD worse"]
    assert ratios == [f"{h.adjusted.ratio:.2f}×" for h in expected.hypotheses if h.adjusted]
    forest = figures(at)[0]
    plotted = sorted(x for t in forest["data"] for x in values(t["x"]))
    assert plotted == pytest.approx(sorted(expected.effects_frame()["ratio"]))
    assert len(at.get("download_button")) == 2, "panel CSV and JSON report"


def test_claim_page_says_it_uses_all_history_when_a_period_is_chosen(app: AppTest, engine) -> None:
    """The claim test runs on every complete window, as `qroi claim`: a period in the sidebar must
    not appear as the scope of its verdicts."""
    app.session_state["claim_precision"] = "quick"
    app.session_state["claim_roles"] = list(roles.names())
    at = run(app)
    at.multiselect(key="repos").set_value([DEMO])
    run(at)
    days = queries.utc(queries.commits(engine, DEMO)["committed_ts"]).dt.date
    first, last = days.quantile(0.4, interpolation="nearest"), days.quantile(0.6, interpolation="nearest")
    at.date_input(key="period").set_value((first, last))
    run(at, "claim")
    scope = at.caption[0].value
    assert "all history" in scope and f"{first:%d %b %Y}" not in scope, scope
    assert any("uses all history, not the sidebar's period" in i.value for i in at.info)
    every = frozenset(roles.names())
    expected = claim_test(engine, [DEMO], None, ["defects"], "6M", 1.1, n_boot=0, kept=every).report
    sizes = [c.value for c in at.caption if c.value.startswith("95% CI") and "file-windows of" in c.value]
    assert sizes == [
        f"95% CI {h.adjusted.ci_low:.2f}–{h.adjusted.ci_high:.2f} · n = {h.n_rows:,} file-windows of "
        f"{h.n_units:,} files"
        for h in expected.hypotheses
        if h.adjusted
    ], "the figures are those of all history"


def test_claim_page_pools_several_repositories(app: AppTest, engine) -> None:
    app.session_state["claim_precision"] = "quick"
    app.session_state["claim_metrics"] = ["mi"]
    at = run(app)
    run(at, "claim")
    expected = claim_test(engine, [OTHER, DEMO], ["mi"], ["defects"], "6M", 1.1, n_boot=0)
    pooled = expected.pooled["mi -> bugfix_commits"]
    assert any(pooled.summary == c.value for c in at.caption)
    assert [t.label for t in at.tabs] == [OTHER, DEMO]


# --- AI era ------------------------------------------------------------------------------------


def test_ai_era_page_shows_the_stores_line_operations_and_verdicts(
    ai_era_db: Path, ai_era_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = run(_fresh(ai_era_db, monkeypatch))
    run(at, "ai_era")
    ((commits, operations, copied, moved, blocks),) = sql(
        ai_era_db,
        """
        SELECT count(*), sum(operations), sum(copy_pasted), sum(moved), sum(duplicated_block) FROM commit_lineops""",
    )
    ((flagged,),) = sql(
        ai_era_db,
        "SELECT count(*) FROM commit_lineops l JOIN ai_declarations d USING (commit_id) WHERE d.flagged",
    )
    ((churned, written),) = sql(
        ai_era_db,
        """
        SELECT sum(l.churned), sum(l.added + l.updated + l.copy_pasted + l.trivial_added) FROM commit_lineops l
        JOIN commits c ON c.id = l.commit_id
        WHERE c.authored_ts + 14 * 86400 <= (SELECT max(authored_ts) FROM commits)""",
    )
    ((tree,),) = sql(
        ai_era_db, "SELECT share FROM tree_duplication WHERE kind = 'month' ORDER BY at DESC LIMIT 1"
    )
    shown = metrics(at)
    assert shown["Commits"] == f"{commits:,}"
    assert shown["Copy/paste"] == share(copied, operations) and shown["Moved"] == share(moved, operations)
    assert shown["Churn (14 days)"] == share(churned, written)
    assert shown["Duplicated-block commits"] == share(blocks, commits)
    assert shown["Declared AI"] == share(flagged, commits)
    assert shown["Tree duplicated"] == f"{tree * 100:.1f}%"
    monthly = figures(at)[0]
    pasted = next(t for t in monthly["data"] if t["name"] == "copy/paste share of line operations")
    by_month = dict(
        sql(
            ai_era_db,
            """
        SELECT strftime('%Y-%m', c.authored_ts, 'unixepoch'), 100.0 * sum(l.copy_pasted) / sum(l.operations)
        FROM commit_lineops l JOIN commits c ON c.id = l.commit_id GROUP BY 1""",
        )
    )
    drawn = dict(zip([x[:7] for x in values(pasted["x"])], values(pasted["y"]), strict=True))
    assert {m: v for m, v in drawn.items() if m in by_month} == pytest.approx(by_month)
    assert any("Only declared AI assistance is found" in c.value for c in at.caption)

    event = truth.load(ai_era_repo)["notes"]["ai_event"][0]["date"]
    at.date_input(key="ai_event").set_value(date.fromisoformat(event))
    run(at)
    expected = ai_lens.lens(database.connect(str(ai_era_db)), ["aiera"], event=event)
    page = " ".join(m.value for m in at.markdown)
    captions = " ".join(c.value for c in at.caption)
    assert expected.event is not None and expected.event["copy_paste_share"].verdict == "Level shift"
    for change in expected.event.changes:
        assert change.verdict in page and change.explanation in captions
    for c in expected.comparisons.comparisons:
        assert f">{c.verdict}<" in page and (c.explanation or "") in captions
    before_after = figures(at)[1]
    assert f"adoption {event[:7]}" in json.dumps(before_after["layout"])


def test_ai_era_page_says_what_is_missing(
    ai_era_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "no-lineops.db"
    with sqlite3.connect(ai_era_db) as src, sqlite3.connect(path) as dst:
        src.backup(dst)
        dst.execute("DELETE FROM commit_lineops")
    at = run(_fresh(path, monkeypatch))
    run(at, "ai_era")
    assert any("No line operations are stored" in i.value for i in at.info) and not at.metric

    engine = database.connect(str(path))
    with engine.begin() as conn:  # the store as qroi 0003 left it: no AI-era tables, no change kinds
        command.downgrade(migrate._config(conn), "0003")
    engine.dispose()
    at = run(_fresh(path, monkeypatch))
    assert not at.exception
    assert any("run `qroi ingest` on each repository again" in e.value for e in at.error), at.error


def test_every_page_opens_on_a_history_with_odd_commit_headers(tmp_path: Path, monkeypatch) -> None:
    """+051800, a 2128 date, a date before 1970, no date, a Latin-1 name: every page still draws."""
    from qroi.sample_repos import odd_headers

    repo = odd_headers.build(tmp_path / "odd")
    db = tmp_path / "odd.db"
    eng = database.connect(str(db))
    ingest(eng, str(repo), IngestOptions(workers=1))
    eng.dispose()
    at = _fresh(db, monkeypatch)
    run(at)
    for page in ("overview", "commits", "hotspots", "file_history", "delivery", "tree_map", "export"):
        run(at, page)
    assert sql(db, "SELECT count(*) FROM commits WHERE header_flags IS NOT NULL") == [(4,)]
