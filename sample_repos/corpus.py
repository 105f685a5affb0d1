"""Real Python code to fill the simulated project: top-level units cut from this machine's stdlib.

Radon scores must look like real code's, so the sample projects are made of real functions and
classes rather than generated filler. Files are chosen by a fixed, sorted rule and parsed only when
first drawn, which keeps builds fast and the same on every run on one machine (another Python
version has another stdlib, hence other shas; the manifest records the version).
"""

from __future__ import annotations

import ast
import sys
import sysconfig
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from random import Random

from qroi.sample_repos import shapes

MIN_FILE_BYTES = 4_000
MAX_FILE_BYTES = 80_000
MIN_UNIT_LINES = 3
MAX_UNIT_LINES = 90
STRIDE = 3  # every third eligible module: varied topics, a third of the parsing


@dataclass(frozen=True)
class Unit:
    """One top-level function or class, with its decorators, as source text ending in a newline."""

    name: str
    text: str


@dataclass(frozen=True)
class SourceModule:
    """The usable parts of one stdlib module: its absolute imports and its units, in file order."""

    name: str
    imports: tuple[str, ...]
    units: tuple[Unit, ...]


def stdlib_dir() -> Path:
    """The running interpreter's stdlib (not the virtualenv's site-packages)."""
    return Path(sysconfig.get_paths()["stdlib"])


def python_version() -> str:
    """Recorded in manifests, because the stdlib text, and so every sha, depends on it."""
    return ".".join(str(part) for part in sys.version_info[:3])


def _first_line(node: ast.stmt) -> int:
    return min([node.lineno] + [dec.lineno for dec in getattr(node, "decorator_list", [])])


def _unit_source(lines: list[str], node: ast.stmt) -> str:
    return "".join(lines[_first_line(node) - 1 : node.end_lineno or node.lineno])


def parse_module(name: str, source: str) -> SourceModule:
    """Cut a module's source into units that are valid Python on their own and easy to edit.

    Units with tabs, form feeds or carriage returns are skipped so that edits which insert
    space-indented lines can never produce mixed indentation.
    """
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    imports: list[str] = []
    units: list[Unit] = []
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            if getattr(node, "level", 0) == 0 and node.lineno == node.end_lineno:
                line = lines[node.lineno - 1].encode("utf-8")
                imports.append(line[node.col_offset : node.end_col_offset].decode("utf-8"))
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            text = _unit_source(lines, node)
            count = text.count("\n")
            if MIN_UNIT_LINES <= count <= MAX_UNIT_LINES and not any(ch in text for ch in "\t\f\r"):
                text = text if text.endswith("\n") else text + "\n"
                shapes.remember(text, shapes.shape_of(node, text, _first_line(node)))
                units.append(Unit(node.name, text))
    return SourceModule(name, tuple(imports[:8]), tuple(units))


@cache
def _parsed(path: Path) -> SourceModule:
    """A stdlib module's units; one that another Python cannot read or parse just yields none."""
    try:
        return parse_module(path.stem, path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, SyntaxError, ValueError):
        return SourceModule(path.stem, (), ())


class Corpus:
    """The sorted, strided selection of stdlib modules, parsed lazily and cached per process."""

    def __init__(self, root: Path | None = None) -> None:
        root = root or stdlib_dir()
        eligible = [
            path
            for path in sorted(root.glob("*.py"))
            if MIN_FILE_BYTES <= path.stat().st_size <= MAX_FILE_BYTES and not path.name.startswith("_")
        ]
        self.paths: tuple[Path, ...] = tuple(eligible[::STRIDE])
        if not self.paths:
            raise RuntimeError(f"no usable stdlib modules under {root}")
        self.used: set[str] = set()

    def module(self, rng: Random) -> SourceModule:
        """A random source module that has at least one usable unit."""
        for _ in range(50):
            path = rng.choice(self.paths)
            module = _parsed(path)
            if module.units:
                self.used.add(path.name)
                return module
        raise RuntimeError("the stdlib corpus has no usable units")

    def units(self, rng: Random, count: int) -> tuple[SourceModule, list[Unit]]:
        """`count` consecutive units of one module (or all it has): coherent like a real file."""
        module = self.module(rng)
        start = rng.randrange(len(module.units))
        picked = module.units[start : start + count]
        if len(picked) < count:
            picked = picked + module.units[: count - len(picked)]
        return module, list(dict.fromkeys(picked))

    def unit(self, rng: Random) -> Unit:
        """One random unit, for an 'add a function' edit."""
        return rng.choice(self.module(rng).units)
