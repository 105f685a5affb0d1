"""Code edits a developer makes, applied to one unit of a structured module.

The edits move Radon scores the way real edits do: a new `if` raises complexity, a rename changes
tokens but not structure, a removed function shrinks the file. An edit that does not apply to the
chosen unit returns None and the caller tries another.

Parsing dominated the cost of building large histories, so edits are valid Python by
construction instead of being re-parsed: each one only swaps a decimal literal for another,
inserts a guard at a statement boundary with the body's own indentation, or renames a local
name to a fresh identifier, and it hands on the shape of its result (see `shapes`), so the unit
is not parsed again before its next edit. tests/test_sample_repos.py parses every result.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from random import Random

from qroi.sample_repos.corpus import Unit
from qroi.sample_repos.project import Module
from qroi.sample_repos.shapes import Function, Shape, remember, shape

RENAMES = {
    "result": "res",
    "res": "result",
    "i": "idx",
    "n": "count",
    "s": "text",
    "line": "row",
    "value": "val",
    "name": "label",
    "key": "k",
    "data": "payload",
    "path": "fspath",
}
SUFFIXES = ("value", "item", "obj", "tmp", "new", "local")
NAME_LINE = re.compile(r"^(?:async\s+def|def|class)\s+(\w+)", re.MULTILINE)
INT_LITERAL = re.compile(r"(?<![\w.\\])\d+(?![\w.])")
ASSIGNED = re.compile(r"^\s*(?:for\s+)?([A-Za-z_]\w*)\s*(?:[-+*/%|&]?=(?!=)|\bin\b)")
# a whole name that is not an attribute (`.x`), keyword argument (`x=`) or string prefix (`f"`)
RENAMABLE = re.compile(r"(?<![\w.])[^\W\d]\w*(?!\w|=[^=]|[\"'])")
NAMED_ESCAPE = "\\N{"  # \N{NAME} escapes: a digit or word inside one must not change


@dataclass(frozen=True)
class Edit:
    """The edited module plus what happened, so a commit message can describe it."""

    kind: str
    module: Module
    target: str  # the function, class or variable concerned
    detail: str = ""


@dataclass(frozen=True)
class Change:
    """One edited unit: its new text, a few words for the message, and the new text's shape."""

    text: str
    detail: str
    shape: Shape


def unit_name(text: str) -> str:
    """The name a unit defines, read from its first def/class line (no parse needed)."""
    found = NAME_LINE.search(text)
    return found.group(1) if found else "module"


def tweak_constant(text: str, found: Shape, rng: Random) -> Change | None:
    """Edit one line: change a decimal integer literal, the most common kind of one-line change.

    A digit run touching no word character, dot or backslash is a whole decimal literal in code,
    or plain characters in a string or comment; swapping it for another such run keeps the
    syntax (and the line structure, hence the shape) intact.
    """
    spots = []
    for match in INT_LITERAL.finditer(text):
        digits = match.group()
        if digits != "0" and digits.startswith("0"):
            continue
        start = text.rfind("\n", 0, match.start()) + 1
        end = text.find("\n", match.end())
        line = text[start : end if end >= 0 else len(text)]
        if NAMED_ESCAPE not in line and not line.lstrip().startswith("#"):
            spots.append(match)
    if not spots:
        return None
    match = rng.choice(spots)
    value = int(match.group())
    new_value = value + 1 if value < 2 else rng.choice([value + 1, value - 1, value * 2])
    edited = text[: match.start()] + str(new_value) + text[match.end() :]
    return Change(edited, f"{value} to {new_value}", found)


def _guard(func: Function, rng: Random) -> list[str]:
    """Two lines valid in any function body (a bare `return` is allowed in async generators)."""
    if not func.params:
        return ["if _TRACE_CALLS:", f'    _trace("{func.name}")']
    arg = rng.choice(func.params)
    return rng.choice(
        [
            [f"if {arg} is None:", f"    {arg} = {rng.choice(['()', '{}', '0', repr(''), '[]'])}"],
            [f"if not {arg}:", "    return"],
            [f"if {arg} is None:", f'    raise ValueError("{arg} must not be None")'],
            [f"if isinstance({arg}, bytes):", f'    {arg} = {arg}.decode("utf-8")'],
        ]
    )


def add_branch(text: str, found: Shape, rng: Random) -> Change | None:
    """Add an `if` guard at the top of a function body: one more decision for cyclomatic complexity.

    The guard goes before the first statement after any docstring, at that statement's
    indentation, which is a statement boundary in every function `shapes` accepts.
    """
    spots = [func for func in found if func.guard_at]
    if not spots:
        return None
    func = rng.choice(spots)
    guard = _guard(func, rng)
    lines = text.splitlines(keepends=True)
    lines.insert(func.guard_at - 1, "".join(func.indent + part + "\n" for part in guard))
    at, count = func.guard_at, len(guard)
    shifted = tuple(
        replace(
            other,
            body_start=other.body_start + count * (other.body_start > at),
            end=other.end + count * (other.end >= at - 1),  # `at` may be just past a docstring-only body
            guard_at=other.guard_at + count * (other.guard_at > at),
        )
        for other in found
    )
    return Change("".join(lines), func.name, shifted)


def rename_variable(text: str, found: Shape, rng: Random) -> Change | None:
    """Rename a local variable inside one function: tokens change, structure does not.

    Locals are found from assignment and for-loop lines; every whole-word occurrence in the body
    is renamed, like a quick editor refactoring, except attribute names (`.x`), keyword arguments
    (`x=`) and string prefixes (`f"`). The new name is a fresh non-keyword identifier, and
    functions with `global`/`nonlocal` or `\\N{...}` escapes are left alone.
    """
    lines = text.splitlines(keepends=True)
    candidates = []
    for func in found:
        if not func.guard_at:
            continue
        body = range(func.body_start - 1, func.end)
        chunk = "".join(lines[row] for row in body)
        if "global " in chunk or "nonlocal " in chunk or NAMED_ESCAPE in chunk:
            continue
        assigned = dict.fromkeys(m.group(1) for row in body if (m := ASSIGNED.match(lines[row])))
        candidates += [
            (body, name)
            for name in assigned
            if name not in func.params and not keyword.iskeyword(name) and not keyword.issoftkeyword(name)
        ]
    if not candidates:
        return None
    body, old = rng.choice(candidates)
    new = RENAMES.get(old) or f"{old}_{rng.choice(SUFFIXES)}"
    if new in text:  # stricter than a whole-word check, and cheap
        new = f"{old}_{rng.choice(SUFFIXES)}_{rng.randrange(2, 10)}"
        if new in text:
            return None
    renamed = 0

    def swap(match: re.Match[str]) -> str:
        nonlocal renamed
        if match.group() != old:
            return match.group()
        renamed += 1
        return new

    for row in body:
        lines[row] = RENAMABLE.sub(swap, lines[row])
    return Change("".join(lines), f"{old} -> {new}", found) if renamed else None


UNIT_EDITS: dict[str, Callable[[str, Shape, Random], Change | None]] = {
    "tweak": tweak_constant,
    "branch": add_branch,
    "rename": rename_variable,
}


def edit_unit(module: Module, kind: str, rng: Random) -> Edit | None:
    """Apply one in-unit edit kind to a random unit; None when no unit of the module allows it."""
    order = list(range(len(module.units)))
    rng.shuffle(order)
    for index in order[:4]:
        text = module.units[index]
        found = shape(text)
        change = UNIT_EDITS[kind](text, found, rng) if found is not None else None
        if change is None or change.text == text:
            continue
        remember(change.text, change.shape)
        units = list(module.units)
        units[index] = change.text
        return Edit(kind, module.with_units(units), unit_name(text), change.detail)
    return None


def add_function(module: Module, unit: Unit, rng: Random) -> Edit | None:
    """Paste a new function or class into the module (skipped if that exact unit is already there)."""
    if unit.text in module.units:
        return None
    units = list(module.units)
    units.insert(rng.randrange(len(units) + 1), unit.text)
    return Edit("add_function", module.with_units(units), unit.name)


def remove_function(module: Module, rng: Random) -> Edit | None:
    """Delete a function or class, keeping at least one so the file stays meaningful."""
    if len(module.units) < 2:
        return None
    units = list(module.units)
    text = units.pop(rng.randrange(len(units)))
    return Edit("remove_function", module.with_units(units), unit_name(text))
