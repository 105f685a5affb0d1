"""Commit header fields as git wrote them, made safe to store, with what was odd flagged.

git accepts headers no clock or calendar can show: an offset git reads as 518 hours (`+051800`,
from old CVS/SVN imports), a date before 1970 or none at all (`git log` then prints an empty
date), a date centuries ahead, an empty name, an identity in Latin-1 rather than UTF-8. Each
would either crash a command that prints a date or bend every time-based figure. The rule:

- an offset outside +-23:59 is stored as UTC (+0000); the Unix time is still right;
- a date git cannot read, or outside [1970-01-01, 2100-01-01), is stored as the commit's other
  date (author <-> committer) when that one is sane, else clamped into the range (0 for an
  unreadable one);
- an identity that is not UTF-8 is decoded as Latin-1 (what such old headers are, in practice);
  an empty name or e-mail is stored empty;
- every such field is named in the commit's `header_flags`, with the header lines exactly as
  written (`git cat-file commit`), so nothing git holds is lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from qroi.core.calendar import clock_offset

LATEST_TS = 4_102_444_800
"""2100-01-01T00:00:00Z: later dates are taken as wrong clocks, not as commits from the future."""


@dataclass
class Flags:
    """What was odd in one commit's header; empty for a normal one."""

    notes: list[str] = field(default_factory=list)
    lines: set[str] = field(default_factory=set)  # "author" / "committer": header lines to quote raw

    def add(self, who: str, note: str) -> None:
        self.notes.append(f"{who} {note}")
        self.lines.add(who)

    def text(self, raw: dict[str, str]) -> str | None:
        """The `header_flags` column: the notes, then the odd header lines as written."""
        if not self.notes:
            return None
        quoted = [
            f'raw {who}: "{raw[who]}"' for who in ("author", "committer") if who in self.lines and who in raw
        ]
        return "; ".join([*self.notes, *quoted])


def decoded(token: bytes) -> str:
    """A name or e-mail as text: UTF-8, else Latin-1 (every byte string is Latin-1)."""
    try:
        return token.decode("utf-8")
    except UnicodeDecodeError:
        return token.decode("latin-1")


def identity(token: bytes, who: str, what: str, flags: Flags) -> str:
    """A name or e-mail (`decoded`); one that is not UTF-8, or empty, is flagged."""
    text = decoded(token)
    if text.encode("utf-8") != token:
        flags.add(who, f"{what} is not UTF-8, read as Latin-1")
    if not text.strip():
        flags.add(who, f"{what} is empty")
    return text


def tz_minutes(offset: str) -> int | None:
    """'+0530' -> 330, '-0700' -> -420 (minutes east of UTC); None for no clock offset."""
    sign = -1 if offset.startswith("-") else 1
    digits = offset.lstrip("+-")
    if not digits.isdigit() or int(digits[-2:]) >= 60:
        return None
    minutes = sign * (int(digits[:-2] or 0) * 60 + int(digits[-2:]))
    return minutes if clock_offset(minutes) == minutes else None


def _date(raw: str, who: str, flags: Flags) -> tuple[int | None, int]:
    """`%ad`/`%cd` in raw format -> (Unix time or None if not sane, offset in minutes)."""
    ts_text, _, tz_text = raw.strip().partition(" ")
    if not ts_text:  # git prints nothing for a date before 1970 or none at all
        flags.add(who, "date git cannot read (before 1970, or missing), offset taken as +0000")
        return None, 0
    tz = tz_minutes(tz_text) if tz_text else None
    if tz is None:
        flags.add(who, f"offset {tz_text or '(none)'} is no clock offset, stored as +0000")
        tz = 0
    if not ts_text.isdigit():
        flags.add(who, f"date {ts_text} git cannot read")
        return None, tz
    ts = int(ts_text)
    if not 0 <= ts < LATEST_TS:
        flags.add(who, f"date {ts} is outside 1970-2100")
        return None, tz
    return ts, tz


def dates(authored: str, committed: str, flags: Flags) -> tuple[int, int, int, int]:
    """(authored_ts, author_tz, committed_ts, committer_tz), each time sane (see the module doc)."""
    a_ts, a_tz = _date(authored, "author", flags)
    c_ts, c_tz = _date(committed, "committer", flags)
    if a_ts is None:
        a_ts = c_ts if c_ts is not None else _clamped(authored)
        flags.notes.append(f"authored time stored as {a_ts}")
    if c_ts is None:
        c_ts = a_ts if a_ts is not None else _clamped(committed)
        flags.notes.append(f"committed time stored as {c_ts}")
    return a_ts, a_tz, c_ts, c_tz


def _clamped(raw: str) -> int:
    text = raw.strip().partition(" ")[0]
    return LATEST_TS - 1 if text.isdigit() and int(text) >= LATEST_TS else 0


def raw_lines(header: bytes) -> dict[str, str]:
    """The author and committer lines of a raw commit object, undecodable bytes as \\xNN."""
    lines: dict[str, str] = {}
    for line in header.split(b"\n\n", 1)[0].split(b"\n"):
        key, _, value = line.partition(b" ")
        if key in (b"author", b"committer") and key.decode() not in lines:
            lines[key.decode()] = value.decode("utf-8", "backslashreplace")
    return lines
