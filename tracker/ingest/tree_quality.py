"""Repository-level Python quality after each commit, kept as running sums (notebooks included).

Re-reading every tree would cost a tree walk per commit; instead the state after a commit is its
first parent's state plus the commit's diff against that parent (path -> blob map and integer
sums). Sums are integers so that adding and removing a file's contribution in any order gives
exactly the value a from-scratch computation gives. The size-weighted MI is carried as
sum(round(MI * 1e6) * sloc): exact in integers, accurate to 1e-6 when divided back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from qroi.core.files import is_notebook_path
from qroi.git.log import FileChange

MI_SCALE = 1_000_000


@dataclass(frozen=True, slots=True)
class Contribution:
    """What one blob adds to the repository sums (an unscored blob adds only to `unscored`)."""

    scored: bool
    sloc: int = 0
    cc_total: int = 0
    functions: int = 0
    c_or_worse: int = 0
    mi_scaled: int = 0  # round(MI * 1e6) * sloc

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Contribution:
        """Build from a `blobs` row (or a scorer result row)."""
        if row.get("error_kind"):
            return cls(scored=False)
        sloc = row["sloc"]
        return cls(
            scored=True,
            sloc=sloc,
            cc_total=row["cc_total"],
            functions=row["functions"],
            c_or_worse=row["c_or_worse"],
            mi_scaled=round(row["mi"] * MI_SCALE) * sloc,
        )


class TreeQuality:
    """The Python files of one tree and their summed scores."""

    __slots__ = ("files", "n_files", "unscored", "sloc", "cc_total", "functions", "c_or_worse", "mi_scaled")

    def __init__(self) -> None:
        self.files: dict[str, str] = {}
        self.n_files = self.unscored = self.sloc = self.cc_total = 0
        self.functions = self.c_or_worse = self.mi_scaled = 0

    def copy(self) -> TreeQuality:
        other = TreeQuality()
        other.files = dict(self.files)
        other.n_files, other.unscored, other.sloc = self.n_files, self.unscored, self.sloc
        other.cc_total, other.functions = self.cc_total, self.functions
        other.c_or_worse, other.mi_scaled = self.c_or_worse, self.mi_scaled
        return other

    def _add(self, contribution: Contribution, sign: int) -> None:
        self.n_files += sign
        if not contribution.scored:
            self.unscored += sign
            return
        self.sloc += sign * contribution.sloc
        self.cc_total += sign * contribution.cc_total
        self.functions += sign * contribution.functions
        self.c_or_worse += sign * contribution.c_or_worse
        self.mi_scaled += sign * contribution.mi_scaled

    def set_file(self, path: str, blob: str | None, contributions: Mapping[str, Contribution]) -> None:
        """Point `path` at `blob` (None removes it), updating the sums."""
        old = self.files.pop(path, None)
        if old is not None:
            self._add(contributions[old], -1)
        if blob is not None:
            self.files[path] = blob
            self._add(contributions[blob], +1)

    def apply(self, changes: Iterable[FileChange], contributions: Mapping[str, Contribution]) -> None:
        """Apply a commit's diff against its first parent."""
        for change in changes:
            if change.change_type == "delete":
                self.set_file(change.path, None, contributions)
                continue
            if change.change_type == "rename" and change.old_path:
                self.set_file(change.old_path, None, contributions)
            keep = change.is_python and change.new_is_regular and change.new_blob
            self.set_file(change.path, change.new_blob if keep else None, contributions)

    def columns(self) -> dict[str, Any]:
        """The `py_*` columns of the commits table."""
        return {
            "py_files": self.n_files,
            "py_unscored": self.unscored,
            "py_sloc": self.sloc,
            "py_cc_total": self.cc_total,
            "py_functions": self.functions,
            "py_c_or_worse": self.c_or_worse,
            "py_mi": self.mi_scaled / MI_SCALE / self.sloc if self.sloc else None,
        }


def scored_blobs(changes: Iterable[FileChange]) -> dict[str, bool]:
    """The blobs a diff brings into the scored tree (they need a score), each with: is it a notebook?"""
    return {
        c.new_blob: is_notebook_path(c.path)
        for c in changes
        if c.new_blob and c.new_is_regular and c.is_python
    }
