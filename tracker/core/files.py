"""What a path is, by its name alone: Python source, notebook or neither, and how its language writes a comment.

Several steps ask these questions (the miner which blobs to score, SZZ which blamed lines are noise,
the duplication index which lines carry content); they must agree, so the answers live here once.
"""

from __future__ import annotations

import os

PYTHON_SUFFIXES = (".py",)
NOTEBOOK_SUFFIX = ".ipynb"


def is_python_path(path: str) -> bool:
    """Python source is recognised by file name, as Radon's own harvester does."""
    return path.endswith(PYTHON_SUFFIXES)


def is_notebook_path(path: str) -> bool:
    """A Jupyter notebook, by name (Radon's `--include-ipynb` takes `*.ipynb`)."""
    return path.endswith(NOTEBOOK_SUFFIX)


def is_scored_path(path: str) -> bool:
    """The files ingest scores: Python sources and notebooks (whose code cells are Python)."""
    return is_python_path(path) or is_notebook_path(path)


_HASH = ("#",)
_SLASHES = ("//", "/*", "*/", "* ")
_HASH_LANGUAGES = ".py .pyi .pyx .sh .bash .zsh .rb .pl .r .yaml .yml .toml .cfg .conf .cmake .tf .ps1 .jl .nim .ex .exs .coffee"
_SLASH_LANGUAGES = (
    ".c .h .cc .cpp .cxx .hpp .hh .java .js .jsx .mjs .ts .tsx .go .rs .kt .kts .swift .cs .scala .dart .groovy .m "
    ".css .scss .less .proto .sol .zig"
)
COMMENT_PREFIXES: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(_HASH_LANGUAGES.split(), _HASH),
    **dict.fromkeys(_SLASH_LANGUAGES.split(), _SLASHES),
    ".php": _SLASHES + _HASH,
    **dict.fromkeys([".sql", ".lua", ".hs", ".elm", ".ada", ".adb"], ("--",)),
    **dict.fromkeys([".ini", ".el", ".lisp", ".clj", ".scm", ".asm", ".s"], (";",)),
    **dict.fromkeys([".tex", ".sty", ".erl", ".hrl"], ("%",)),
    ".vim": ('"',),
}


def comment_prefixes(path: str) -> tuple[str, ...]:
    """The line-comment prefixes of the file's language (by extension), empty when unknown."""
    return COMMENT_PREFIXES.get(os.path.splitext(path)[1].lower(), ())
