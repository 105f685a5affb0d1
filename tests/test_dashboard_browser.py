"""The dashboard in a real Chromium, served the way users start it: `qroi dashboard --db STORE`.

One server and one browser per module. Every test checks what the page shows against the store
(never a number written here), that the page made no request outside the server (usage stats
off, no web fonts or icons fetched), and saves a screenshot to `artifacts/dashboard/`; with
`QROI_UPDATE_SCREENSHOTS=1` the main pages are also copied to `docs/screenshots/` for the README.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import BrowserContext, Page, expect, sync_playwright
from sqlalchemy import Engine

from bench.browser import CHROMIUM, CHROMIUM_ARGS, free_port, start_dashboard, wait_for_health
from qroi.analysis.claim import claim_test
from qroi.cli import summary
from qroi.core import roles
from qroi.read import ai_frames, export, queries
from qroi.store import database
from tests.test_dashboard_apptest import DEMO, OTHER, dash_db, unrenamed_path  # noqa: F401  (the same store)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("dashboard-browser")]

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "artifacts" / "dashboard"
DOCS = ROOT / "docs" / "screenshots"
WAIT = 60_000  # ms; a cold server's first render took 6-8 s here, a bootstrap-free claim test a few more
VERDICTS = ("Supported", "Contradicted", "No effect (equivalent)", "Inconclusive")


@pytest.fixture(scope="module")
def server(dash_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:  # noqa: F811
    """`qroi dashboard` as a user runs it, from a directory that has no .streamlit config of its own."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make browser)")
    port = free_port()
    cwd = tmp_path_factory.mktemp("elsewhere")
    log = (cwd / "server.log").open("w")
    proc = start_dashboard(dash_db, port, cwd, log)
    url = f"http://127.0.0.1:{port}"
    try:
        if not wait_for_health(proc, url):
            pytest.fail(f"dashboard did not start:\n{(cwd / 'server.log').read_text()}")
        yield url, port
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # the CLI and the Streamlit process it started, nothing else
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserContext]:
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=CHROMIUM,
            headless=True,
            accept_downloads=True,
            viewport={"width": 1500, "height": 1400},
            args=CHROMIUM_ARGS,
        )
        yield context
        context.close()


@pytest.fixture
def page(browser: BrowserContext, server: tuple[str, int]) -> Iterator[Page]:
    """A fresh tab (a new Streamlit session) that records every request it makes."""
    tab = browser.new_page()
    tab.requests = []  # type: ignore[attr-defined]
    tab.on("request", lambda request: tab.requests.append(request.url))  # type: ignore[attr-defined]
    yield tab
    tab.close()


@pytest.fixture
def engine(dash_db: Path) -> Iterator[Engine]:  # noqa: F811
    eng = database.connect(str(dash_db))
    yield eng
    eng.dispose()


def open_page(page: Page, server: tuple[str, int], path: str = "") -> None:
    page.goto(f"{server[0]}/{path}")
    settle(page)


def settle(page: Page) -> None:
    """Wait until the script run is over and no stale element from the previous run is left."""
    expect(page.get_by_test_id("stMain")).to_be_visible(timeout=WAIT)
    page.wait_for_function(
        """() => !document.querySelector('[data-testid="stStatusWidget"]')
                              && !document.querySelector('[data-stale="true"]')""",
        timeout=WAIT,
    )
    expect(page.get_by_test_id("stException")).to_have_count(0)


def charts_drawn(page: Page, count: int = 1) -> None:
    for i in range(count):
        expect(page.get_by_test_id("stPlotlyChart").nth(i).locator(".main-svg").first).to_be_visible(
            timeout=WAIT
        )


def metric(page: Page, label: str) -> str:
    card = (
        page.get_by_test_id("stMetric")
        .filter(visible=True)
        .filter(has=page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True))
    )
    return card.get_by_test_id("stMetricValue").inner_text().strip()


def offline(page: Page, server: tuple[str, int]) -> None:
    """Nothing but the dashboard's own server was contacted (no usage stats, fonts, icons or CDNs)."""
    outside = [u for u in page.requests if not u.startswith((server[0], "data:", "blob:"))]  # type: ignore[attr-defined]
    assert not outside, f"requests outside the server: {outside}"


def snap(page: Page, name: str, docs: bool = False) -> Path:
    """A screenshot as tall as the page's content, kept as a test artifact (and for the README)."""
    height = page.evaluate("document.querySelector('[data-testid=\"stMainBlockContainer\"]').scrollHeight")
    width = page.viewport_size["width"] if page.viewport_size else 1500
    page.set_viewport_size({"width": width, "height": max(900, int(height) + 80)})
    page.wait_for_timeout(400)  # plotly re-lays out on resize
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if docs and os.environ.get("QROI_UPDATE_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, DOCS / path.name)
    return path


def test_the_server_listens_on_loopback_only(server: tuple[str, int]) -> None:
    listening = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, port = local.rsplit(":", 1)
            if state == "0A" and int(port, 16) == server[1]:  # 0A = LISTEN
                listening.add(address)
    assert listening == {"0100007F"}, f"expected only 127.0.0.1, got {listening}"


def test_overview_renders_and_follows_the_measure_and_repository_pickers(page: Page, server, engine) -> None:
    open_page(page, server)
    charts_drawn(page)
    both = pd.concat([queries.commits(engine, DEMO), queries.commits(engine, OTHER)])
    assert metric(page, "Commits") == f"{len(both):,}"
    timeline = page.get_by_test_id("stPlotlyChart").first
    expect(timeline).to_contain_text(f"Maintainability index · {OTHER}")
    expect(timeline).to_contain_text(f"Maintainability index · {DEMO}")
    expect(timeline).to_contain_text("MI (0–100)")
    snap(page, "overview", docs=True)

    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_test_id("stSelectbox").filter(has_text="Quality measure").click()
    page.get_by_role("option", name="Complexity density").click()
    settle(page)
    timeline = page.get_by_test_id("stPlotlyChart").filter(visible=True).first
    expect(timeline).to_contain_text("CC per 100 sloc", timeout=WAIT)
    expect(timeline).to_contain_text(f"Complexity density · {DEMO}")

    sidebar.get_by_role("button", name=f"Remove {OTHER}").click()
    settle(page)
    widget = queries.commits(engine, DEMO)
    expect(
        page.get_by_test_id("stMetric").filter(visible=True).first.get_by_test_id("stMetricValue")
    ).to_have_text(f"{len(widget):,}", timeout=WAIT)
    timeline = page.get_by_test_id("stPlotlyChart").filter(visible=True).first
    expect(timeline).to_contain_text("Complexity density", timeout=WAIT)
    expect(timeline).not_to_contain_text(OTHER)
    head = widget.iloc[-1]
    assert metric(page, "Python sloc") == f"{int(head['py_sloc']):,}"
    snap(page, "overview-one-repo-cc-density")
    offline(page, server)


def test_claim_page_shows_the_verdicts(page: Page, server, engine) -> None:
    every = "".join(f"&claim_roles={r}" for r in roles.names())  # the demo's product files alone are too few
    open_page(page, server, f"claim?claim_precision=Quick{every}")  # the URL carries the controls (shareable)
    expect(page.get_by_role("tab", name=OTHER)).to_be_visible(timeout=WAIT)
    page.get_by_test_id("stSidebar").get_by_role("button", name=f"Remove {OTHER}").click()  # one repository
    settle(page)
    expected = claim_test(
        engine, [DEMO], None, ["defects"], "6M", 1.1, n_boot=0, kept=frozenset(roles.names())
    ).report
    main = page.get_by_test_id("stMain")
    for h in expected.hypotheses:
        assert h.verdict in VERDICTS
        expect(main).to_contain_text(h.explanation, timeout=WAIT)
    charts_drawn(page, 3)
    expect(page.get_by_test_id("stPlotlyChart").first).to_contain_text("Size + exposure-adjusted")
    snap(page, "claim", docs=True)
    offline(page, server)


def test_export_download_parses_and_matches_the_store(page: Page, server, engine) -> None:
    open_page(page, server, "export")
    button = page.get_by_test_id("stDownloadButton").filter(visible=True).first
    expect(button).to_be_visible(timeout=WAIT)
    with page.expect_download() as download:
        button.locator("button").click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    width = len(queries.COMMIT_COLUMNS)
    product = frozenset(
        {roles.PRODUCT}
    )  # the page's default file roles: `qroi export commits --roles product`
    cli = [
        list(csv.reader(io.StringIO(export.csv_text(export.table(engine, "commits", r, product)))))
        for r in (OTHER, DEMO)
    ]
    assert rows[0][:width] == cli[0][0]
    assert [r[:width] for r in rows[1:]] == cli[0][1:] + cli[1][1:]
    commits = queries.commits(engine, OTHER).set_index("sha")
    for row in rows[1:20]:  # the delta columns: this commit's total CC minus its first parent's
        record = dict(zip(rows[0], row, strict=True))
        parents = record["parents"].split()
        before = int(commits.at[parents[0], "py_cc_total"]) if parents else 0
        assert float(record["d_cc_total"]) == int(record["py_cc_total"]) - before
    snap(page, "export")
    offline(page, server)


def test_every_page_renders_and_the_sidebar_filters_follow_across_pages(
    page: Page,
    server,
    engine,
    dash_db: Path,  # noqa: F811
) -> None:
    """One session walks the app through its navigation: filters set once hold on every page."""
    open_page(page, server)
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_role("button", name=f"Remove {OTHER}").click()
    settle(page)
    measure = sidebar.get_by_test_id("stSelectbox").filter(has_text="Quality measure")
    measure.click()
    page.get_by_role("option", name="Complexity density").click()
    settle(page)

    visit(page, "Hotspots", charts=1)
    hot = summary.hotspot_table(queries.head_files(engine, DEMO), top=1).iloc[0]
    expect(page.get_by_test_id("stPlotlyChart").first).to_contain_text(hot["path"].rsplit("/", 1)[-1])
    expect(sidebar.get_by_test_id("stMultiSelect")).not_to_contain_text(OTHER)  # the repository choice held
    snap(page, "hotspots", docs=True)

    path = unrenamed_path(dash_db)  # a file whose history is its path's history (no rename to follow)
    page.get_by_test_id("stSelectbox").filter(has_text="Or choose a file").click()
    page.keyboard.type(path)  # the list is long and virtualised: search it, as a user would
    page.get_by_role("option", name=path, exact=True).click()
    settle(page)
    page.get_by_role("button", name="Open its history").click()
    expect(page.get_by_role("heading", name="File history", level=1)).to_be_visible(timeout=WAIT)
    settle(page)
    expect(page.get_by_role("combobox", name="File", exact=True)).to_have_value(path)
    charts_drawn(page, 2)
    files = queries.head_files(engine, DEMO).set_index("path")
    assert metric(page, "Commits") == f"{int(files.at[path, 'commits']):,}"
    snap(page, "file-history", docs=True)
    expect(sidebar.get_by_role("combobox", name="Quality measure")).to_have_value("Complexity density")
    expect(sidebar.get_by_test_id("stMultiSelect")).not_to_contain_text(OTHER)  # opening a file kept both
    visit(page, "Overview", charts=1)  # and so do the pages after it
    expect(page.get_by_test_id("stPlotlyChart").filter(visible=True).first).to_contain_text("CC per 100 sloc")

    visit(page, "Commits", charts=1)
    product = queries.commits_touching(engine, DEMO, frozenset({roles.PRODUCT}))  # the default file roles
    assert metric(page, "Commits shown") == f"{len(product):,}"
    snap(page, "commits", docs=True)
    visit(page, "Delivery", charts=3)
    snap(page, "delivery", docs=True)
    visit(page, "AI era", charts=3)
    assert metric(page, "Commits") == f"{len(ai_frames.commit_frame(engine, DEMO)):,}"
    snap(page, "ai-era", docs=True)
    offline(page, server)


def visit(page: Page, title: str, charts: int) -> None:
    """Go to a page through the sidebar navigation (same session, no reload) and wait for its charts."""
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True).click()
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible(timeout=WAIT)
    settle(page)
    charts_drawn(page, charts)
