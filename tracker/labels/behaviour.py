"""Does a commit change what the product does? If not, no message makes it a product bug fix.

On real histories most commits the message rule calls bug fixes are "fix typo", "fix docs link",
docstring edits, reformatting, lint runs and test-only changes. Git can tell most of them apart:
a commit changes the product's behaviour only if it changes a product file (`qroi.core.roles`:
not a test, doc, example, build script, vendored or generated file), and a product Python file
whose syntax tree is the same before and after, docstrings and signature annotations set aside,
changed only comments, layout, docstrings or type hints. Python 2 blobs are compared after the
scorer's translation. A product file that is not Python, added or deleted, or Python that does not
parse even translated counts as a change of behaviour: the message's verdict stands.
"""

from __future__ import annotations

import ast
import functools
import warnings
from collections.abc import Callable, Iterable
from typing import Protocol

from qroi.core import roles

CHANGED_IN_PLACE = ("modify", "rename")
TYPING_MODULES = frozenset({"typing", "typing_extensions", "__future__", "collections.abc"})
NONE, LAYOUT, DOCSTRING, STRINGS, CODE = "none", "layout", "docstring", "strings", "code"
CACHED_BLOBS = 1024  # file versions whose comparison forms are kept: a version meets its parent and child
LEVELS = (NONE, LAYOUT, DOCSTRING, STRINGS, CODE)
"""How far a commit changed its product files, least first: not at all (no product file), only
comments/layout/annotations, docstrings too, the prose of string literals (messages of two words
or more; a changed one-word string such as a header name or a code is data, so code), or the code."""


class Changed(Protocol):
    """What this needs of a diff entry (a mined `FileChange` or a stored `changes` row)."""

    path: str
    change_type: str
    old_blob: str | None
    new_blob: str | None


def _tree(data: bytes) -> ast.Module | None:
    """The syntax tree of a Python 3 source, or of a Python 2 one as the scorer reads it (only
    what stops the Python 3 parser rewritten, `qroi.scoring.python2`: two versions differing only
    in docstrings or comments still rewrite to equal trees); None if it is neither. A fresh tree
    each call: callers strip it in place."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escape sequences in old code
        try:
            return ast.parse(data)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            pass
        source = _python2_source(data)
        return None if source is None else ast.parse(source)


@functools.lru_cache(maxsize=CACHED_BLOBS)
def _python2_source(data: bytes) -> str | None:
    """A blob Python 3 cannot parse, as the scorer rewrites it, or None if it is not Python 2
    either: the rewrite runs once per blob, not once per comparison (a file version is compared
    with its parent and with its child, in up to three forms)."""
    from qroi.scoring.scorer import decode_source, python2_tree  # only old code pays for the rewrite

    try:
        found = python2_tree(decode_source(data))
    except (SyntaxError, ValueError, RecursionError, MemoryError, UnicodeDecodeError, LookupError):
        return None
    return None if found is None else found[1]


def _is_typing_only(node: ast.stmt) -> bool:
    """`import typing`, `from typing import ...` and `if TYPE_CHECKING:` blocks: read by checkers only."""
    if isinstance(node, ast.Import):
        return all(a.name in TYPING_MODULES for a in node.names)
    if isinstance(node, ast.ImportFrom):
        return node.module in TYPING_MODULES
    if isinstance(node, ast.If):
        test = node.test
        name = test.id if isinstance(test, ast.Name) else test.attr if isinstance(test, ast.Attribute) else ""
        return name == "TYPE_CHECKING" and not node.orelse
    return False


def _strip(tree: ast.Module, docstrings: bool) -> None:
    """Drop what cannot change behaviour: annotations, typing-only statements, docstrings if asked."""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            node.returns = None  # signature annotations: checkers read them, the program does not
        elif isinstance(node, ast.arg):
            node.annotation = None
        body = getattr(node, "body", None)
        if not isinstance(body, list):
            continue
        kept: list[ast.stmt] = []
        for stmt in body:
            if _is_typing_only(stmt):
                continue
            if isinstance(stmt, ast.AnnAssign):  # `x: int = 1` runs as `x = 1`; `x: int` as nothing
                if stmt.value is None:
                    continue
                stmt = ast.Assign(targets=[stmt.target], value=stmt.value, lineno=0)
            kept.append(stmt)
        if (
            docstrings
            and isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and kept
            and isinstance(kept[0], ast.Expr)
            and isinstance(kept[0].value, ast.Constant)
            and isinstance(kept[0].value.value, str)
        ):
            kept = kept[1:]
        setattr(node, "body", kept or [ast.Pass()])  # noqa: B010 (any node with a body)


@functools.lru_cache(maxsize=CACHED_BLOBS)
def _code(data: bytes, docstrings: bool = True, strings: bool = False) -> str | None:
    """The tree of a Python source without annotations (and docstrings, and every string's text
    when asked), as text; None if it does not parse."""
    tree = _tree(data)
    if tree is None:
        return None
    _strip(tree, docstrings)
    if strings:
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str | bytes):
                node.value = ""
            elif isinstance(node, ast.JoinedStr):  # an f-string's literal parts, not its fields
                node.values = [v for v in node.values if not isinstance(v, ast.Constant)]
    return ast.dump(tree, annotate_fields=False, include_attributes=False)


def same_behaviour(old: bytes, new: bytes) -> bool:
    """True when two versions of a file differ only in comments, layout, annotations and docstrings."""
    before = _code(old)
    return before is not None and before == _code(new)


def file_level(old: bytes, new: bytes) -> str:
    """The level (`LEVELS`) of the change from one Python version of a file to another.

    The most stripped form is compared first: most changes change the code, and two versions that
    differ with every string blanked differ in every lesser form too, so one parse per side says so."""
    code_before, code_after = _code(old, strings=True), _code(new, strings=True)
    if code_before is None or code_after is None or code_before != code_after:
        return CODE
    if _code(old, docstrings=False) == _code(new, docstrings=False):
        return LAYOUT
    if _code(old) == _code(new):
        return DOCSTRING
    before, after = _texts(old), _texts(new)
    changed = [(a, b) for a, b in zip(before, after, strict=False) if a != b]
    prose = len(before) == len(after) and all(_is_prose(a) and _is_prose(b) for a, b in changed)
    return STRINGS if prose else CODE


@functools.lru_cache(maxsize=CACHED_BLOBS)
def _texts(data: bytes) -> tuple[str, ...]:
    """The string literals of a source outside docstrings (f-string parts too), in tree order."""
    tree = _tree(data)
    if tree is None:
        return ()
    _strip(tree, docstrings=True)
    return tuple(n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str))


def _is_prose(text: str) -> bool:
    """A message for people ("text must not be None"), not data the program matches or sends
    ("Content-Length", "UPS"): only a change to prose leaves behaviour alone."""
    return len(text.split()) >= 2 and any(ch.isalpha() for ch in text)


def product_level(changes: Iterable[Changed], read_blob: Callable[[str], bytes]) -> str:
    """The highest level (`LEVELS`) of change over a commit's product files."""
    level = NONE
    for change in changes:
        if roles.role_of(change.path) != roles.PRODUCT:
            continue
        if not (
            change.path.endswith((".py", ".pyw"))
            and change.change_type in CHANGED_IN_PLACE
            and change.old_blob
            and change.new_blob
        ):
            return CODE
        if change.old_blob == change.new_blob:
            found = LAYOUT
        else:
            found = file_level(read_blob(change.old_blob), read_blob(change.new_blob))
        if found == CODE:
            return CODE
        level = max(level, found, key=LEVELS.index)
    return level


def touches_product(changes: Iterable[Changed]) -> bool:
    """True when the commit changes some product file (whatever the change)."""
    return any(roles.role_of(change.path) == roles.PRODUCT for change in changes)


def changes_product(changes: Iterable[Changed], read_blob: Callable[[str], bytes]) -> bool:
    """True when some product file of the commit may behave differently after it."""
    return product_level(changes, read_blob) in (STRINGS, CODE)
