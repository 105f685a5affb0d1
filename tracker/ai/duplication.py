"""Duplicated code in a tree: normalized lines, windows of them, and the duplicated-block share.

The AI-era lens asks two related questions: how much of a *commit* re-adds code that already
exists (copy/paste, `qroi.ai.lineops`), and how much of the *tree* is duplicated at a point in
time (this module). Both must use one notion of "the same code", or a commit could count as
copy/paste of a block the tree measure does not see. That notion lives here:

- A line's *key* is its text with leading and trailing whitespace stripped; blank lines,
  comment-only lines (the file's language, the same prefix table SZZ uses) and lines without a
  letter or digit (`}`, `)`, a lone docstring quote) have no key: they carry no code of their own and would make
  any two brace-heavy or docstring-heavy blocks look alike.
- A *window* is `size` consecutive keyed lines of one file (unkeyed lines in between are
  skipped, so a blank line inside a pasted block does not hide it); its hash is the hash of the
  tuple of its keys.
- Duplicated-block share of a set of Python files: the share of keyed lines that lie in at least
  one window (default size 5) occurring more than once across those files, within one file or
  between two. Linear in the number of lines: one pass hashes every window into a counter, a
  second marks the lines of the windows seen twice.

Hashes are Python's `hash` of bytes and tuples: fast, 64-bit, and never stored or compared
across processes (they are salted per process), so a collision, at about 2**-64 per pair, is
the only way two different blocks can match.

Why no clone-detection library: the ones on PyPI that run offline do not fit. pylint's
`symilar` compares files pairwise (quadratic in the number of files), never finds a block
duplicated inside one file, has no public API for a share, and pulls in astroid; `arid` is a
Rust command-line tool that reads files from disk and reports pairs, not a library; `cpitd` is
an alpha-stage token winnowing tool built on Pygments (slow, approximate fingerprints). None
shares its normalization with the per-commit copy/paste classification, which this must.
"""

from __future__ import annotations

import os
import string
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from qroi.core.files import COMMENT_PREFIXES, is_python_path

WINDOW = 5
"""Keyed lines in a duplicated block, as in GitClear's "5+ identical lines" and pylint's default."""

_NOT_CONTENT = (string.punctuation + string.whitespace).encode()
_PREFIXES: dict[str, tuple[bytes, ...]] = {
    ext: tuple(p.encode() for p in prefixes) for ext, prefixes in COMMENT_PREFIXES.items()
}

Key = int | None
"""A line's key (hash of its stripped text), or None for a blank, comment-only or punctuation line."""


def comment_prefixes(path: str) -> tuple[bytes, ...]:
    """The comment prefixes of the file's language (by extension), empty when unknown."""
    return _PREFIXES.get(os.path.splitext(path)[1].lower(), ())


def line_key(line: bytes, prefixes: tuple[bytes, ...]) -> Key:
    """The key of one line (bytes without its newline), or None when it carries no code."""
    text = line.strip()
    if not text.translate(None, _NOT_CONTENT) or (prefixes and text.startswith(prefixes)):
        return None
    return hash(text)


def keys(path: str, lines: Iterable[bytes]) -> list[Key]:
    """The key of every line of a file, in order."""
    prefixes = comment_prefixes(path)
    return [line_key(line, prefixes) for line in lines]


def window_hashes(content: Sequence[int], size: int = WINDOW) -> list[int]:
    """Hashes of every run of `size` consecutive keys (unkeyed lines already removed)."""
    return [hash(tuple(content[i : i + size])) for i in range(len(content) - size + 1)]


def split_lines(text: str | bytes) -> list[bytes]:
    """A file's lines without their newlines, as git's diff sees them."""
    data = text.encode("utf-8", "surrogateescape") if isinstance(text, str) else text
    if not data:
        return []
    lines = data.split(b"\n")
    return lines[:-1] if data.endswith(b"\n") else lines


@dataclass
class WindowIndex:
    """The multiset of window hashes of a tree, kept file by file so a commit updates only its files.

    `sync(tree)` takes a snapshot `{path: lines}` and looks again only at the paths whose lines
    object is not the one it saw last (snapshots that share unchanged files' line tuples make
    this cheap), so one index can follow a walk along a history, jumping between branches.
    A file that did change is re-hashed incrementally: the lines it shares with its previous
    version at the start and at the end keep their keys, and the windows lying wholly inside
    those runs keep their hashes; only the lines and windows in between are hashed again (an
    edit of one line costs about `size` window hashes, not the whole file's).
    `count(h)` is how many windows of the tree have hash `h`: "does this block exist elsewhere".
    With `python_only`, files that are not Python are left out (the tree measure's rule) and
    `share()` gives `duplicated_share` of the indexed tree.
    """

    size: int = WINDOW
    python_only: bool = False
    counts: Counter[int] = field(default_factory=Counter, init=False, repr=False)
    _files: dict[str, tuple[object, list[Key], list[int]]] = field(
        default_factory=dict, init=False, repr=False
    )

    def __post_init__(self) -> None:
        if self.size < 1:
            raise ValueError(f"window size must be at least 1, not {self.size}")

    def set_file(self, path: str, lines: Sequence[bytes]) -> None:
        """Index (or re-index) one file's lines, replacing what was indexed under its path."""
        old = self._files.get(path)
        if old is None:
            line_keys = keys(path, lines)
            hashes = window_hashes([k for k in line_keys if k is not None], self.size)
            self.counts.update(hashes)
            self._files[path] = (lines, line_keys, hashes)
            return
        old_lines, old_keys, old_hashes = old
        if old_lines == lines:  # same text in a new object (a tree rebuilt from git)
            self._files[path] = (lines, old_keys, old_hashes)
            return
        assert isinstance(old_lines, Sequence)
        head, tail = _common_ends(old_lines, lines)
        prefixes = comment_prefixes(path)
        line_keys = (
            old_keys[:head]
            + [line_key(line, prefixes) for line in lines[head : len(lines) - tail]]
            + old_keys[len(old_keys) - tail :]
        )
        before = [k for k in old_keys if k is not None]
        after = [k for k in line_keys if k is not None]
        head, tail = _common_ends(before, after)
        size = self.size
        n_old, n_new = max(0, len(before) - size + 1), max(0, len(after) - size + 1)
        kept_head = min(max(0, head - size + 1), n_old, n_new)  # windows inside the common start
        kept_tail = min(max(0, tail - size + 1), n_old - kept_head, n_new - kept_head)
        middle = [hash(tuple(after[i : i + size])) for i in range(kept_head, n_new - kept_tail)]
        dropped = old_hashes[kept_head : n_old - kept_tail]
        self._forget(dropped)
        self.counts.update(middle)
        self._files[path] = (
            lines,
            line_keys,
            old_hashes[:kept_head] + middle + old_hashes[n_old - kept_tail :],
        )

    def _forget(self, hashes: Sequence[int]) -> None:
        counts = self.counts
        counts.subtract(hashes)
        for h in hashes:
            if counts.get(h, 1) <= 0:
                del counts[h]

    def remove_file(self, path: str) -> None:
        """Forget one file (a no-op when it is not indexed)."""
        old = self._files.pop(path, None)
        if old is not None:
            self._forget(old[2])

    def sync(self, tree: Mapping[str, Sequence[bytes]]) -> None:
        """Make the index describe `tree`, re-hashing only files whose lines object changed."""
        for path in [p for p in self._files if p not in tree]:
            self.remove_file(path)
        for path, lines in tree.items():
            if self.python_only and not is_python_path(path):
                continue
            known = self._files.get(path)
            if known is None or known[0] is not lines:
                self.set_file(path, lines)

    def share(self) -> DuplicationResult:
        """`duplicated_share` of the indexed files, from the hashes already counted."""
        counts, size = self.counts, self.size
        repeated = {h for h, n in counts.items() if n > 1}
        per_file: dict[str, tuple[int, int]] = {}
        for path in sorted(self._files):
            _, line_keys, hashes = self._files[path]
            keyed = len(line_keys) - line_keys.count(None)
            if repeated.isdisjoint(hashes):
                per_file[path] = (keyed, 0)
                continue
            covered = bytearray(keyed)
            for i, h in enumerate(hashes):
                if h in repeated:
                    covered[i : i + size] = b"\x01" * size
            per_file[path] = (keyed, sum(covered))
        return DuplicationResult(
            files=len(per_file),
            lines=sum(n for n, _ in per_file.values()),
            duplicated_lines=sum(d for _, d in per_file.values()),
            window=size,
            per_file=per_file,
        )

    def count(self, window: int) -> int:
        """Windows of the tree with this hash."""
        return self.counts.get(window, 0)

    def __contains__(self, window: object) -> bool:
        return window in self.counts

    @property
    def paths(self) -> list[str]:
        """Indexed paths, sorted."""
        return sorted(self._files)


def _common_ends(old: Sequence[Any], new: Sequence[Any]) -> tuple[int, int]:
    """Lengths of the longest common start and (in what is left) the longest common end."""
    limit = min(len(old), len(new))
    head = 0
    while head < limit and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < limit - head and old[len(old) - 1 - tail] == new[len(new) - 1 - tail]:
        tail += 1
    return head, tail


@dataclass(frozen=True)
class DuplicationResult:
    """Duplicated-block share of a set of files: keyed lines inside a window seen twice or more."""

    files: int
    lines: int
    duplicated_lines: int
    window: int
    per_file: dict[str, tuple[int, int]]  # path -> (keyed lines, duplicated lines)

    @property
    def share(self) -> float | None:
        """duplicated_lines / lines; None for a tree without code lines."""
        return self.duplicated_lines / self.lines if self.lines else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (per-file detail included)."""
        return {
            "files": self.files,
            "lines": self.lines,
            "duplicated_lines": self.duplicated_lines,
            "share": self.share,
            "window": self.window,
            "per_file": {p: {"lines": n, "duplicated_lines": d} for p, (n, d) in self.per_file.items()},
        }


def duplicated_share(
    tree: Mapping[str, str | bytes | Sequence[bytes]], *, window: int = WINDOW, python_only: bool = True
) -> DuplicationResult:
    """Duplicated-block share of a tree given as {path: text, bytes or list of lines}.

    Only Python files count by default (`python_only`): the issue's tree measure is about the
    Python code, and prose or data files repeat lines for reasons that are not copy/paste.
    """
    if window < 1:
        raise ValueError(f"window size must be at least 1, not {window}")
    content: dict[str, list[int]] = {}
    for path in sorted(tree):
        if python_only and not is_python_path(path):
            continue
        value = tree[path]
        lines = split_lines(value) if isinstance(value, str | bytes) else value
        content[path] = [k for k in keys(path, lines) if k is not None]
    hashes = {path: window_hashes(ks, window) for path, ks in content.items()}
    counts = Counter(h for hs in hashes.values() for h in hs)
    per_file: dict[str, tuple[int, int]] = {}
    for path, hs in hashes.items():
        covered = bytearray(len(content[path]))
        for i, h in enumerate(hs):
            if counts[h] > 1:
                covered[i : i + window] = b"\x01" * window
        per_file[path] = (len(covered), sum(covered))
    return DuplicationResult(
        files=len(per_file),
        lines=sum(n for n, _ in per_file.values()),
        duplicated_lines=sum(d for _, d in per_file.values()),
        window=window,
        per_file=per_file,
    )
