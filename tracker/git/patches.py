"""Line-level diffs of many commits from one streamed `git diff-tree --stdin -p -U0` process.

Rework and SZZ need to know *which* lines a commit deleted, not only how many: that is the hunk
headers (and, for SZZ, the deleted text). Spawning git per commit would cost more than the
ingest itself, so the commits are written to one diff-tree's stdin, in the caller's order, from a
thread, while this process parses its output as it streams. `-U0` gives no context lines: only
what changed, with exact old and new line numbers.

Each input line is a commit (diffed against its first parent) or `commit parent` (diffed against
that parent: how a merge is read side by side). `--always` makes git print a header for every
input line, even an empty diff, so each FilePatch is matched to its input line by counting
headers (and checked against the sha), never by guessing.

The line text is kept only on request (`keep_deleted`, `keep_added`): SZZ needs the deleted
lines, the line-operation classifier (`qroi.ai.lineops`) both sides. `snapshot` reads a whole
tree the same way (its diff against the empty tree), so a tree read from git and a tree rebuilt
from diffs agree on what is text, down to git's own binary test and attributes.
"""

from __future__ import annotations

import re
import subprocess
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from qroi.core.errors import QroiError
from qroi.git.run import NULL_SHA, failure, neutral_config, run_git

_HUNK = re.compile(rb"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_SHA_LINE = re.compile(rb"^([0-9a-f]{40}|[0-9a-f]{64})(?: (?:[0-9a-f]{40}|[0-9a-f]{64}))?$")
EMPTY_TREE = {
    40: "4b825dc642cb6eb9a060e54bf8d69288fbee4904",
    64: "6ef19b41225c5369f1c104d45d8d85efa9b057b53b14b4b9b939dd74decc5321",
}
"""The empty tree's id in SHA-1 and SHA-256 repositories (by the length of a commit id)."""
_ESCAPES = {
    b"n": b"\n",
    b"t": b"\t",
    b'"': b'"',
    b"\\": b"\\",
    b"a": b"\a",
    b"b": b"\b",
    b"f": b"\f",
    b"r": b"\r",
    b"v": b"\v",
}


@dataclass(slots=True)
class Hunk:
    """`@@ -old_start,old_len +new_start,new_len @@`; with old_len 0, lines go after old_start.

    `deleted` and `added` hold the lines' text (without the leading `-`/`+` and the newline)
    when the stream was asked to keep it; then they have exactly old_len and new_len lines.
    """

    old_start: int
    old_len: int
    new_start: int
    new_len: int
    deleted: list[bytes] = field(default_factory=list)
    added: list[bytes] = field(default_factory=list)


@dataclass(slots=True)
class FilePatch:
    """One file of one commit's diff against parent number `parent` (0 = first parent)."""

    sha: str
    parent: int
    old_path: str | None = None
    new_path: str | None = None
    old_blob: str | None = None
    new_blob: str | None = None
    mode: str | None = None
    binary: bool = False
    hunks: list[Hunk] = field(default_factory=list)

    @property
    def path(self) -> str | None:
        """The file's path after the commit (before it, for a deletion)."""
        return self.new_path or self.old_path


def unquote(raw: bytes) -> str:
    """A path as git prints it in patch headers (C-quoted when it has special characters)."""
    raw = raw.rstrip(b"\t")  # git ends ---/+++ names that contain a space with a tab
    if not (raw.startswith(b'"') and raw.endswith(b'"') and len(raw) >= 2):
        return raw.decode("utf-8", "backslashreplace")
    body, out, i = raw[1:-1], bytearray(), 0
    while i < len(body):
        if body[i : i + 1] == b"\\" and i + 1 < len(body):
            nxt = body[i + 1 : i + 2]
            if nxt.isdigit():
                out.append(int(body[i + 1 : i + 4], 8))
                i += 4
                continue
            out += _ESCAPES.get(nxt, nxt)
            i += 2
            continue
        out += body[i : i + 1]
        i += 1
    return bytes(out).decode("utf-8", "backslashreplace")


def side_path(raw: bytes, prefix: bytes) -> str | None:
    """The path of a `--- a/P` or `+++ b/P` line (after the marker); None for /dev/null."""
    name = unquote(raw)
    if name == "/dev/null":
        return None
    return name[len(prefix) :] if name.startswith(prefix.decode()) else name


def header_path(names: bytes) -> str | None:
    """The path of `a/P b/P` in a `diff --git` line, for diffs without ---/+++ lines.

    A pure rename, a mode change and an empty file print no ---/+++ lines; renames name their
    paths in `rename from/to` lines, which override this, and a header whose two names differ
    is one of those, so None is returned for it.
    """
    if names.startswith(b'"'):
        end = names.index(b'" ', 1) + 1
        a, b = unquote(names[:end]), unquote(names[end + 1 :])
    else:
        half = (len(names) - 1) // 2
        a, b = unquote(names[:half]), unquote(names[half + 1 :])
    return a[2:] if a[2:] == b[2:] and a.startswith("a/") and b.startswith("b/") else None


@dataclass(frozen=True, slots=True)
class Request:
    """Diff `sha` against its first parent, or against `parent` (number `parent_index` of its parents)."""

    sha: str
    parent: str | None = None
    parent_index: int = 0

    def line(self) -> bytes:
        return f"{self.sha} {self.parent}\n".encode() if self.parent else f"{self.sha}\n".encode()


def requests(sha: str, parents: Sequence[str]) -> list[Request]:
    """One request for a commit, one per parent for a merge."""
    if len(parents) < 2:
        return [Request(sha)]
    return [Request(sha, parent, index) for index, parent in enumerate(parents)]


def command(git_dir: str, *, ignore_whitespace: bool = False) -> list[str]:
    """The diff-tree invocation: renames as the miner detects them, full blob ids, no context."""
    cmd = [
        "git",
        *neutral_config(),
        "--git-dir",
        git_dir,
        "diff-tree",
        "--stdin",
        "-r",
        "-p",
        "-U0",
        "-M",
        "--full-index",
        "--root",
        "--always",
        "--no-textconv",
        "--no-ext-diff",
        "--no-color",
        "--src-prefix=a/",
        "--dst-prefix=b/",
    ]
    if ignore_whitespace:
        cmd.append("-w")
    return cmd


def stream(
    git_dir: str,
    wanted: Sequence[Request],
    *,
    keep_deleted: bool = False,
    keep_added: bool = False,
    ignore_whitespace: bool = False,
) -> Iterator[FilePatch]:
    """FilePatches of the requested diffs, in order; line text only with `keep_deleted` / `keep_added`."""
    proc = subprocess.Popen(
        command(git_dir, ignore_whitespace=ignore_whitespace),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    stdin = proc.stdin

    def feed() -> None:
        try:
            for request in wanted:
                stdin.write(request.line())
            stdin.close()
        except (BrokenPipeError, ValueError):
            pass

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    errors: list[bytes] = []
    reader = threading.Thread(target=lambda: errors.append(proc.stderr.read()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    try:
        yield from _parse(proc.stdout, wanted, keep_deleted, keep_added)
    finally:
        if proc.poll() is None and writer.is_alive():
            proc.kill()
        proc.stdout.close()
        code = proc.wait()
        writer.join()
        reader.join()
    if code not in (0, -9):
        raise failure(f"git diff-tree failed in {git_dir}", b"".join(errors), code)


def snapshot(git_dir: str, sha: str) -> Iterator[FilePatch]:
    """Every file of commit `sha`'s tree as an added file with its text (its diff against the empty tree).

    Binary files come as `binary` patches without lines, exactly as in a commit's diff.
    """
    proc = run_git(["rev-parse", "--verify", "--quiet", f"{sha}^{{tree}}"], git_dir=git_dir, check=False)
    if proc.returncode != 0:
        raise QroiError(f"cannot read the tree of {sha} in {git_dir}: the repository may be damaged")
    # Two trees on a line diff the first against the second (the reverse of `commit parent`).
    for diff in stream(
        git_dir, [Request(EMPTY_TREE[len(sha)], proc.stdout.decode().strip())], keep_added=True
    ):
        diff.sha = sha
        yield diff


def _parse(
    lines: Iterable[bytes], wanted: Sequence[Request], keep_deleted: bool, keep_added: bool
) -> Iterator[FilePatch]:
    sha, parent, headers = "", 0, 0
    current: FilePatch | None = None
    hunk: Hunk | None = None
    for raw in lines:
        line = raw.rstrip(b"\n")
        first = line[:1]
        if hunk is not None and first in (b"-", b"+", b"\\"):  # hunk text: only headers precede hunks
            if first == b"-" and keep_deleted:
                hunk.deleted.append(line[1:])
            elif first == b"+" and keep_added:
                hunk.added.append(line[1:])
            continue
        if match := _SHA_LINE.match(line):
            if current is not None:
                yield current
            current = hunk = None
            request = wanted[headers] if headers < len(wanted) else None
            headers += 1
            sha = match.group(1).decode()
            if request is None or request.sha != sha:
                raise QroiError(
                    f"git diff-tree printed {sha} where {request.sha if request else 'nothing'} was due"
                )
            parent = request.parent_index
        elif line.startswith(b"diff --git "):
            if current is not None:
                yield current
            path = header_path(line[11:])
            current, hunk = FilePatch(sha, parent, old_path=path, new_path=path), None
        elif current is None:
            continue
        elif hunk_match := _HUNK.match(line):
            os_, ol, ns, nl = hunk_match.groups()
            hunk = Hunk(int(os_), 1 if ol is None else int(ol), int(ns), 1 if nl is None else int(nl))
            current.hunks.append(hunk)
        elif line.startswith(b"index "):
            blobs, _, mode = line[6:].partition(b" ")
            old, _, new = blobs.decode().partition("..")
            current.old_blob = None if old == NULL_SHA else old
            current.new_blob = None if new == NULL_SHA else new
            if mode:  # an added or deleted file's index line has no mode: keep the one of its mode line
                current.mode = mode.decode()
        elif line.startswith(b"--- "):
            current.old_path = side_path(line[4:], b"a/")
        elif line.startswith(b"+++ "):
            current.new_path = side_path(line[4:], b"b/")
        elif line.startswith(b"rename from "):
            current.old_path = unquote(line[12:])
        elif line.startswith(b"rename to "):
            current.new_path = unquote(line[10:])
        elif line.startswith(b"Binary files "):
            current.binary = True
        elif line.startswith((b"new file mode ", b"deleted file mode ", b"new mode ")):
            current.mode = line.rsplit(b" ", 1)[1].decode()
            if line.startswith(b"new file"):
                current.old_path = None
            elif line.startswith(b"deleted file"):
                current.new_path = None
    if current is not None:
        yield current
