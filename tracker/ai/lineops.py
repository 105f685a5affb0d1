"""Line operations of one commit: each changed line is added, deleted, updated, moved, copy/pasted or trivial.

Why: the AI-era debate (GitClear's 2024-2025 reports) is argued in these terms: copy/pasted lines
overtaking moved (refactored) lines, commits with duplicated blocks multiplying. qroi lets a
team measure them on its own history; this module is the pure classifier of one commit, fed the
commit's `-U0` hunks with the text of their deleted and added lines. It asks git for nothing.

Definitions (see `qroi.ai.duplication` for keys and windows; thresholds in `LineOpsConfig`):

- trivial: a blank line, a comment-only line (the file's language) or a line with no letter or
  digit. Counted apart (`trivial_added`, `trivial_deleted`) so that every diff line is accounted
  for, but never an operation: they carry no code and would make unrelated blocks look alike.
- moved: a run of at least `min_moved` (default 3) keyed lines deleted in one hunk and added,
  in the same order, in another hunk of the same commit (another file or elsewhere in the same
  file). Whitespace around a line does not matter (re-indenting a function into a class is
  still a move). Inside one hunk the lines must be byte-identical too, since a deleted block
  re-added in place with new indentation is an edit, not a move. Deleted and added lines pair
  one to one: a block deleted once and pasted twice is one move and one copy. A moved line
  counts once as an operation, where it arrives (`moved_in`); its source lines are `moved_out`.
- copy_pasted: an added line inside a run of at least `min_copy` (default 5) consecutive keyed
  added lines that either already exists elsewhere in the tree before the commit (a window of
  the tree index that this commit does not itself delete), or repeats a run added earlier in
  the same commit (in diff order: path order, then line order; the first occurrence is
  written, the later ones pasted), or repeats a block this commit moved.
- updated: an in-place change. In each hunk, after the lines above are taken out, the remaining
  deleted and added keyed lines pair up in order: min(deleted, added) pairs are updated (one
  operation per pair), the rest are plain added or deleted lines.
- added / deleted: every other keyed line.

Precedence, highest first: trivial, moved, copy_pasted, updated, added/deleted. Every line of
the diff gets exactly one label, so for a text file `added + updated + moved_in + copy_pasted +
trivial_added` equals git's numstat count of added lines, and `deleted + updated + moved_out +
trivial_deleted` its deleted lines. Binary files, submodules (mode 160000) and symlinks
(120000) are skipped whole and listed in `CommitOps.skipped`.

A commit "contains a duplicated block" when it has copy/pasted lines.

Churn (a line written, then changed or deleted within 14 days) is not a property of one commit:
it needs line provenance across commits, which `qroi.delivery.rework` tracks; this module labels
the lines (with their old and new line numbers) so that moved lines can be told apart there.

Hunk text must be complete: a hunk's `deleted` and `added` hold exactly `old_len` and `new_len`
lines (bytes, without newlines), or `classify` raises ValueError. That is what a feeder such as
`qroi.git.patches` must keep for both sides.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from qroi.ai.duplication import WINDOW, Key, comment_prefixes, line_key, window_hashes

ADDED = "added"
DELETED = "deleted"
UPDATED = "updated"
MOVED = "moved"
COPY_PASTED = "copy_pasted"
TRIVIAL = "trivial"
OPERATIONS = (ADDED, DELETED, UPDATED, MOVED, COPY_PASTED)
_UNSET = ""  # a line not labelled yet
MAX_CANDIDATES = 64
"""Deleted places tried per added window when looking for a move: bounds the work on files of
repeated lines (a data file of identical rows moved elsewhere) without changing ordinary moves."""
SKIPPED_MODES = ("160000", "120000")  # submodules and symlinks carry no lines of code
"""Churn window (GitClear's two weeks): lines changed or deleted this soon after being written."""
Tree = dict[str, tuple[bytes, ...]]
"""A tree's text files: path -> lines (bytes without newlines); binaries, symlinks, submodules left out."""


class HunkLike(Protocol):
    """A `-U0` hunk with the text of its lines: qroi.git.patches.Hunk of a stream that keeps both sides."""

    @property
    def old_start(self) -> int: ...
    @property
    def old_len(self) -> int: ...
    @property
    def new_start(self) -> int: ...
    @property
    def new_len(self) -> int: ...
    @property
    def deleted(self) -> Sequence[bytes]: ...
    @property
    def added(self) -> Sequence[bytes]: ...


class FileDiffLike(Protocol):
    """One file of one commit's diff (qroi.git.patches.FilePatch has these fields)."""

    @property
    def old_path(self) -> str | None: ...
    @property
    def new_path(self) -> str | None: ...
    @property
    def binary(self) -> bool: ...
    @property
    def mode(self) -> str | None: ...
    @property
    def hunks(self) -> Sequence[HunkLike]: ...


class WindowCounts(Protocol):
    """How often a window hash occurs in the tree before the commit (qroi.ai.duplication.WindowIndex)."""

    @property
    def size(self) -> int: ...
    def count(self, window: int) -> int: ...


@dataclass(frozen=True)
class LineOpsConfig:
    """Block sizes, in keyed lines. A move of 1-2 lines is as often a coincidence (two `return x`
    lines trading places) as a refactoring, hence 3; copy/paste follows GitClear's 5."""

    min_moved: int = 3
    min_copy: int = WINDOW

    def __post_init__(self) -> None:
        for name in ("min_moved", "min_copy"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a whole number of lines >= 1, not {value!r}")


@dataclass(slots=True)
class LineOps:
    """Line counts by class; `moved_in` and `moved_out` are the two ends of moves (equal per commit)."""

    added: int = 0
    deleted: int = 0
    updated: int = 0
    moved_in: int = 0
    moved_out: int = 0
    copy_pasted: int = 0
    trivial_added: int = 0
    trivial_deleted: int = 0

    @property
    def moved(self) -> int:
        """Moved lines, counted once, where they arrive."""
        return self.moved_in

    @property
    def operations(self) -> int:
        """Line operations: added + deleted + updated + moved + copy_pasted (a pair counts once)."""
        return self.added + self.deleted + self.updated + self.moved_in + self.copy_pasted

    @property
    def lines_added(self) -> int:
        """Added lines of the diff (git numstat's first column for a text file)."""
        return self.added + self.updated + self.moved_in + self.copy_pasted + self.trivial_added

    @property
    def lines_deleted(self) -> int:
        """Deleted lines of the diff (git numstat's second column for a text file)."""
        return self.deleted + self.updated + self.moved_out + self.trivial_deleted

    def share(self, operation: str) -> float | None:
        """One operation's share of all operations; None when there are none."""
        if operation not in OPERATIONS:
            raise ValueError(f"unknown operation {operation!r}; choose from {', '.join(OPERATIONS)}")
        total = self.operations
        return getattr(self, operation) / total if total else None

    def add(self, other: LineOps) -> None:
        """Accumulate another count (files into a commit, commits into a month)."""
        for name in self.__slots__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def to_dict(self) -> dict[str, int]:
        """The counts, plus `moved` and `operations`, as plain ints."""
        return {**asdict(self), "moved": self.moved, "operations": self.operations}


@dataclass(slots=True)
class FileOps:
    """One file's counts and the label of every diff line (deleted side and added side, in diff order)."""

    path: str
    ops: LineOps
    deleted_labels: list[str]
    added_labels: list[str]
    spans: list[tuple[int, int, int, int]]  # (old_start, old_len, new_start, new_len) per hunk

    def line_numbers(self, label: str, side: str = "added") -> list[int]:
        """Line numbers (new file for "added", old file for "deleted") of the lines with this label."""
        if side not in ("added", "deleted"):
            raise ValueError(f"side must be 'added' or 'deleted', not {side!r}")
        labels = self.added_labels if side == "added" else self.deleted_labels
        numbers: list[int] = []
        for old_start, old_len, new_start, new_len in self.spans:
            start, count = (new_start, new_len) if side == "added" else (old_start, old_len)
            numbers.extend(range(start, start + count))
        return [n for n, lab in zip(numbers, labels, strict=True) if lab == label]


@dataclass(slots=True)
class CommitOps:
    """A commit's line operations: per file, in total, and the paths skipped as not text."""

    files: list[FileOps]
    skipped: list[str]
    ops: LineOps

    @property
    def duplicated_block(self) -> bool:
        """The commit adds a duplicated block (at least one copy/pasted line)."""
        return self.ops.copy_pasted > 0

    def file(self, path: str) -> FileOps:
        """The counts of one file of the commit."""
        for f in self.files:
            if f.path == path:
                return f
        raise KeyError(path)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: totals, the duplicated-block flag, per-file counts, skipped paths."""
        return {
            "ops": self.ops.to_dict(),
            "duplicated_block": self.duplicated_block,
            "skipped": list(self.skipped),
            "files": {f.path: f.ops.to_dict() for f in self.files},
        }


class _Hunk:
    """Working state of one hunk: keys and labels of both sides."""

    __slots__ = ("file", "old_raw", "new_raw", "old_keys", "new_keys", "old_lab", "new_lab")

    def __init__(self, file: int, hunk: HunkLike, prefixes: tuple[bytes, ...]) -> None:
        self.file = file
        self.old_raw = hunk.deleted
        self.new_raw = hunk.added
        self.old_keys: list[Key] = [line_key(line, prefixes) for line in hunk.deleted]
        self.new_keys: list[Key] = [line_key(line, prefixes) for line in hunk.added]
        self.old_lab: list[str] = [_UNSET] * len(self.old_keys)
        self.new_lab: list[str] = [_UNSET] * len(self.new_keys)


def _content(keys: list[Key]) -> tuple[list[int], list[int]]:
    """Positions and keys of the keyed lines."""
    pos = [i for i, k in enumerate(keys) if k is not None]
    return pos, [k for k in keys if k is not None]


def _segments(h: _Hunk) -> list[tuple[list[int], list[int]]]:
    """Maximal runs of keyed added lines not yet labelled (a moved line ends a run): positions, keys."""
    out: list[tuple[list[int], list[int]]] = []
    pos: list[int] = []
    ks: list[int] = []
    for i, k in enumerate(h.new_keys):
        if k is None:
            continue
        if h.new_lab[i] == _UNSET:
            pos.append(i)
            ks.append(k)
        elif pos:
            out.append((pos, ks))
            pos, ks = [], []
    if pos:
        out.append((pos, ks))
    return out


def _mark_moved(hunks: list[_Hunk], size: int) -> list[list[int]]:
    """Label moves on both sides; return the keys of each moved run (for copy detection)."""
    runs: list[tuple[int, list[int], list[int]]] = []  # (hunk, positions, keys) of deleted content
    index: dict[int, list[tuple[int, int]]] = {}
    for hi, h in enumerate(hunks):
        dpos, dks = _content(h.old_keys)
        if len(dks) >= size:
            for i, window in enumerate(window_hashes(dks, size)):
                index.setdefault(window, []).append((len(runs), i))
            runs.append((hi, dpos, dks))
    if not index:
        return []
    used = [bytearray(len(run[1])) for run in runs]
    moved: list[list[int]] = []
    for hi, h in enumerate(hunks):
        pos, ks = _content(h.new_keys)
        windows = window_hashes(ks, size)
        n, j = len(ks), 0
        while j < len(windows):
            best, best_run, best_at = 0, -1, -1
            for r, i in index.get(windows[j], ())[:MAX_CANDIDATES]:
                dh, dpos, dks = runs[r]
                same_hunk, old_raw, taken = dh == hi, hunks[dh].old_raw, used[r]
                length = 0
                while (
                    j + length < n
                    and i + length < len(dks)
                    and ks[j + length] == dks[i + length]
                    and not taken[i + length]
                    and (not same_hunk or h.new_raw[pos[j + length]] == old_raw[dpos[i + length]])
                ):
                    length += 1
                if length > best:
                    best, best_run, best_at = length, r, i
            if best < size:
                j += 1
                continue
            dh, dpos, _ = runs[best_run]
            for t in range(best):
                h.new_lab[pos[j + t]] = MOVED
                hunks[dh].old_lab[dpos[best_at + t]] = MOVED
                used[best_run][best_at + t] = 1
            moved.append(ks[j : j + best])
            j += best
    return moved


def _mark_copies(hunks: list[_Hunk], size: int, tree: WindowCounts | None, moved: list[list[int]]) -> None:
    """Label added runs of `size` keyed lines found in the tree (and not deleted here) or added twice."""
    seen: set[int] = {w for run in moved for w in window_hashes(run, size)}
    destroyed: Counter[int] = Counter()
    if tree is not None:
        for h in hunks:
            destroyed.update(window_hashes([k for k in h.old_keys if k is not None], size))
    for h in hunks:
        for pos, ks in _segments(h):
            for j, window in enumerate(window_hashes(ks, size)):
                if window in seen or (tree is not None and tree.count(window) > destroyed[window]):
                    for p in pos[j : j + size]:
                        h.new_lab[p] = COPY_PASTED
                seen.add(window)


def _mark_rest(h: _Hunk) -> None:
    """In-place pairs become updated; the rest added, deleted or trivial."""
    old = [i for i in _content(h.old_keys)[0] if h.old_lab[i] == _UNSET]
    new = [i for i in _content(h.new_keys)[0] if h.new_lab[i] == _UNSET]
    pairs = min(len(old), len(new))
    for i in old[:pairs]:
        h.old_lab[i] = UPDATED
    for i in new[:pairs]:
        h.new_lab[i] = UPDATED
    for keys, labels, plain in ((h.old_keys, h.old_lab, DELETED), (h.new_keys, h.new_lab, ADDED)):
        for i, label in enumerate(labels):
            if label == _UNSET:
                labels[i] = TRIVIAL if keys[i] is None else plain


def _count(deleted: list[str], added: list[str]) -> LineOps:
    d, a = Counter(deleted), Counter(added)
    return LineOps(
        added=a[ADDED],
        deleted=d[DELETED],
        updated=a[UPDATED],
        moved_in=a[MOVED],
        moved_out=d[MOVED],
        copy_pasted=a[COPY_PASTED],
        trivial_added=a[TRIVIAL],
        trivial_deleted=d[TRIVIAL],
    )


def classify(
    diffs: Sequence[FileDiffLike], tree: WindowCounts | None = None, config: LineOpsConfig | None = None
) -> CommitOps:
    """Classify every changed line of one commit.

    `diffs` are the commit's file diffs against its (first) parent, in git's path order; `tree`
    counts the window hashes of the whole tree before the commit (None: copy/paste is then only
    what repeats within the commit). Merges should not be classified: their lines were written
    by the commits they merge.
    """
    config = config or LineOpsConfig()
    if tree is not None and tree.size != config.min_copy:
        raise ValueError(
            f"the tree index hashes windows of {tree.size} lines but min_copy is {config.min_copy}"
        )
    paths: list[str] = []
    spans: list[list[tuple[int, int, int, int]]] = []
    hunks: list[_Hunk] = []
    skipped: list[str] = []
    for diff in diffs:
        path = diff.new_path or diff.old_path or ""
        if diff.binary or diff.mode in SKIPPED_MODES:
            skipped.append(path)
            continue
        prefixes = comment_prefixes(path)
        file_spans = []
        for hunk in diff.hunks:
            if len(hunk.deleted) != hunk.old_len or len(hunk.added) != hunk.new_len:
                raise ValueError(
                    f"{path}: hunk -{hunk.old_start},{hunk.old_len} +{hunk.new_start},{hunk.new_len} carries "
                    f"{len(hunk.deleted)} deleted and {len(hunk.added)} added lines; line text is required"
                )
            hunks.append(_Hunk(len(paths), hunk, prefixes))
            file_spans.append((hunk.old_start, hunk.old_len, hunk.new_start, hunk.new_len))
        paths.append(path)
        spans.append(file_spans)
    moved = _mark_moved(hunks, config.min_moved)
    _mark_copies(hunks, config.min_copy, tree, moved)
    for h in hunks:
        _mark_rest(h)
    labels: list[tuple[list[str], list[str]]] = [([], []) for _ in paths]
    for h in hunks:
        labels[h.file][0].extend(h.old_lab)
        labels[h.file][1].extend(h.new_lab)
    files = [
        FileOps(path, _count(d, a), d, a, s) for path, (d, a), s in zip(paths, labels, spans, strict=True)
    ]
    total = LineOps()
    for f in files:
        total.add(f.ops)
    return CommitOps(files, skipped, total)


def apply_hunks(old: Sequence[bytes], hunks: Sequence[HunkLike]) -> list[bytes]:
    """The new file's lines from the old file's and a `-U0` diff with text (hunks in order).

    Lets a walk keep every file's lines (for the tree index) from the diffs alone, without
    reading blobs: a hunk with old_len 0 inserts after line old_start.
    """
    out: list[bytes] = []
    pos = 0
    for hunk in hunks:
        start = hunk.old_start - 1 if hunk.old_len else hunk.old_start
        if start < pos or start + hunk.old_len > len(old):
            raise ValueError(f"hunk -{hunk.old_start},{hunk.old_len} does not fit a file of {len(old)} lines")
        out.extend(old[pos:start])
        out.extend(hunk.added)
        pos = start + hunk.old_len
    out.extend(old[pos:])
    return out


def tree_after(
    before: Mapping[str, tuple[bytes, ...]],
    diffs: Sequence[FileDiffLike],
    reread: Callable[[FileDiffLike], tuple[bytes, ...] | None] | None = None,
) -> Tree:
    """The text files after a commit, from the tree before it and its (first-parent) diffs.

    Unchanged files keep their tuple, so a `WindowIndex.sync` re-hashes only what changed.
    Binary files, symlinks and submodules are left out. A diff that does not fit the tree (a file
    git diffed as binary before and as text now, or a text file the tree never saw) is resolved
    by `reread`, which returns the file's lines after the commit, or None to leave it out;
    without `reread` such a diff raises ValueError.
    """
    tree = dict(before)
    for diff in diffs:
        old = tree.pop(diff.old_path, None) if diff.old_path else ()
        if diff.new_path is None or diff.binary or diff.mode in SKIPPED_MODES:
            continue
        try:
            if old is None:
                raise ValueError(f"{diff.old_path}: not a text file of the tree before the commit")
            lines = tuple(apply_hunks(old, diff.hunks)) if diff.hunks else old
        except ValueError:
            if reread is None:
                raise
            found = reread(diff)
            if found is None:
                continue
            lines = found
        tree[diff.new_path] = lines
    return tree
