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
import warnings
from collections.abc import Callable, Iterable
from typing import Protocol

from qroi.core import roles

CHANGED_IN_PLACE = ("modify", "rename")
RULE = "message rule, and a change of product behaviour (3)"
"""Stored with the delivery settings: a store labelled by an older rule is relabelled once."""


class Changed(Protocol):
    """What this needs of a diff entry (a mined `FileChange` or a stored `changes` row)."""

    path: str
    change_type: str
    old_blob: str | None
    new_blob: str | None


def _tree(data: bytes) -> ast.Module | None:
    """The syntax tree of a Python 3 source, or of a Python 2 one translated as the scorer does
    (fissix: the translation is deterministic, so two versions differing only in docstrings or
    comments still translate to equal trees); None if it is neither."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escape sequences in old code
        try:
            return ast.parse(data)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            pass
        from qroi.scoring.scorer import decode_source, translate_python2  # only old code pays for fissix

        try:
            translated = translate_python2(decode_source(data))
            return ast.parse(translated) if translated is not None else None
        except (SyntaxError, ValueError, RecursionError, MemoryError, UnicodeDecodeError, LookupError):
            return None


def _code(data: bytes) -> str | None:
    """The tree of a Python source without docstrings, as text; None if it does not parse."""
    tree = _tree(data)
    if tree is None:
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            node.returns = None  # signature annotations: checkers read them, the program does not
        elif isinstance(node, ast.arg):
            node.annotation = None
        body = getattr(node, "body", None)
        if (
            isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            node.body = body[1:] or [ast.Pass()]
    return ast.dump(tree, annotate_fields=False, include_attributes=False)


def same_behaviour(old: bytes, new: bytes) -> bool:
    """True when two versions of a file differ only in comments, layout and docstrings."""
    before = _code(old)
    return before is not None and before == _code(new)


def changes_product(changes: Iterable[Changed], read_blob: Callable[[str], bytes]) -> bool:
    """True when some product file of the commit may behave differently after it."""
    for change in changes:
        if roles.role_of(change.path) != roles.PRODUCT:
            continue
        if not (
            change.path.endswith((".py", ".pyw"))
            and change.change_type in CHANGED_IN_PLACE
            and change.old_blob
            and change.new_blob
        ):
            return True
        if change.old_blob != change.new_blob and not same_behaviour(
            read_blob(change.old_blob), read_blob(change.new_blob)
        ):
            return True
    return False
