"""Python 2 source -> Python 3 source, rewriting only what stops the Python 3 parser, line for line.

Why: the scorer used to run fissix's whole fixer set (lib2to3's ~50 fixers) on every Python 2 blob;
on a real history with a Python 2 era that was over half of all ingest CPU, while the metrics need
only a tree Python 3 can parse. Here the source is tokenized once with fissix's tokenizer (lib2to3's,
which knows Python 2 tokens) and edited inside its lines: nothing moves to another line, so every
line number, function span and raw count stays the original's.

What is rewritten, spelled as fissix's fixer for it spells it (so the tree, and every Radon number
taken from it, is the one fissix's translation gives for that construct):
- `print x, y` / `print >>f, x,` -> `print(x, y)` / `print(x, end=' ', file=f)` (`fix_print`;
  left alone under `from __future__ import print_function`, and when its argument is already one
  parenthesised expression);
- `exec code in g, l` -> `exec(code, g, l)` (`fix_exec`);
- `except E, e:` -> `except E as e:` (`fix_except`);
- `raise E, V` / `raise E, V, T` -> `raise E(V)` / `raise E(V).with_traceback(T)` (`fix_raise`);
- backticks -> `repr(...)`, `<>` -> `!=` (`fix_repr`, `fix_ne`);
- `0777` -> `0o777`, `10L` -> `10` (`fix_numliterals`);
- a `u` string prefix is dropped (`ur''` is not Python 3) and, unless `unicode_literals` is
  imported, a `\\u` in a plain string is escaped, since a Python 2 byte string has no `\\u`
  escape (`fix_unicode`'s string half);
- tuple parameters `def f(a, (b, c)):` and `lambda (k, v): ...` become one parameter named after
  the names in the tuple (`b_c`). Unlike `fix_tuple_params` no unpacking statement is added (it
  would take a line of its own and shift every line below) and a lambda's body is not rewritten
  to subscripts: the body keeps the original's names;
- `[x for x in 1, 2]` -> `[x for x in (1, 2)]` (`fix_paren`).

Everything else is left as written: fissix's other fixers modernise code that Python 3 parses
already (`d.has_key(k)` -> `k in d`, `map(lambda ...)` -> a comprehension, `__nonzero__` ->
`__bool__`, ...), which changes the metrics of what the author wrote. `translate` returns None for
a construct in a shape it does not handle (`except E, (a, b):`, a multi-line `print >>f`); the
scorer then falls back to fissix.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence

from fissix.pgen2 import token
from fissix.pgen2.tokenize import TokenError, generate_tokens

__all__ = ["translate"]

Tok = tuple[int, str, tuple[int, int], tuple[int, int], str]
Edit = tuple[int, int, int, str]
"""One change inside one line: row (1-based), start column, end column, replacement."""

COMPOUND = frozenset(
    {"if", "elif", "else", "while", "for", "try", "except", "finally", "with", "def", "class"}
)
OPENING, CLOSING = frozenset("([{"), frozenset(")]}")
SKIPPED = frozenset({token.NL, token.COMMENT, token.INDENT, token.DEDENT, token.ENDMARKER})


class Unsupported(Exception):
    """A Python 2 construct in a shape this rewrite does not handle."""


def translate(text: str) -> str | None:
    """The source with its Python-2-only syntax rewritten in place; None when some of it is in a
    shape this does not handle, or the text does not tokenize."""
    try:
        tokens: list[Tok] = list(generate_tokens(io.StringIO(text).readline))
    except (TokenError, IndentationError):
        return None
    statements = list(_statements(tokens))
    futures = _future_features(statements)
    edits: list[Edit] = []
    try:
        for statement in statements:
            _statement_edits(statement, futures, edits)
        _token_edits(tokens, futures, edits)
    except Unsupported:
        return None
    lines = text.splitlines(keepends=True)
    for row, start, end, new in sorted(edits, key=lambda e: (e[0], e[1], e[2]), reverse=True):
        line = lines[row - 1]
        lines[row - 1] = line[:start] + new + line[end:]
    return "".join(lines)


def _statements(tokens: Sequence[Tok]) -> Iterator[list[Tok]]:
    """Simple statements and compound-statement headers (up to their `:`), as token lists."""
    current: list[Tok] = []
    depth = 0
    for tok in tokens:
        kind, value = tok[0], tok[1]
        if kind in SKIPPED:
            continue
        if kind == token.NEWLINE:
            if current:
                yield current
            current, depth = [], 0
            continue
        if kind == token.OP:
            if value in OPENING:
                depth += 1
            elif value in CLOSING:
                depth = max(depth - 1, 0)
            elif depth == 0 and value == ";":
                if current:
                    yield current
                current = []
                continue
            elif depth == 0 and value == ":" and current and current[0][1] in COMPOUND:
                current.append(tok)
                yield current
                current = []
                continue
        current.append(tok)
    if current:
        yield current


def _future_features(statements: Sequence[list[Tok]]) -> frozenset[str]:
    found: set[str] = set()
    for statement in statements:
        if [t[1] for t in statement[:3]] == ["from", "__future__", "import"]:
            found.update(t[1] for t in statement[3:] if t[0] == token.NAME)
    return frozenset(found)


def _at_depth_zero(statement: Sequence[Tok], start: int = 0) -> Iterator[int]:
    """Indexes of the tokens outside any bracket, from `start`."""
    depth = 0
    for index in range(start, len(statement)):
        value = statement[index][1] if statement[index][0] == token.OP else ""
        if value in CLOSING:
            depth -= 1
        if depth == 0:
            yield index
        if value in OPENING:
            depth += 1


def _closing(statement: Sequence[Tok], index: int) -> int:
    """Index of the bracket closing the one at `index`."""
    depth = 0
    for at in range(index, len(statement)):
        if statement[at][0] == token.OP:
            if statement[at][1] in OPENING:
                depth += 1
            elif statement[at][1] in CLOSING:
                depth -= 1
                if depth == 0:
                    return at
    raise Unsupported("unbalanced brackets")


def _one_parenthesised(statement: Sequence[Tok]) -> bool:
    """`kw (expr)`: the rest of the statement is one bracketed expression (already a call)."""
    return len(statement) > 1 and statement[1][1] == "(" and _closing(statement, 1) == len(statement) - 1


def _replace(tok: Tok, new: str) -> Edit:
    return (tok[2][0], tok[2][1], tok[3][1], new)


def _replace_lines(tok: Tok, new: str) -> list[Edit]:
    """Edits turning a token that may span lines (a triple-quoted string) into `new`, which has
    the same line breaks."""
    (row, col), old_lines, new_lines = tok[2], tok[1].split("\n"), new.split("\n")
    edits = []
    for offset, (old, replacement) in enumerate(zip(old_lines, new_lines, strict=True)):
        start = col if offset == 0 else 0
        if old != replacement:
            edits.append((row + offset, start, start + len(old), replacement))
    return edits


def _after(tok: Tok, new: str) -> Edit:
    return (tok[3][0], tok[3][1], tok[3][1], new)


def _source(first: Tok, last: Tok) -> str:
    """The text from the start of `first` to the end of `last`, which share a line."""
    if first[2][0] != last[3][0]:
        raise Unsupported("expression over several lines")
    return first[4][first[2][1] : last[3][1]]


def _statement_edits(statement: list[Tok], futures: frozenset[str], edits: list[Edit]) -> None:
    first = statement[0]
    keyword = first[1] if first[0] == token.NAME else ""
    if keyword == "print" and "print_function" not in futures:
        _print(statement, edits)
    elif keyword == "exec" and len(statement) > 1:
        _exec(statement, edits)
    elif keyword == "except":
        _except(statement, edits)
    elif keyword == "raise":
        _raise(statement, edits)
    if keyword == "def":
        _tuple_parameters(statement, 2, edits)  # def name ( ...
    for index, tok in enumerate(statement):
        if tok[0] == token.NAME and tok[1] == "lambda":
            _tuple_parameters(statement, index, edits)
        elif tok[0] == token.OP and tok[1] == "[":
            _comprehension_tuple(statement, index, edits)


def _print(statement: list[Tok], edits: list[Edit]) -> None:
    if len(statement) == 1:
        edits.append(_replace(statement[0], "print()"))
        return
    if _one_parenthesised(statement):
        return
    args = statement[1:]
    keywords = []
    if args[-1][1] == ",":
        edits.append(_replace(args[-1], ""))
        args = args[:-1]
        keywords.append("end=' '")
    opening = _replace(statement[0], "print(")
    if args and args[0][1] == ">>":
        commas = [i for i in _at_depth_zero(args, 1) if args[i][1] == ","]
        end = commas[0] if commas else len(args)
        if end < 2:
            raise Unsupported("print >> without a file")
        keywords.append("file=" + _source(args[1], args[end - 1]))
        last_removed = args[end] if commas else args[end - 1]
        if last_removed[3][0] != statement[0][2][0]:
            raise Unsupported("print >>file over several lines")
        opening = (opening[0], opening[1], last_removed[3][1], "print(")
        args = args[end + 1 :]
    edits.append(opening)
    if args:
        edits.append(_after(args[-1], "".join(", " + k for k in keywords) + ")"))
    else:  # only keywords: they go straight after the opening bracket
        edits.append((opening[0], opening[2], opening[2], ", ".join(keywords) + ")"))


def _exec(statement: list[Tok], edits: list[Edit]) -> None:
    if _one_parenthesised(statement):
        return
    edits.append(_replace(statement[0], "exec("))
    for index in _at_depth_zero(statement, 1):
        if statement[index][0] == token.NAME and statement[index][1] == "in":
            edits.append(_replace(statement[index], ","))
            break
    edits.append(_after(statement[-1], ")"))


def _except(statement: list[Tok], edits: list[Edit]) -> None:
    commas = [i for i in _at_depth_zero(statement, 1) if statement[i][1] == ","]
    if not commas:
        return
    target = statement[commas[0] + 1 : -1]
    if len(commas) > 1 or len(target) != 1 or target[0][0] != token.NAME or statement[-1][1] != ":":
        raise Unsupported("except with a target that is not a name")
    edits.append(_replace(statement[commas[0]], " as"))


def _raise(statement: list[Tok], edits: list[Edit]) -> None:
    commas = [i for i in _at_depth_zero(statement, 1) if statement[i][1] == ","]
    if not commas:
        return
    if len(commas) > 2:
        raise Unsupported("raise with more than three parts")
    edits.append(_replace(statement[commas[0]], "("))
    if len(commas) == 2:
        edits.append(_replace(statement[commas[1]], ").with_traceback("))
    edits.append(_after(statement[-1], ")"))


def _tuple_parameters(statement: list[Tok], start: int, edits: list[Edit]) -> None:
    """Parameters from `start` (a def's `(` or `lambda`) to their end: a bracketed one is a tuple."""
    if start >= len(statement):
        return
    is_def = statement[start][1] == "("
    end = _closing(statement, start) if is_def else len(statement)
    previous = statement[start]
    index = start + 1
    while index < end:
        tok = statement[index]
        if tok[0] == token.OP and tok[1] == ":" and not is_def:
            return
        if tok[0] == token.OP and tok[1] == "(" and previous[1] in ("(", ",", "lambda"):
            close = _closing(statement, index)
            names = [t[1] for t in statement[index:close] if t[0] == token.NAME]
            edits.append((tok[2][0], tok[2][1], statement[close][3][1], "_".join(names)))
            _source(tok, statement[close])  # one line, or Unsupported
            previous, index = statement[close], close + 1
            continue
        if tok[0] == token.OP and tok[1] in OPENING:  # a default value's brackets
            index = _closing(statement, index)
        previous = statement[index]
        index += 1


def _comprehension_tuple(statement: list[Tok], start: int, edits: list[Edit]) -> None:
    """`[x for x in 1, 2]`: the bare tuple after the last `in` gets brackets."""
    close = _closing(statement, start)
    inner = list(_at_depth_zero(statement[start + 1 : close]))
    positions = [start + 1 + i for i in inner]
    fors = [p for p in positions if statement[p][1] == "for" and statement[p][0] == token.NAME]
    if not fors:
        return
    ins = [p for p in positions if p > fors[-1] and statement[p][1] == "in" and statement[p][0] == token.NAME]
    if not ins:
        return
    tail = [p for p in positions if p > ins[0]]
    stops = [p for p in tail if statement[p][0] == token.NAME and statement[p][1] in ("if", "for")]
    stop = stops[0] if stops else close
    if not any(statement[p][1] == "," for p in tail if p < stop):
        return
    first = statement[ins[0] + 1]
    edits.append((first[2][0], first[2][1], first[2][1], "("))
    edits.append(_after(statement[stop - 1], ")"))


def _token_edits(tokens: Sequence[Tok], futures: frozenset[str], edits: list[Edit]) -> None:
    in_backticks = False
    for tok in tokens:
        kind, value = tok[0], tok[1]
        if kind == token.OP and value == "<>":
            edits.append(_replace(tok, "!="))
        elif kind == token.OP and value == "`":
            edits.append(_replace(tok, ")" if in_backticks else "repr("))
            in_backticks = not in_backticks
        elif kind == token.NUMBER:
            new = value[:-1] if value[-1] in "lL" else value
            if new.startswith("0") and new.isdigit() and len(set(new)) > 1:
                new = "0o" + new[1:]
            if new != value:
                edits.extend(_replace_lines(tok, new))
        elif kind == token.STRING:
            new = value
            if "unicode_literals" not in futures and value[0] in "'\"" and "\\" in value:
                new = r"\\".join(v.replace("\\u", r"\\u").replace("\\U", r"\\U") for v in value.split(r"\\"))
            if new[0] in "uU":
                new = new[1:]
            if new != value:
                edits.extend(_replace_lines(tok, new))
