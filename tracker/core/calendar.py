"""Time as qroi counts it: UTC calendar months, periods of committed time, and analysis windows.

Every monthly figure (the dashboard's timeline, the claim test's repo x month view, the AI-era
lens, the duplication points) uses the same month: the UTC calendar month of a Unix time. A
`Period` is what a user filters by (a half-open range of committed time); a `Window` is one of
the claim test's consecutive N-month panel windows. The two are different things and have
different names.

pandas is imported only inside the functions that take Series, so the ingest path stays free
of it (pandas is a third of `qroi`'s start-up).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from qroi.core.errors import QroiError

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy.sql import ColumnElement


LONGEST_OFFSET = 24 * 60 - 1
"""Minutes east of UTC a clock can show: Python's datetime, and every spreadsheet, refuse more."""


def clock_offset(minutes: int) -> int:
    """`minutes` if it is an offset a clock can show, else 0 (UTC).

    git stores whatever digits a commit header holds; real histories have commits claiming
    `+051800` (git reads 518 hours) or `-9999`. The Unix time is still right; only the local
    clock is nonsense, and it is read as UTC rather than crash every command that prints a date.
    """
    return minutes if -LONGEST_OFFSET <= minutes <= LONGEST_OFFSET else 0


def month_of(ts: int) -> str:
    """YYYY-MM of a Unix time, in UTC."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m")


def months(values: pd.Series) -> pd.Series:
    """Unix seconds, datetimes or ISO strings -> the UTC calendar month of each, as a pandas Period."""
    import pandas as pd

    if pd.api.types.is_numeric_dtype(values):
        stamps = pd.to_datetime(values, unit="s", utc=True)
    else:
        stamps = pd.to_datetime(values, utc=True, format="ISO8601")
    return stamps.dt.tz_localize(None).dt.to_period("M")


def month_starts(values: pd.Series) -> pd.Series:
    """The first day of each value's UTC month, as a naive Timestamp (what chart axes want)."""
    return months(values).dt.to_timestamp()


@dataclass(frozen=True)
class Period:
    """A half-open period of committed time in Unix seconds, `start <= t < end`; None leaves a side open."""

    start: int | None = None
    end: int | None = None

    def where(self, column: ColumnElement[int]) -> list[ColumnElement[bool]]:
        """Conditions on an indexed time column (nothing for an open period)."""
        conds: list[ColumnElement[bool]] = []
        if self.start is not None:
            conds.append(column >= self.start)
        if self.end is not None:
            conds.append(column < self.end)
        return conds

    def mask(self, ts: pd.Series) -> pd.Series:
        """The same period applied to a column already loaded."""
        import pandas as pd

        keep = pd.Series(True, index=ts.index)
        if self.start is not None:
            keep &= ts >= self.start
        if self.end is not None:
            keep &= ts < self.end
        return keep

    def contains(self, ts: int) -> bool:
        """Whether one Unix time falls inside the period."""
        return (self.start is None or ts >= self.start) and (self.end is None or ts < self.end)


ALL_TIME = Period()


_WINDOW_LENGTH = re.compile(r"^\s*(\d+)\s*([MmYyQq])\s*$")


def window_months(text: str) -> int:
    """'6M' -> 6, '1Y' -> 12, '1Q' -> 3: windows are whole calendar months."""
    match = _WINDOW_LENGTH.match(text)
    if not match or int(match.group(1)) == 0:
        raise QroiError(f"window {text!r} is not a number of months, quarters or years (e.g. 3M, 6M, 1Y)")
    return int(match.group(1)) * {"m": 1, "q": 3, "y": 12}[match.group(2).lower()]


@dataclass(frozen=True)
class Window:
    """One of the claim test's consecutive windows of whole calendar months (Unix seconds, end exclusive)."""

    index: int
    start: int
    end: int


def _add_months(moment: datetime, count: int) -> datetime:
    total = moment.year * 12 + moment.month - 1 + count
    return moment.replace(year=total // 12, month=total % 12 + 1)


def windows(first_ts: int, last_ts: int, length: int) -> list[Window]:
    """Complete windows of `length` calendar months, from the UTC month of the first commit.

    A window that would end after `last_ts` is left out: its outcomes are not all in yet.
    """
    first = datetime.fromtimestamp(first_ts, UTC)
    start = first.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    out: list[Window] = []
    while True:
        end = _add_months(start, length)
        if end.timestamp() > last_ts:
            return out
        out.append(Window(len(out), int(start.timestamp()), int(end.timestamp())))
        start = end
