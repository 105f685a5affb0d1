"""`qroi issues import`: issue-tracker exports (offline files) into the `issues` table.

Formats, detected from the content:
- GitHub, JSON: the REST API's issue list (`number, title, state, created_at, closed_at,
  labels[].name`; pull requests, which carry a `pull_request` key, are skipped) or
  `gh issue list --json number,title,state,createdAt,closedAt,labels`;
- Jira CSV export (`Issue key, Issue Type, Status, Created, Resolved, Labels`, the Labels column
  repeated once per label, dates like `03/Mar/21 10:15 AM` or ISO 8601);
- any other CSV with a header: id, type, created, closed and labels columns named by options.

Keys are normalised like commit references (`#12`, `PROJ-7`), so an issue links to the commits
that name it. An issue's kind is bug, feature or other, from its type and labels (configurable
words). Re-importing a newer export updates issues in place, never duplicates them. A file that
cannot be read completely imports nothing: it is parsed in full first, and written in one
transaction; the error names the line and the field.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, bindparam, select, update

from qroi.core.errors import QroiError
from qroi.labels import issue_links
from qroi.store import database, models
from qroi.store.database import init_schema, insert_rows, transaction

FORMATS = ("auto", "github", "jira", "csv")
DEFAULT_BUG_WORDS = ("bug", "defect", "regression", "crash", "incident")
DEFAULT_FEATURE_WORDS = ("feature", "enhancement", "story", "improvement")
_JIRA_DATES = ("%d/%b/%y %I:%M %p", "%d/%b/%Y %I:%M %p", "%d/%b/%y %H:%M", "%d/%b/%Y %H:%M")
_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_]+-\d+")
_NUMBER = re.compile(r"(?:#|GH-)?(\d{1,18})", re.IGNORECASE)
"""At most 18 digits: every issue number fits the store's 64-bit integers."""
_EARLIEST, _LATEST = datetime(1900, 1, 2, tzinfo=UTC), datetime(9999, 12, 30, tzinfo=UTC)
"""Issue times the store accepts: any UTC offset keeps them inside the years datetime can show."""
_WORDS = re.compile(r"[a-z0-9]+")

Advance = Callable[[int], None]
"""Told how many characters of the file have been parsed so far (for a progress bar)."""


def _unwatched(_done: int) -> None:
    return None


@dataclass(frozen=True)
class KindRules:
    """Words that make an issue a bug or a feature when its type or one of its labels contains them.

    Matched as whole words, case-insensitively: 'bug' matches 'Bug', 'type: bug', 'kind/bug',
    never 'debug'. Bug wins over feature; anything else is 'other'.
    """

    bug: tuple[str, ...] = DEFAULT_BUG_WORDS
    feature: tuple[str, ...] = DEFAULT_FEATURE_WORDS

    def kind(self, issue_type: str | None, labels: Sequence[str]) -> str:
        names = [" ".join(_WORDS.findall(n.lower())) for n in [issue_type or "", *labels]]
        for kind, words in (("bug", self.bug), ("feature", self.feature)):
            phrases = [" ".join(_WORDS.findall(w.lower())) for w in words]
            if any(p and f" {p} " in f" {name} " for p in phrases for name in names):
                return kind
        return "other"


@dataclass(frozen=True)
class CsvColumns:
    """Column names of a generic CSV; None means the default name, optional when absent."""

    id: str | None = None
    type: str | None = None
    created: str | None = None
    closed: str | None = None
    labels: str | None = None
    title: str | None = None


@dataclass
class ParsedIssue:
    key: str
    line: int
    title: str = ""
    issue_type: str | None = None
    state: str | None = None
    labels: list[str] = field(default_factory=list)
    created: tuple[int, int] = (0, 0)
    closed: tuple[int, int] | None = None


@dataclass
class ImportReport:
    """What an import did (the CLI prints it as one line)."""

    repo: str
    format: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    pull_requests_skipped: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    linked: int = 0
    fixes_to_blame: int = 0


class _Bad(Exception):
    """A parse problem at a line; turned into a QroiError naming the file."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


def parse_time(value: Any, line: int, name: str, jira: bool = False) -> tuple[int, int] | None:
    """(Unix seconds, UTC offset in minutes) of a timestamp; None for an empty one."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise _Bad(line, f"field {name!r} is not a date/time: {value!r}")
    text = value.strip()
    if text.startswith("0001-01-01"):  # Go's zero time: `gh` prints it for "never closed"
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        moment = None
        for fmt in _JIRA_DATES if jira else ():
            try:
                moment = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        if moment is None:
            hint = "ISO 8601 like 2024-03-01T10:00:00Z" + (" or Jira's 01/Mar/24 10:00 AM" if jira else "")
            raise _Bad(line, f"field {name!r} is not a date/time: {text[:40]!r} (expected {hint})") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # times without an offset are read as UTC
    try:
        in_range = _EARLIEST <= moment.astimezone(UTC) <= _LATEST
    except OverflowError:
        in_range = False
    if not in_range:
        raise _Bad(line, f"field {name!r} is out of range (years 1900-9999): {text[:40]!r}")
    offset = moment.utcoffset()
    return int(moment.timestamp()), int(offset.total_seconds() // 60) if offset else 0


def normalise_key(value: Any, line: int, name: str) -> str:
    """'12', '#12', 'GH-12' -> '#12'; 'proj-7' -> 'PROJ-7' (as commit references are stored)."""
    text = str(value).strip() if value is not None and not isinstance(value, bool) else ""
    if number := _NUMBER.fullmatch(text):
        return f"#{int(number.group(1))}"
    if _KEY.fullmatch(text):
        return text.upper()
    raise _Bad(line, f"field {name!r} is not an issue number or key: {text[:40]!r}")


def detect(text: str) -> str:
    """'github' for JSON, 'jira' for a CSV with an 'Issue key' column, else 'csv'."""
    if text.lstrip().startswith(("[", "{")):
        return "github"
    header = next(csv.reader(io.StringIO(text, newline="")), [])
    return "jira" if "Issue key" in [h.strip() for h in header] else "csv"


def _json_items(text: str, advance: Advance = _unwatched) -> list[tuple[int, Any]]:
    """The elements of a top-level JSON array, each with the line it starts on."""
    decoder = json.JSONDecoder()
    start = len(text) - len(text.lstrip())
    if not text[start:].startswith("["):
        raise _Bad(1, "expected a JSON array of issues")
    items, pos = [], start + 1
    counted, line = 0, 1  # lines counted up to `counted`, so the whole file is counted once

    def line_at(at: int) -> int:
        nonlocal counted, line
        line += text.count("\n", counted, at)
        counted = at
        return line

    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if text.startswith("]", pos) and not items:
            break
        try:
            item, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise _Bad(exc.lineno, f"invalid JSON at column {exc.colno}: {exc.msg}") from None
        except RecursionError:
            raise _Bad(line_at(pos), "invalid JSON: nested too deeply for an issue") from None
        items.append((line_at(pos), item))
        pos = end
        if len(items) % 1000 == 0:
            advance(pos)
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if text.startswith("]", pos):
            break
        if not text.startswith(",", pos):
            raise _Bad(line_at(pos), "invalid JSON: expected ',' or ']' after an issue")
        pos += 1
    rest = text[pos + 1 :].strip()
    if rest:
        raise _Bad(line_at(pos), "invalid JSON: text after the closing ']'")
    return items


def parse_github(text: str, advance: Advance = _unwatched) -> tuple[list[ParsedIssue], int]:
    """Issues of a GitHub REST or `gh` JSON export, and how many pull requests were skipped."""
    issues, pull_requests = [], 0
    for line, item in _json_items(text, advance):
        if not isinstance(item, dict):
            raise _Bad(line, "an issue must be a JSON object")
        if item.get("pull_request") is not None or item.get("isPullRequest"):
            pull_requests += 1
            continue
        if "number" not in item:
            raise _Bad(line, "missing field 'number'")
        rest = not any(name in item for name in ("createdAt", "closedAt"))  # else `gh` output
        created_name, closed_name = ("created_at", "closed_at") if rest else ("createdAt", "closedAt")
        created = parse_time(item.get(created_name), line, created_name)
        if created is None:
            raise _Bad(line, f"missing field {created_name!r}")
        labels = item.get("labels") or []
        if not isinstance(labels, list):
            raise _Bad(line, "field 'labels' must be a list")
        names = []
        for label in labels:
            name = label.get("name") if isinstance(label, dict) else label
            if not isinstance(name, str):
                raise _Bad(line, f"field 'labels': a label without a name: {label!r}"[:120])
            names.append(name)
        kind = item.get("type")
        issues.append(
            ParsedIssue(
                key=normalise_key(item["number"], line, "number"),
                line=line,
                title=str(item.get("title") or ""),
                issue_type=(kind.get("name") if isinstance(kind, dict) else kind) or None,
                state=str(item.get("state") or "").lower() or None,
                labels=names,
                created=created,
                closed=parse_time(item.get(closed_name), line, closed_name),
            )
        )
    return issues, pull_requests


def _lines(text: str, advance: Advance) -> Iterator[str]:
    """The file's lines for the CSV reader, reporting how far it has read."""
    done = 0
    for count, line in enumerate(io.StringIO(text, newline=""), start=1):
        done += len(line)
        if count % 5000 == 0:
            advance(done)
        yield line


def _rows(text: str, advance: Advance = _unwatched) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and each non-empty row with the line it starts on.

    Strict: a quote left open would otherwise swallow the rows after it into one cell, silently,
    so the reader refuses it, and a row wider than the header (what a stray quote or delimiter
    makes) is refused too, each with the line where the row starts.
    """
    reader = csv.reader(_lines(text, advance), strict=True)
    rows: list[tuple[int, list[str]]] = []
    ended = 0  # the line the last complete row ended on
    try:
        header = [h.strip() for h in next(reader, [])]
        ended = reader.line_num
        for row in reader:
            if any(cell.strip() for cell in row):
                rows.append((ended + 1, row))
            ended = reader.line_num
    except csv.Error as exc:
        raise _Bad(
            ended + 1, f"malformed CSV in the row starting here ({exc}); is a quote left open?"
        ) from None
    if not header:
        raise _Bad(1, "empty file: no header row")
    for line, row in rows:
        if len(row) > len(header):
            raise _Bad(line, f"{len(row)} fields where the header has {len(header)}; is a quote left open?")
    return header, rows


def _column(header: list[str], name: str, required: bool) -> int | None:
    if name in header:
        return header.index(name)
    if required:
        raise _Bad(1, f"no {name!r} column (columns: {', '.join(header)[:200]})")
    return None


def _cell(row: list[str], index: int | None) -> str:
    return row[index].strip() if index is not None and index < len(row) else ""


def parse_jira(text: str, advance: Advance = _unwatched) -> list[ParsedIssue]:
    header, rows = _rows(text, advance)
    key = _column(header, "Issue key", True)
    created = _column(header, "Created", True)
    kind, status = _column(header, "Issue Type", False), _column(header, "Status", False)
    resolved, summary = _column(header, "Resolved", False), _column(header, "Summary", False)
    label_columns = [i for i, h in enumerate(header) if h == "Labels"]
    issues = []
    for line, row in rows:
        when = parse_time(_cell(row, created), line, "Created", jira=True)
        if when is None:
            raise _Bad(line, "field 'Created' is empty")
        labels = [label for i in label_columns for label in _cell(row, i).split()]
        issues.append(
            ParsedIssue(
                key=normalise_key(_cell(row, key), line, "Issue key"),
                line=line,
                title=_cell(row, summary),
                issue_type=_cell(row, kind) or None,
                state=_cell(row, status) or None,
                labels=labels,
                created=when,
                closed=parse_time(_cell(row, resolved), line, "Resolved", jira=True),
            )
        )
    return issues


def parse_csv(text: str, columns: CsvColumns, advance: Advance = _unwatched) -> list[ParsedIssue]:
    header, rows = _rows(text, advance)

    def col(given: str | None, default: str, required: bool = False) -> tuple[int | None, str]:
        name = given or default
        return _column(header, name, required or given is not None), name

    (key, key_name), (created, created_name) = (
        col(columns.id, "id", True),
        col(columns.created, "created_at", True),
    )
    kind, _ = col(columns.type, "type")
    closed, closed_name = col(columns.closed, "closed_at")
    labels, _ = col(columns.labels, "labels")
    title, _ = col(columns.title, "title")
    issues = []
    for line, row in rows:
        when = parse_time(_cell(row, created), line, created_name)
        if when is None:
            raise _Bad(line, f"field {created_name!r} is empty")
        ended = parse_time(_cell(row, closed), line, closed_name)
        issues.append(
            ParsedIssue(
                key=normalise_key(_cell(row, key), line, key_name),
                line=line,
                title=_cell(row, title),
                issue_type=_cell(row, kind) or None,
                state="closed" if ended else "open",
                labels=[p.strip() for p in re.split(r"[,;|]", _cell(row, labels)) if p.strip()],
                created=when,
                closed=ended,
            )
        )
    return issues


def parse(
    text: str, fmt: str, columns: CsvColumns, advance: Advance = _unwatched
) -> tuple[str, list[ParsedIssue], int]:
    """(format, issues, pull requests skipped); raises _Bad on the first problem."""
    fmt = detect(text) if fmt == "auto" else fmt
    if fmt == "github":
        issues, skipped = parse_github(text, advance)
    elif fmt == "jira":
        issues, skipped = parse_jira(text, advance), 0
    else:
        issues, skipped = parse_csv(text, columns, advance), 0
    first: dict[str, int] = {}
    for issue in issues:
        if issue.key in first:
            raise _Bad(issue.line, f"issue {issue.key} appears twice (first on line {first[issue.key]})")
        first[issue.key] = issue.line
    if not issues and not skipped:
        raise _Bad(1, "no issues in the file")
    return fmt, issues, skipped


def _row(issue: ParsedIssue, repo_id: int, fmt: str, rules: KindRules) -> dict[str, Any]:
    return {
        "repo_id": repo_id,
        "key": issue.key,
        "title": issue.title,
        "issue_type": issue.issue_type,
        "state": issue.state,
        "labels": "; ".join(issue.labels),
        "kind": rules.kind(issue.issue_type, issue.labels),
        "created_ts": issue.created[0],
        "created_tz": issue.created[1],
        "closed_ts": issue.closed[0] if issue.closed else None,
        "closed_tz": issue.closed[1] if issue.closed else None,
        "source_format": fmt,
    }


def import_file(
    engine: Engine,
    repo: str,
    path: Path,
    fmt: str = "auto",
    columns: CsvColumns | None = None,
    rules: KindRules | None = None,
    watch: Callable[[int], Advance] | None = None,
) -> ImportReport:
    """Parse `path` completely, then insert or update its issues for `repo` in one transaction.

    `watch`, given the file's length in characters, returns what parsing reports progress to.
    """
    if fmt not in FORMATS:
        raise QroiError(f"unknown issue format {fmt!r}; choose from {', '.join(FORMATS)}")
    try:
        text = path.read_bytes().decode("utf-8-sig")  # bytes: a CR inside a cell stays a CR
    except OSError as exc:
        raise QroiError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise QroiError(f"{path}: not UTF-8 text (byte {exc.start})") from exc
    try:
        fmt, issues, skipped = parse(
            text, fmt, columns or CsvColumns(), watch(len(text)) if watch else _unwatched
        )
    except _Bad as exc:
        raise QroiError(f"{path}: line {exc.line}: {exc}; nothing was imported") from exc
    init_schema(engine)
    repo_id = database.repo_id(engine, repo)
    rules = rules or KindRules()
    report = ImportReport(repo=repo, format=fmt, pull_requests_skipped=skipped)
    table = models.Issue.__table__
    fields = [c.name for c in table.c if c.name not in ("id", "repo_id", "key")]
    with transaction(engine) as conn:
        stored = {
            row["key"]: dict(row)
            for row in conn.execute(select(table).where(table.c.repo_id == repo_id)).mappings()
        }
        inserts, updates = [], []
        for issue in issues:
            row = _row(issue, repo_id, fmt, rules)
            report.kinds[row["kind"]] += 1
            old = stored.get(issue.key)
            if old is None:
                inserts.append(row)
            elif any(old[f] != row[f] for f in fields):
                updates.append({"b_id": old["id"], **{f"b_{f}": row[f] for f in fields}})
            else:
                report.unchanged += 1
        insert_rows(conn, table, inserts)
        if updates:
            stmt = (
                update(table)
                .where(table.c.id == bindparam("b_id"))
                .values({f: bindparam(f"b_{f}") for f in fields})
            )
            conn.execute(stmt, updates)
        report.added, report.updated = len(inserts), len(updates)
        links = issue_links.linked_commits().where(models.Issue.repo_id == repo_id).subquery()
        report.linked = len(set(conn.execute(select(links.c.issue_id)).scalars()))
        fixes = issue_links.fixes_after_next_ingest(conn, repo_id)
        done = set(
            conn.execute(
                select(models.CommitFeatures.commit_id).where(
                    models.CommitFeatures.repo_id == repo_id, models.CommitFeatures.szz_done
                )
            ).scalars()
        )
        report.fixes_to_blame = len(fixes - done)
    return report
