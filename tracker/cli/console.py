"""Terminal output: a rich progress bar on a terminal, silence when piped or `--quiet`.

The pipeline reports through `qroi.ingest.pipeline.Progress`; this module is the only place that knows
about rich's live display, so library code stays usable from scripts and the dashboard.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from qroi.ingest.pipeline import Progress as PipelineProgress

FILE_WIDTH = 10_000
"""Width of stdout when it is not a terminal: reports go into files, so no cell is ever cut."""


def _stdout() -> Console:
    """rich lays tables out for 80 columns when piped, eliding cells ("hypothes…"); a file has
    no edge, so off a terminal the console is as wide as any report line."""
    console = Console(highlight=False)
    if not console.is_terminal:
        console.width = FILE_WIDTH
    return console


err = Console(stderr=True, highlight=False, soft_wrap=True)
out = _stdout()


def interactive(quiet: bool) -> bool:
    """Progress is drawn only for a person watching a terminal."""
    return not quiet and sys.stderr.isatty()


class _Rate(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f} commits/s" if speed else "- commits/s", style="progress.data.speed")


class _Blobs(ProgressColumn):
    def render(self, task: Task) -> Text:
        return Text(f"{task.fields.get('blobs', 0):,} blobs scored", style="cyan")


class BarProgress(PipelineProgress):
    """The ingest's progress as a rich bar: commits done/total, commits/s, blobs scored, ETA."""

    def __init__(self, label: str) -> None:
        self.label = label
        self._bar = Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            _Rate(),
            _Blobs(),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=err,
            transient=True,
        )
        self._task = None
        self._blobs = 0

    def start(self, total_commits: int) -> None:
        self._bar.start()
        self._task = self._bar.add_task(self.label, total=total_commits, blobs=0)

    def advance(self, commits: int, blobs: int) -> None:
        self._blobs += blobs
        if self._task is not None:
            self._bar.update(self._task, advance=commits, blobs=self._blobs)

    def stop(self) -> None:
        self._bar.stop()


def progress_for(label: str, quiet: bool) -> PipelineProgress:
    return BarProgress(label) if interactive(quiet) else PipelineProgress()


def stop(progress: PipelineProgress) -> None:
    if isinstance(progress, BarProgress):
        progress.stop()


def summary(line: str) -> None:
    """Every command ends with one line saying what it did."""
    err.print(line, markup=False)


def fail(message: str) -> None:
    err.print(f"qroi: error: {message}", markup=False, style="red" if err.is_terminal else None)


class FleetProgress:
    """One display for many repositories: repositories done, commits mined, commits/s, ETA."""

    def __init__(self, total_repos: int, live: bool) -> None:
        self.live = live
        self._bar = Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[commits]:,} commits"),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=err,
            transient=True,
        )
        self._commits = 0
        self._started = time.perf_counter()
        if live:
            self._bar.start()
        self._task = self._bar.add_task("repositories", total=total_repos, commits=0, rate="- commits/s")

    def event(self, event: tuple[str, str, int, int]) -> None:
        kind, _target, commits, _blobs = event
        if kind == "advance" and self.live:
            self._commits += commits
            rate = self._commits / max(time.perf_counter() - self._started, 1e-9)
            self._bar.update(self._task, commits=self._commits, rate=f"{rate:,.0f} commits/s")

    def done(self, _result: object) -> None:
        if self.live:
            self._bar.update(self._task, advance=1)

    def stop(self) -> None:
        if self.live:
            self._bar.stop()


def fleet_progress(total_repos: int, quiet: bool) -> FleetProgress:
    return FleetProgress(total_repos, interactive(quiet))


class _Characters(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed / 1e6:,.1f}M chars/s" if speed else "- chars/s", style="progress.data.speed")


@contextmanager
def reading(label: str, quiet: bool) -> Iterator[Callable[[int], Callable[[int], None]] | None]:
    """A bar for parsing a large file (share read, rate, ETA) on a terminal; None when not drawn.

    Yields what `qroi.delivery.issues_import.import_file` takes as `watch`: given the file's
    length, a function told how much of it has been parsed.
    """
    if not interactive(quiet):
        yield None
        return
    bar = Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        _Characters(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    )

    def watch(total: int) -> Callable[[int], None]:
        task = bar.add_task(label, total=total)
        return lambda done: bar.update(task, completed=done)

    with bar:
        yield watch
