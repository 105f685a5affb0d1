"""The structure of a unit that code edits need, parsed at most once per distinct text.

Parsing dominates the cost of building large histories. A unit's shape is its function, or its
class's methods (one level deep, no whole-tree walk): names, parameters, body lines, indentation
and where an `if` guard can go. Shapes are cached by text; the corpus seeds the cache from the
parse of whole stdlib modules, so an untouched stdlib unit is never parsed again on its own.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

FUNCTION_NODES = (ast.FunctionDef, ast.AsyncFunctionDef)
CACHE_LIMIT = 50_000  # distinct texts; cleared when full (only speed depends on the cache)


@dataclass(frozen=True)
class Function:
    """What edits need to know about one function of a unit (line numbers are 1-based)."""

    name: str
    params: tuple[str, ...]
    body_start: int  # first line of the body (its first statement, decorators included)
    end: int
    guard_at: int  # where an `if` guard goes (after any docstring); 0 for one-line functions
    indent: str


Shape = tuple[Function, ...]
_CACHE: dict[str, Shape | None] = {}


def _start(node: ast.stmt, base: int = 0) -> int:
    return min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])]) - base


def _params(func: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[str, ...]:
    args = func.args
    names = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
    names += [a.arg for a in (args.vararg, args.kwarg) if a is not None]
    return tuple(name for name in names if name not in ("self", "cls"))


def _describe(func: ast.FunctionDef | ast.AsyncFunctionDef, lines: list[str], base: int) -> Function:
    body = func.body
    first = body[0]
    indent = lines[first.lineno - base - 1][: first.col_offset]
    guard_at = 0
    if first.lineno > func.lineno and not indent.strip():
        has_doc = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
        if has_doc:
            after_doc = (first.end_lineno or first.lineno) + 1 - base
            guard_at = _start(body[1], base) if len(body) > 1 else after_doc
        else:
            guard_at = _start(first, base)
    end = (func.end_lineno or func.lineno) - base
    return Function(func.name, _params(func), _start(first, base), end, guard_at, indent)


def shape_of(node: ast.stmt, text: str, first_line: int = 1) -> Shape:
    """The shape of a unit from its parsed node; `first_line` is where `text` starts in that parse."""
    lines = text.splitlines(keepends=True)
    if isinstance(node, ast.ClassDef):
        funcs = [child for child in node.body if isinstance(child, FUNCTION_NODES)]
    else:
        funcs = [node] if isinstance(node, FUNCTION_NODES) else []
    return tuple(_describe(func, lines, first_line - 1) for func in funcs)


def remember(text: str, found: Shape | None) -> None:
    """Seed the cache from a parse done elsewhere (the corpus parses whole stdlib modules)."""
    if len(_CACHE) >= CACHE_LIMIT:
        _CACHE.clear()
    _CACHE[text] = found


def shape(text: str) -> Shape | None:
    """The unit's function, or its class's methods (one level deep); None if it does not parse."""
    if text in _CACHE:
        return _CACHE[text]
    try:
        found: Shape | None = shape_of(ast.parse(text).body[0], text)
    except (SyntaxError, ValueError, IndexError):
        found = None
    remember(text, found)
    return found
