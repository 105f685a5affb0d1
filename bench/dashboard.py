"""Benchmark the dashboard on a big store: each page's data load, and first render in a real browser.

Usage: python bench/dashboard.py [--store DB] [--commits N] [--cache DIR] [--no-browser] [--no-loads]
       [--screenshots DIR] [--width PX]

Without --store, a `large` sample repository of N commits (default 20,000) is built and ingested
once into --cache (default $QROI_BENCH_CACHE or /tmp/qroi-bench-dashboard) and reused by later
runs (rebuilt if the store lacks a table the code now has).

Data load: each page's loader in `qroi.dashboard.data` (the exact calls the page makes), with cold
caches and then warm, as a ratio to the floor measured in the same run: one full read of the
repository's commits into pandas. Browser: `qroi dashboard` serving the store, Chromium via
Playwright; time from navigation until the page's charts are drawn and the script run is over,
for the first visit of each page (cold server caches) and a second visit of the overview (warm),
as a ratio to the same app's first render on an empty store (Streamlit's and Chromium's fixed cost).
Between the two, each page's whole script run under AppTest (data, figures, widgets; no browser)
shows where time goes that is neither the store nor the browser.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pandas as pd
import streamlit as st


def quiet() -> None:
    """Outside a server every st.cache_data call warns "no runtime": silence Streamlit's loggers."""
    for name in list(logging.root.manager.loggerDict):
        if name.startswith("streamlit"):
            logging.getLogger(name).setLevel(logging.ERROR)


quiet()  # before the dashboard's modules declare their cached functions (each one warns)
from sqlalchemy import inspect, select
from sqlmodel import SQLModel

from bench.browser import CHROMIUM, CHROMIUM_ARGS, free_port, start_dashboard, wait_for_health
from qroi.dashboard import data
from qroi.ingest.pipeline import ingest
from qroi.read import queries
from qroi.sample_repos.build import build
from qroi.store import (
    database,
    models,
)


def cached_store(cache: Path, commits: int) -> Path:
    """The benchmark store, built once per cache dir (a 20,000-commit ingest takes minutes)."""
    db = cache / "database.db"
    if db.exists():
        engine = database.connect(str(db))
        complete = set(SQLModel.metadata.tables) <= set(inspect(engine).get_table_names())
        stored = queries.repos(engine)["commits"].max() if complete else 0
        engine.dispose()
        if complete and stored >= commits:
            return db
        for old in cache.glob("database.db*"):
            old.unlink()
    cache.mkdir(parents=True, exist_ok=True)
    repo = cache / "repo"
    if not (repo / ".git").exists():
        print(f"building a {commits:,}-commit sample repository in {repo} ...", flush=True)
        build("large", repo, commits=commits)
    print("ingesting it (a few minutes, once) ...", flush=True)
    engine = database.connect(str(db))
    ingest(engine, str(repo))
    engine.dispose()
    return db


def timed(call: Callable[[], object], repeat: int = 3) -> float:
    """Best of `repeat` wall times (the machine is shared: the minimum is the least disturbed)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - start)
    return best


def data_loads(db: Path) -> None:
    url = database.database_url(str(db))
    engine = database.connect(url)
    repo = queries.repos(engine).sort_values("commits")["name"].iloc[-1]
    rid = database.repo_id(engine, repo)
    commits = int(queries.repos(engine).set_index("name").at[repo, "commits"])

    def floor() -> None:
        with engine.connect() as conn:
            pd.read_sql(select(models.Commit).where(models.Commit.repo_id == rid), conn)

    base = timed(floor)
    os.environ["QROI_DB"] = url
    scope = data.Scope(url, data.open_store().stamp, (repo,))
    hot = data.hotspots(scope)["path"].iloc[0]
    loaders: dict[str, Callable[[], object]] = {
        **{name: (lambda load=load: load(scope)) for name, load in data.PAGE_LOADERS.items()},
        "File history": lambda: data.history(scope, repo, hot),
        "Export (commits CSV)": lambda: data.commits_export(scope),
        "Claim test (quick)": lambda: data.claim(
            url, scope.stamp, (repo,), ("mi", "cc_density", "cc_max"), "defects", "6M", 1.1, 0
        ),
        "Claim test (standard)": lambda: data.claim(
            url, scope.stamp, (repo,), ("mi", "cc_density", "cc_max"), "defects", "6M", 1.1, 199
        ),
    }

    def cold(load: Callable[[], object]) -> Callable[[], object]:
        def run() -> object:
            st.cache_data.clear()
            return load()

        return run

    print(f"\nstore: {db} ({commits:,} commits in {repo!r})")
    print(f"floor: one full read of the commits table into pandas: {base * 1000:,.0f} ms\n")
    print(f"{'page data load':<24} {'cold ms':>9} {'vs floor':>9} {'warm ms':>9}")
    for name, load in loaders.items():
        repeat = 1 if name.startswith("Claim") else 3
        cold_s = timed(cold(load), repeat)
        warm_s = timed(load, 3)
        print(f"{name:<24} {cold_s * 1000:>9,.0f} {cold_s / base:>8.1f}x {warm_s * 1000:>9,.1f}")
    engine.dispose()


PAGES = [
    ("Overview", ""),
    ("Hotspots", "hotspots"),
    ("Map", "tree_map"),
    ("File history", "file_history"),
    ("Compare", "compare"),
    ("Commits", "commits"),
    ("Delivery", "delivery"),
    ("AI era", "ai_era"),
    ("Export", "export"),
    ("Claim test (quick)", "claim"),
]
SHOTS = {
    "Overview": "overview",
    "Hotspots": "hotspots",
    "Map": "map",
    "File history": "file-history",
    "Compare": "compare",
    "Commits": "commits",
    "Delivery": "delivery",
    "AI era": "ai-era",
    "Export": "export",
    "Claim test (quick)": "claim",
}
"""The screenshot each page's first visit saves with --screenshots (README links docs/screenshots)."""


def script_runs(db: Path) -> None:
    """Each page's full script run in-process (AppTest): cold caches, then a rerun on warm ones."""
    from streamlit.testing.v1 import AppTest

    os.environ["QROI_DB"] = database.database_url(str(db))
    print(f"\n{'page script run (AppTest)':<24} {'cold ms':>9} {'warm ms':>9}")
    for name, path in PAGES:
        quiet()  # AppTest's runs add loggers of their own
        st.cache_data.clear()
        at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=600)
        at.session_state["claim_precision"] = "quick"
        if path:
            at.switch_page(f"views/{path}.py")
        start = time.perf_counter()
        at.run()
        cold = time.perf_counter() - start
        start = time.perf_counter()
        at.run()
        warm = time.perf_counter() - start
        failed = f"  EXCEPTION: {at.exception[0].value}" if at.exception else ""
        print(f"{name:<24} {cold * 1000:>9,.0f} {warm * 1000:>9,.0f}{failed}")


class Server:
    """`qroi dashboard --db DB` on a free loopback port, stopped with its process group."""

    def __init__(self, db: Path) -> None:
        self.port = free_port()
        self.log = tempfile.TemporaryFile()  # noqa: SIM115  (lives as long as the server; closed in stop())
        self.proc = start_dashboard(db, self.port, tempfile.gettempdir(), self.log)
        self.url = f"http://127.0.0.1:{self.port}"
        if not wait_for_health(self.proc, self.url):
            self.log.seek(0)
            sys.exit(f"dashboard did not start: {self.log.read().decode()[-500:]}")

    def stop(self) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        self.proc.wait(timeout=20)
        self.log.close()


def render(context, url: str, charts: int, ready: str = "stPlotlyChart", shot: Path | None = None) -> float:  # type: ignore[no-untyped-def]
    """Seconds from navigation until `charts` charts are drawn and the script run is over (then,
    untimed, a screenshot to `shot`)."""
    page = context.new_page()
    start = time.perf_counter()
    page.goto(url)
    if ready == "stPlotlyChart":
        for i in range(charts):
            page.get_by_test_id("stPlotlyChart").nth(i).locator(".main-svg").first.wait_for(timeout=300_000)
    else:
        page.get_by_test_id(ready).first.wait_for(timeout=300_000)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=300_000
    )
    seconds = time.perf_counter() - start
    if shot is not None:
        page.wait_for_function("() => !document.querySelector('[data-stale=\"true\"]')", timeout=60_000)
        page.wait_for_timeout(1500)  # chart transitions settle
        page.screenshot(path=str(shot), full_page=True)
    page.close()
    return seconds


def browser(db: Path, shots: Path | None = None, width: int = 1500) -> None:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        print("\nbrowser: skipped (no /usr/bin/chromium; `make browser` installs it)")
        return
    with tempfile.TemporaryDirectory(prefix="qroi-bench-") as tmp, sync_playwright() as p:
        empty = Path(tmp) / "empty.db"
        database.init_schema(database.connect(str(empty)))
        charts = {
            "Overview": 1,
            "Hotspots": 1,
            "Map": 1,
            "File history": 2,
            "Compare": 0,
            "Commits": 1,
            "Delivery": 3,
            "AI era": 1,
            "Export": 0,
            "Claim test (quick)": 1,
        }
        pages = [
            (name, path + ("?claim_precision=Quick" if path == "claim" else ""), charts[name])
            for name, path in PAGES
        ]
        results: list[tuple[str, float]] = []
        for label, db_path in (("empty store", empty), ("", db)):
            server = Server(db_path)
            context = p.chromium.launch_persistent_context(
                str(Path(tmp) / f"profile{server.port}"),
                headless=True,
                executable_path=CHROMIUM,
                args=CHROMIUM_ARGS,
                viewport={"width": width, "height": 2600 if shots else 1400},
            )
            try:
                if label:
                    results.append((f"first render, {label}", render(context, server.url, 0, "stCode")))
                    continue
                for name, page_path, charts in pages:
                    ready = "stPlotlyChart" if charts else "stDownloadButton"
                    shot = shots / f"{SHOTS[name]}.png" if shots else None
                    seconds = render(context, f"{server.url}/{page_path}", charts, ready, shot)
                    results.append((f"{name}, first visit", seconds))
                results.append(("Overview, second visit", render(context, server.url, 1)))
            finally:
                context.close()
                server.stop()
    base = results[0][1]
    print(f"\n{'browser (Chromium, new tab each)':<36} {'seconds':>8} {'vs empty store':>15}")
    for name, seconds in results:
        print(f"{name:<36} {seconds:>8.2f} {seconds / base:>14.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, help="an existing qroi store (SQLite file)")
    parser.add_argument("--commits", type=int, default=20_000)
    parser.add_argument(
        "--cache", type=Path, default=Path(os.environ.get("QROI_BENCH_CACHE", "/tmp/qroi-bench-dashboard"))
    )
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--no-loads", action="store_true", help="only the browser (and its screenshots)")
    parser.add_argument("--screenshots", type=Path, help="save each page's first render here (PNG)")
    parser.add_argument("--width", type=int, default=1500, help="browser viewport width in pixels")
    args = parser.parse_args()
    quiet()
    db = args.store or cached_store(args.cache, args.commits)
    if not args.no_loads:
        data_loads(db)
        script_runs(db)
    if not args.no_browser:
        browser(db, args.screenshots, args.width)


if __name__ == "__main__":
    main()
