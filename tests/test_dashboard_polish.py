"""Small things the dashboard review saw wrong, each checked where it is drawn (AppTest, no browser)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from qroi.core import roles
from qroi.dashboard import charts, components
from qroi.ingest.pipeline import IngestOptions, ingest
from qroi.read import delivery as delivery_reads
from qroi.read import export, queries
from qroi.read import hotspots as hotspot_reads
from qroi.store import database

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")


def _cards() -> None:
    from qroi.dashboard import components

    components.cards(
        [
            components.Card("Flat", "10", "+0.0"),
            components.Card("Flat share", "10%", "-0.0 pp", "inverse"),
            components.Card("Up", "11", "+1.0"),
        ]
    )


def test_a_zero_change_is_not_styled_as_an_increase() -> None:
    at = AppTest.from_function(_cards, default_timeout=60).run()
    assert not at.exception
    flat, flat_share, up = at.metric
    for card in (flat, flat_share):
        assert not card.delta.startswith(("+", "-"))
        assert card.proto.color == 2  # MetricColor.GRAY: neither green nor red
        assert card.proto.direction == 2  # MetricDirection.NONE: no arrow
    assert up.delta == "+1.0" and up.proto.direction == 1


def _overview(db: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("QROI_DB", str(db))
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(APP, default_timeout=90).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_overview_axis_from_zero_and_caption_names_the_release_marks_drawn(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _overview(demo_db, monkeypatch)
    fig = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert fig["layout"]["yaxis"]["rangemode"] == "tozero"
    dotted = [s for s in fig["layout"].get("shapes", []) if s.get("line", {}).get("dash") == "dot"]
    triangles = [t for t in fig["data"] if t.get("name") == "Release"]
    caption = " ".join(c.value for c in at.caption)
    assert bool(triangles) == ("Violet triangles on top mark releases" in caption)
    assert bool(dotted) == ("dotted lines across the charts" in caption)
    assert "Dotted violet lines are releases" not in caption


def test_lead_time_line_is_broken_across_months_without_releases(demo_db: Path) -> None:
    engine = database.connect(str(demo_db))
    lead = delivery_reads.monthly_lead_time(delivery_reads.lead_times(engine, "widget"))
    months = pd.to_datetime(lead["month"])
    for days in (31, 62, charts.GAP_DAYS):
        xs, ys = charts.broken_at_gaps(lead["month"], lead["median_days"], days)
        assert [y for y in ys if y is not None] == list(lead["median_days"])
        assert sum(y is None for y in ys) == int((months.diff().dt.days > days).sum())
        for i in range(1, len(ys)):
            if ys[i] is not None and ys[i - 1] is not None:
                assert (xs[i] - xs[i - 1]).days <= days


@pytest.mark.parametrize(
    "page", ["overview", "hotspots", "file_history", "commits", "delivery", "ai_era", "tree_map"]
)
def test_tables_show_a_missing_value_as_a_dash_not_none(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch, page: str
) -> None:
    monkeypatch.setenv("QROI_DB", str(demo_db))
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(APP, default_timeout=90)
    at.switch_page(f"views/{page}.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    for table in at.dataframe:
        assert table.proto.placeholder == components.MISSING


def test_time_to_close_states_the_issues_it_rests_on(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QROI_DB", str(demo_db))
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(APP, default_timeout=90)
    at.switch_page("views/delivery.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    card = next(m for m in at.metric if m.label == "Time to close")
    spans = delivery_reads.issue_spans(database.connect(str(demo_db)), "widget")
    mentioned = spans[spans["days"] > 0]
    assert card.delta == f"median of {len(mentioned):,} of {len(spans):,} issues"
    assert card.value == f"{mentioned['days'].median():,.1f} days"


def _git(repo: Path, *args: str, when: str = "2024-01-01T10:00:00+0000") -> None:
    env = {
        "GIT_AUTHOR_DATE": when,
        "GIT_COMMITTER_DATE": when,
        "GIT_AUTHOR_NAME": "Dev",
        "GIT_AUTHOR_EMAIL": "dev@example.com",
        "GIT_COMMITTER_NAME": "Dev",
        "GIT_COMMITTER_EMAIL": "dev@example.com",
        "PATH": "/usr/bin:/bin",
    }
    subprocess.run(["git", "-C", str(repo), *args], check=True, env=env, capture_output=True)


def _change(repo: Path, n: int, when: str) -> None:
    (repo / "mod.py").write_text("".join(f"def f{i}(x):\n    return x + {i}\n" for i in range(n)))
    _git(repo, "commit", "-qam", f"Change {n}", when=when)


def test_file_history_lists_its_commits_newest_first_by_date(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A branch of three early commits and one later mainline commit: the commit graph's order
    (by generation) puts the branch's older commits above the mainline's newer one."""
    repo = tmp_path / "branchy"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    (repo / "mod.py").write_text("def f0(x):\n    return x\n")
    _git(repo, "add", "mod.py")
    _git(repo, "commit", "-qm", "Start", when="2024-01-01T10:00:00+0000")
    _git(repo, "checkout", "-qb", "side")
    for day in (2, 3, 4):
        _change(repo, day, f"2024-01-0{day}T10:00:00+0000")
    _git(repo, "checkout", "-q", "main")
    (repo / "other.py").write_text("X = 1\n")
    (repo / "mod.py").write_text("def g(x):\n    return x\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "Main change", when="2024-01-08T10:00:00+0000")
    _git(repo, "merge", "-q", "-X", "theirs", "--no-edit", "side", when="2024-01-09T10:00:00+0000")
    db = tmp_path / "b.db"
    engine = database.connect(str(db))
    ingest(engine, str(repo), IngestOptions(workers=1))
    engine.dispose()
    monkeypatch.setenv("QROI_DB", str(db))
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["history_repo"] = "branchy"
    at.session_state["history_path"] = "mod.py"
    at.switch_page("views/file_history.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    log = next(t.value for t in at.dataframe if "subject" in t.value.columns)
    assert len(log) >= 5
    assert log["committed_at"].is_monotonic_decreasing


def test_files_export_has_every_column_of_qroi_export_files(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QROI_DB", str(demo_db))
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(APP, default_timeout=90)
    at.switch_page("views/export.py")
    at.run()
    at.radio(key="export_table").set_value("files")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    shown = at.dataframe[-1].value
    # The page's default file roles (product), as `qroi export files --roles product`.
    cli = export.table(database.connect(str(demo_db)), "files", "widget", frozenset({roles.PRODUCT}))
    width = len(queries.FILE_COLUMNS)
    assert list(shown.columns[:width]) == queries.FILE_COLUMNS
    assert [c for c in shown.columns[width:]] == [
        "period_commits",
        "period_bugfix_commits",
        "period_authors",
        "period_added",
        "period_deleted",
        "score",
    ]
    assert export.csv_text(shown[queries.FILE_COLUMNS].reset_index(drop=True)) == export.csv_text(
        cli.head(1000)
    )


def test_a_target_is_drawn_on_the_quality_trend_and_judged(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _overview(demo_db, monkeypatch)
    mi = float(
        queries.commits(database.connect(str(demo_db)), "widget").sort_values("generation")["py_mi"].iloc[-1]
    )
    for target, verdict in ((mi - 5, "meets"), (mi + 5, "misses")):
        at.number_input(key="target_py_mi").set_value(round(target, 1))
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        fig = json.loads(at.get("plotly_chart")[0].proto.spec)
        line = next(t for t in fig["data"] if t.get("name") == "Target")
        assert line["y"] == [round(target, 1), round(target, 1)]
        assert any(f"{verdict} the target of {target:,.1f}" in m.value for m in at.markdown)


def test_ai_era_without_declared_ai_says_so_once_and_names_the_default_date(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    declared = (
        sqlite3.connect(demo_db).execute("SELECT count(*) FROM ai_declarations WHERE flagged").fetchone()[0]
    )
    assert declared == 0  # the demo history declares no AI assistance
    monkeypatch.setenv("QROI_DB", str(demo_db))
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(APP, default_timeout=90)
    at.switch_page("views/ai_era.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    event = at.date_input(key="ai_event").value
    assert any(f"{event:%B %Y}, the middle of the history, is shown" in c.value for c in at.caption)
    assert any("nothing to compare with the other commits" in i.value for i in at.info)
    assert not any("Too little data" in m.value for m in at.markdown)


def test_file_history_opens_on_the_hottest_product_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tests change with every fix, so they lead a ranking of every role; the first file shown is product code."""
    repo = tmp_path / "testheavy"
    (repo / "src").mkdir(parents=True)
    (repo / "tests").mkdir()
    _git(repo, "init", "-q", "-b", "main")
    for day in range(1, 7):
        body = "".join(f"def test_{i}(x):\n    if x:\n        return {i}\n    return 0\n" for i in range(day))
        (repo / "tests" / "test_core.py").write_text(body)
        if day in (1, 4):
            (repo / "src" / "core.py").write_text(f"def run(x):\n    return x + {day}\n")
        _git(repo, "add", "-A")
        _git(repo, "commit", "-qm", f"Work {day}", when=f"2024-01-0{day}T10:00:00+0000")
    db = tmp_path / "t.db"
    engine = database.connect(str(db))
    ingest(engine, str(repo), IngestOptions(workers=1))
    every = hotspot_reads.hotspots(engine, "testheavy", kept=frozenset(roles.names()))
    product = hotspot_reads.hotspots(engine, "testheavy", kept=frozenset({roles.PRODUCT}))
    engine.dispose()
    assert every["role"].iloc[0] != roles.PRODUCT  # the trap: a test file leads every role
    monkeypatch.setenv("QROI_DB", str(db))
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(APP, default_timeout=90)
    at.switch_page("views/file_history.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="history_path").value == product["path"].iloc[0]


@pytest.mark.parametrize("count", [3, 10, 11, 55])
def test_release_labels_are_thinned_so_none_overlap(count: int) -> None:
    """At most MAX_LABELS_ACROSS names, each a tenth of the span from the next one written; the
    newest always named, every release still a marker."""
    times = pd.Series(pd.date_range("2015-01-01", periods=count, freq="17D"))
    times.iloc[count // 2 :] += pd.Timedelta(days=900)  # a burst after a long gap
    names = [f"v{i}" for i in range(count)]
    shown = charts.thinned_labels(times, names)
    written = [(t, n) for t, n in zip(times, shown, strict=True) if n]
    assert len(shown) == count and 0 < len(written) <= charts.MAX_LABELS_ACROSS
    assert shown[-1] == names[-1]
    span = (times.max() - times.min()) / charts.MAX_LABELS_ACROSS
    gaps = [b[0] - a[0] for a, b in zip(written, written[1:], strict=False)]
    assert all(g >= span for g in gaps)
    spread = pd.Series(pd.date_range("2015-01-01", periods=min(count, 10), freq="365D"))
    assert charts.thinned_labels(spread, names[: len(spread)]) == names[: len(spread)]


@pytest.mark.parametrize(("page", "column"), [("tree_map", "main_owner"), ("ai_era", "author")])
def test_people_are_shown_by_name_never_by_e_mail(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch, page: str, column: str
) -> None:
    at = _overview(demo_db, monkeypatch)
    at.switch_page(f"views/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    engine = database.connect(str(demo_db))
    names = queries.author_names(engine, "widget")
    shown = next(d.value for d in at.dataframe if column in d.value.columns)[column].dropna()
    assert len(shown) and not any("@" in str(v) for v in shown)
    assert set(shown) <= set(names.values())
    every = " ".join(str(v) for d in at.dataframe for v in d.value.astype(str).to_numpy().ravel())
    assert not any(email in every for email in names)


def test_file_history_lists_the_files_of_the_chosen_roles(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _overview(demo_db, monkeypatch)
    at.switch_page("views/file_history.py").run()
    assert not at.exception, [e.value for e in at.exception]
    every = queries.changes(database.connect(str(demo_db)), "widget")["path"]
    every = {p for p in every if p.endswith(".py")}
    for kept in ([roles.PRODUCT], ["test"]):
        at.multiselect(key="file_roles").set_value(kept).run()
        current = at.selectbox(key="history_path").value
        listed = set(at.selectbox(key="history_path").options) - {current}
        wanted = {p for p in every if roles.role_of(p) in kept} - {current}
        assert listed and listed <= wanted, kept
        assert {roles.role_of(p) for p in listed} == set(kept)


@pytest.mark.parametrize("page", ["export", "compare", "commits", "file_history"])
def test_no_stray_text_printed_by_streamlit_magic(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch, page: str
) -> None:
    """A bare string in a page script (a docstring under a constant) is written on the page."""
    at = _overview(demo_db, monkeypatch)
    at.switch_page(f"views/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    import ast

    source = (Path(APP).parent / "views" / f"{page}.py").read_text()
    body = ast.parse(source).body[1:]  # the module docstring is not printed
    bare = {n.value.value for n in body if isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)}
    assert not bare, bare
    assert not [m.value for m in at.markdown if "`period_*`" in m.value]


@pytest.mark.parametrize("page", sorted(p.stem for p in (Path(APP).parent / "views").glob("*.py")))
def test_no_page_script_holds_a_bare_string(page: str) -> None:
    """Streamlit's magic writes every bare string of a page script on the page, a docstring under a
    constant included; only the module docstring is skipped."""
    import ast

    source = (Path(APP).parent / "views" / f"{page}.py").read_text()
    body = ast.parse(source).body[1:]
    assert not [n.lineno for n in body if isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)]
