"""Duplicated blocks a change added: windows of code in the head that the base had fewer copies of.

"The same code" is qroi's one definition (`qroi.ai.duplication`: keyed lines, windows of 5); a
block counts as added by the change when, in a file the change touched, a window holds a line the
change added (difflib's line diff of the file against its base version) and occurs at least twice
in the head's Python tree and more often than in the base's: the old copy it duplicates is not
reported, the new one is. Consecutive such windows
merge into one block, reported at its first line with one other place the code also lives.
"""

from __future__ import annotations

import difflib
import hashlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from qroi.ai.duplication import WINDOW, keys, window_hashes


@dataclass(frozen=True)
class AddedBlock:
    path: str
    line: int
    end_line: int
    other_path: str
    other_line: int
    digest: str  # of the block's normalized lines: the same block has the same digest on every push


def _keyed(path: str, lines: Sequence[bytes]) -> tuple[list[int], list[int]]:
    """The keys of a file's code lines and their 1-based line numbers."""
    found = [(k, n) for n, k in enumerate(keys(path, lines), start=1) if k is not None]
    return [k for k, _ in found], [n for _, n in found]


def added_lines(before: Sequence[bytes] | None, after: Sequence[bytes]) -> set[int]:
    """1-based numbers of the lines of `after` that a line diff from `before` shows as added."""
    if before is None:
        return set(range(1, len(after) + 1))
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    return {
        n + 1
        for tag, _, _, j1, j2 in matcher.get_opcodes()
        if tag in ("insert", "replace")
        for n in range(j1, j2)
    }


def added_blocks(
    base: Mapping[str, Sequence[bytes]],
    head: Mapping[str, Sequence[bytes]],
    touched: Mapping[str, str | None],
    window: int = WINDOW,
) -> list[AddedBlock]:
    """Blocks in the touched head files whose copies the change multiplied.

    `base` and `head` map every Python path of each tree to its lines; `touched` maps each touched
    head path to its base path (None for a new file). Files the change did not touch are hashed
    once and counted on both sides.
    """
    base_hashes = {p: window_hashes(_keyed(p, lines)[0], window) for p, lines in base.items()}
    head_keyed = {p: _keyed(p, head[p]) for p in touched if p in head}
    untouched = {
        p: base_hashes[p] if p in base_hashes else window_hashes(_keyed(p, head[p])[0], window)
        for p in head
        if p not in touched
    }
    counts_base = Counter(h for hs in base_hashes.values() for h in hs)
    counts_head = Counter(h for hs in untouched.values() for h in hs)
    touched_hashes = {p: window_hashes(k, window) for p, (k, _) in head_keyed.items()}
    for hs in touched_hashes.values():
        counts_head.update(hs)
    flagged = {}
    for p, hs in touched_hashes.items():
        old = touched[p]
        fresh = added_lines(base.get(old) if old else None, head[p])
        numbers = head_keyed[p][1]
        flagged[p] = [
            counts_head[h] >= 2
            and counts_head[h] > counts_base[h]
            and any(n in fresh for n in numbers[i : i + window])
            for i, h in enumerate(hs)
        ]
    wanted = {h for p, hs in touched_hashes.items() for h, f in zip(hs, flagged[p], strict=True) if f}
    where: dict[int, list[tuple[str, int]]] = {}
    for p, hs in sorted({**untouched, **touched_hashes}.items()):
        for i, h in enumerate(hs):
            if h in wanted and len(where.setdefault(h, [])) < 2:
                where[h].append((p, i))
    blocks = []
    for path in sorted(touched_hashes):
        hs, marks = touched_hashes[path], flagged[path]
        _, numbers = head_keyed[path]
        i = 0
        while i < len(hs):
            if not marks[i]:
                i += 1
                continue
            j = i
            while j + 1 < len(hs) and marks[j + 1]:
                j += 1
            other_path, other_i = next(loc for loc in where[hs[i]] if loc != (path, i))
            other_numbers = numbers if other_path == path else _keyed(other_path, head[other_path])[1]
            first, last = numbers[i], numbers[j + window - 1]
            text = b"\n".join(line.strip() for line in head[path][first - 1 : last])
            blocks.append(
                AddedBlock(
                    path,
                    first,
                    last,
                    other_path,
                    other_numbers[other_i],
                    hashlib.sha256(text).hexdigest()[:32],
                )
            )
            i = j + 1
    return blocks
