"""Walk a git history as one streamed `git log`, yielding small commit records.

One `git log --raw --numstat -z` process for the whole walk replaces a subprocess per commit (the
cost that caps PyDriller near 150 commits/s): each record carries the commit's metadata and, per
changed file, its path, old path, change type, blob ids and line counts, which is everything the
pipeline needs. Records stream: nothing holds the whole history in memory.

Merge policy: a merge's diff against its first parent is read (the pipeline needs it to know the
tree after the merge) but it is marked `is_merge` and never counted as churn; the lines a merge
brings in are counted once, in the commits that wrote them. This is what `git log --numstat`
itself reports for merges (nothing), so totals stay comparable with git's.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from qroi.core.files import is_scored_path
from qroi.git import headers, mailmap
from qroi.git.run import NULL_SHA, failure, neutral_config, run_git

_CHANGE_TYPES = {"A": "add", "M": "modify", "D": "delete", "R": "rename", "C": "copy", "T": "typechange"}
_FIELD_COUNT = 9  # %H %P, author name and email, %ad, committer name and email, %cd, %B


@dataclass(slots=True)
class FileChange:
    """One entry of a commit's diff against its first parent."""

    path: str
    old_path: str | None
    change_type: str
    old_mode: str
    new_mode: str
    old_blob: str | None
    new_blob: str | None
    added: int | None = None
    deleted: int | None = None

    @property
    def is_python(self) -> bool:
        """A file ingest scores: Python source, or a notebook (its code cells are Python)."""
        return is_scored_path(self.path)

    @property
    def new_is_regular(self) -> bool:
        """Symlinks (120000) and submodules (160000) have no source to score."""
        return self.new_mode in ("100644", "100755")


@dataclass(slots=True)
class CommitRecord:
    """A commit as the pipeline needs it; times are Unix seconds plus UTC offset in minutes."""

    sha: str
    parents: tuple[str, ...]
    author_name: str
    author_email: str
    authored_ts: int
    author_tz: int
    committer_name: str
    committer_email: str
    committed_ts: int
    committer_tz: int
    message: str
    changes: list[FileChange] = field(default_factory=list)
    flags: headers.Flags = field(default_factory=headers.Flags)
    header_flags: str | None = None
    """What was odd in the header, with its raw lines (`qroi.git.headers`); None for a normal one."""

    @property
    def is_merge(self) -> bool:
        return len(self.parents) > 1

    @property
    def churn_changes(self) -> list[FileChange]:
        """The changes counted as this commit's own work (none for merges)."""
        return [] if self.is_merge else self.changes


def parse_tz(offset: str) -> int:
    """'+0530' -> 330, '-0700' -> -420 (minutes east of UTC); an impossible offset -> 0 (UTC)."""
    return headers.tz_minutes(offset) or 0


def _text(token: bytes) -> str:
    return token.decode("utf-8", "replace")


def _path(token: bytes) -> str:
    """Paths are bytes in git; undecodable bytes are kept visible as \\xNN escapes."""
    return token.decode("utf-8", "backslashreplace")


def _tokens(stream: Iterable[bytes]) -> Iterator[bytes]:
    """Split a byte stream on NUL, across chunk boundaries."""
    rest = b""
    for chunk in stream:
        parts = (rest + chunk).split(b"\0")
        rest = parts.pop()
        yield from parts
    if rest:
        yield rest


def _count(value: str) -> int | None:
    return None if value == "-" else int(value)


def _parse_record(head: list[bytes], body: list[bytes]) -> CommitRecord:
    sha, parents, an, ae, ad, cn, ce, cd, message = head
    flags = headers.Flags()
    authored_ts, author_tz, committed_ts, committer_tz = headers.dates(_text(ad), _text(cd), flags)
    record = CommitRecord(
        sha=_text(sha),
        parents=tuple(_text(parents).split()),
        author_name=headers.identity(an, "author", "name", flags),
        author_email=headers.identity(ae, "author", "e-mail", flags),
        authored_ts=authored_ts,
        author_tz=author_tz,
        committer_name=headers.identity(cn, "committer", "name", flags),
        committer_email=headers.identity(ce, "committer", "e-mail", flags),
        committed_ts=committed_ts,
        committer_tz=committer_tz,
        message=_text(message).rstrip("\n"),
        flags=flags,
    )
    record.changes = _parse_diff(body)
    return record


def _parse_diff(body: list[bytes]) -> list[FileChange]:
    """Turn the raw entries and the numstat entries that follow them into FileChanges."""
    changes: list[FileChange] = []
    counts: list[tuple[int | None, int | None, str]] = []
    i = 0
    while i < len(body):
        token = body[i].lstrip(b"\n")
        if token.startswith(b":"):
            old_mode, new_mode, old_blob, new_blob, status = _text(token[1:]).split(" ")
            kind = _CHANGE_TYPES.get(status[0], "modify")
            if kind in ("rename", "copy"):
                old_path, path = _path(body[i + 1]), _path(body[i + 2])
                i += 3
            else:
                path = _path(body[i + 1])
                old_path = path if kind != "add" else None
                i += 2
            changes.append(
                FileChange(
                    path=path,
                    old_path=old_path,
                    change_type=kind,
                    old_mode=old_mode,
                    new_mode=new_mode,
                    old_blob=None if old_blob == NULL_SHA else old_blob,
                    new_blob=None if new_blob == NULL_SHA else new_blob,
                )
            )
        else:
            added, deleted, path_token = _text(token).split("\t", 2)
            if path_token:
                path = _path(token.split(b"\t", 2)[2])
                i += 1
            else:  # rename/copy: old and new path follow as their own tokens
                path = _path(body[i + 2])
                i += 3
            counts.append((_count(added), _count(deleted), path))
    _attach_counts(changes, counts)
    return changes


def _attach_counts(changes: list[FileChange], counts: list[tuple[int | None, int | None, str]]) -> None:
    """git prints numstat lines in the same order as raw lines; match them, checking the path."""
    if len(counts) == len(changes) and all(c.path == p for c, (_, _, p) in zip(changes, counts, strict=True)):
        for change, (added, deleted, _) in zip(changes, counts, strict=True):
            change.added, change.deleted = added, deleted
        return
    by_path = {p: (a, d) for a, d, p in counts}
    for change in changes:
        change.added, change.deleted = by_path.get(change.path, (None, None))


def log_command(git_dir: str, rev: str | None, use_mailmap: bool = True) -> list[str]:
    """The single `git log` invocation behind a walk (exclusions are passed on stdin).

    With `use_mailmap`, names and emails are resolved through the `.mailmap` committed at `rev`
    (see `qroi.git.mailmap`; run git with `cwd=git_dir`); without, they are stored as written.
    With `rev` None, git reads the exact commits to show from stdin (`--no-walk`).
    """
    an, ae, cn, ce = mailmap.identity_fields(use_mailmap)
    fields = ("%H", "%P", an, ae, "%ad", cn, ce, "%cd", "%B")
    cmd = ["git", *neutral_config(), *(mailmap.config(rev or "HEAD") if use_mailmap else [])]
    cmd += [
        "--git-dir",
        git_dir,
        "log",
        "--raw",
        "--numstat",
        "-z",
        "-M",
        "--no-abbrev",
        "--no-textconv",
        "--no-ext-diff",
        "--diff-merges=first-parent",
        "--date=raw",
        "--format=%x00" + "%x00".join(fields),
        "--stdin",
    ]
    return cmd + ["--topo-order", "--reverse", rev] if rev else cmd + ["--no-walk=unsorted"]


def iter_commits(
    git_dir: str, rev: str = "HEAD", exclude: Iterable[str] = (), use_mailmap: bool = True
) -> Iterator[CommitRecord]:
    """Stream every commit reachable from `rev` but not from `exclude`, parents before children."""
    return _stream(log_command(git_dir, rev, use_mailmap), "".join(f"^{sha}\n" for sha in exclude), git_dir)


def iter_listed(git_dir: str, shas: Iterable[str], use_mailmap: bool = True) -> Iterator[CommitRecord]:
    """Exactly the given commits, in the given order (e.g. to re-read stored merges' diffs)."""
    return _stream(log_command(git_dir, None, use_mailmap), "".join(f"{sha}\n" for sha in shas), git_dir)


def _stream(cmd: list[str], stdin: str, git_dir: str) -> Iterator[CommitRecord]:
    proc = subprocess.Popen(
        cmd,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=git_dir,  # git reads ./.mailmap of a non-bare repository from its working directory
    )
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(stdin.encode())
    proc.stdin.close()
    try:
        for record in _records(_tokens(iter(lambda: proc.stdout.read(1 << 16), b""))):
            if record.flags.notes:  # rare: quote the header lines exactly as written
                raw = run_git(["cat-file", "commit", record.sha], git_dir=git_dir, check=False).stdout
                record.header_flags = record.flags.text(headers.raw_lines(raw))
            yield record
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
        stderr = proc.stderr.read().decode("utf-8", "replace").strip() if proc.stderr else ""
        code = proc.wait()
    if code != 0:
        raise failure("git log failed", stderr, code)


def _records(tokens: Iterator[bytes]) -> Iterator[CommitRecord]:
    """Group tokens into commits: an empty token opens a commit, then 9 fields, then diff entries."""
    head: list[bytes] | None = None
    body: list[bytes] = []
    for token in tokens:
        if head is not None and len(head) < _FIELD_COUNT:
            head.append(token)
        elif token == b"":
            if head is not None:
                yield _parse_record(head, body)
            head, body = [], []
        else:
            body.append(token)
    if head is not None:
        yield _parse_record(head, body)
