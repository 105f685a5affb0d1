"""The simulated project's working tree: paths mapped to file entries, with a record of what changed.

Python files are kept as structured modules (header plus units) so code edits can work on whole
functions and classes, and rendered to bytes once per version. A tree is a plain dict, so a branch
is a cheap copy and a commit only looks at the paths touched since the last one.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field, replace

from qroi.sample_repos.fastimport import REGULAR


@dataclass(frozen=True)
class Module:
    """A Python file made of a docstring, import lines and top-level units."""

    doc: str
    imports: tuple[str, ...]
    units: tuple[str, ...]

    def render(self) -> bytes:
        """PEP 8 layout: docstring, imports, then units two blank lines apart."""
        head = [f'"""{self.doc}"""\n']
        if self.imports:
            head.append("\n" + "".join(line + "\n" for line in self.imports))
        body = "\n\n".join(self.units)
        text = "".join(head) + ("\n\n" + body if body else "")
        return text.encode("utf-8")

    def with_units(self, units: list[str]) -> Module:
        return replace(self, units=tuple(units))


@dataclass(frozen=True)
class Entry:
    """One file version: bytes, git mode, and the module it was rendered from when editable."""

    data: bytes
    mode: str = REGULAR
    module: Module | None = field(default=None, compare=False)

    @staticmethod
    def of(module: Module, mode: str = REGULAR) -> Entry:
        return Entry(module.render(), mode, module)


@dataclass
class Project:
    """A working tree plus the set of paths changed since the last commit."""

    files: dict[str, Entry] = field(default_factory=dict)
    dirty: dict[str, None] = field(default_factory=dict)  # insertion-ordered set
    _modules: list[str] | None = field(default=None, repr=False)  # sorted cache of python_paths()
    modules_version: int = 0  # bumped whenever the set of python_paths() changes

    def write(self, path: str, content: bytes | str | Module | Entry, mode: str = REGULAR) -> None:
        """Create or overwrite a file; text is UTF-8 encoded as-is (no newline conversion).

        Symlinks are written with mode SYMLINK and the target path as content.
        """
        if isinstance(content, Entry):
            entry = content
        elif isinstance(content, Module):
            entry = Entry.of(content, mode)
        else:
            data = content.encode("utf-8") if isinstance(content, str) else content
            entry = Entry(data, mode)
        old = self.files.get(path)
        if old is None or (old.module is None) != (entry.module is None):
            self._forget_module(path)
            if entry.module is not None and self._modules is not None:
                bisect.insort(self._modules, path)
        self.files[path] = entry
        self.dirty[path] = None

    def remove(self, path: str) -> Entry:
        entry = self.files.pop(path)
        self.dirty[path] = None
        if entry.module is not None:
            self._forget_module(path)
        return entry

    def _forget_module(self, path: str) -> None:
        self.modules_version += 1
        if self._modules is None:
            return
        index = bisect.bisect_left(self._modules, path)
        if index < len(self._modules) and self._modules[index] == path:
            del self._modules[index]

    def move(self, old: str, new: str) -> None:
        """Rename a file (write `new` afterwards in the same commit for a 'rename+edit')."""
        if new in self.files:
            raise ValueError(f"cannot move {old} onto existing {new}")
        self.write(new, self.remove(old))

    def module(self, path: str) -> Module | None:
        entry = self.files.get(path)
        return entry.module if entry else None

    def python_paths(self) -> list[str]:
        """Editable Python files (structured modules), sorted so random picks are reproducible.

        Kept sorted incrementally: random work asks for it on every commit. The list is shared,
        so callers must not modify it.
        """
        if self._modules is None:
            self._modules = sorted(path for path, entry in self.files.items() if entry.module is not None)
        return self._modules

    def take_changes(self, base: dict[str, Entry]) -> dict[str, tuple[Entry | None, Entry | None]]:
        """Pending paths whose entry differs from `base`, as (before, after); clears the pending set."""
        changes = {}
        for path in self.dirty:
            before, after = base.get(path), self.files.get(path)
            if before != after:
                changes[path] = (before, after)
        self.dirty.clear()
        return changes
