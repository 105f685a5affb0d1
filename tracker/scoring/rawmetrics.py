"""Radon's raw metrics (`radon.raw.analyze`) in one linear pass, with identical numbers.

Why: `radon.raw.analyze` strips every line, tokenizes it on its own, and when a statement or a
string spans several lines it re-tokenizes the growing buffer after each added line: a tokenizer
call per physical line, quadratic in the length of a multi-line statement (big dict literals), and
quadratic from the first bad character to the end of the file when a blob does not tokenize. Raw
metrics were the slowest part of scoring a blob.

How the numbers stay identical. Radon works on `lines = [l.strip() for l in source.splitlines()]`
and cuts them into *groups*: from line i it takes the fewest lines i..j whose `"\\n".join` tokenizes
with no `TokenError` and no ERRORTOKEN, and counts that group from its tokens. This module finds
the same groups without the retries, reading each line once, in three ways:

* A *plain* line holds only names, numbers, operators other than ';', spaces, tabs and strings
  that open and close on the line (no triple quote), then maybe a `#` comment. It cannot start a
  continuation, so its tokens are known from its text: every bracket outside the strings is a
  bracket token, every `:` there not followed by `=` is a colon token. A group of plain and empty
  lines ends on the first line that brings the bracket depth back to 0, and is counted from the
  text: a comment alone is radon's single comment, a string alone its one-line docstring, anything
  else source lines with one logical line, two when a colon is followed by more tokens.
* A line starting with triple quotes whose string closes at the end of a line is a group alone,
  radon's multi-line docstring; the closing quotes are found line by line with the tokenizer's own
  patterns, as the tokenizer finds them.
* Any other group is tokenized once, with CPython 3.11's pure-Python `tokenize`, from its first
  line to the end of the group, in a single call. Stripped lines start at column 0, so there is
  never an INDENT or DEDENT and the tokens are those radon's last (successful) call sees, apart
  from end-of-line tokens and ENDMARKER that no count looks at. Where radon's group ends follows
  from how a line's last newline changes its tokens; radon's last line has none, which matters for
  exactly three endings: a trailing backslash and a single-quoted string continued by a backslash
  are ERRORTOKENs alone (not a group end either way), and an empty last line is end of input, so:
  - a non-empty line r ends the group iff the tokenizer emits NL/NEWLINE on line r with no bracket
    open (its state after line r is fresh);
  - an empty line r ends the group iff the state after line r - 1 was fresh (quirk: `x = \\`, an
    empty line, then `y` are one group of three lines with one logical line);
  - at the end of the input, the last line ends the last group.

Radon raises `SyntaxError('SyntaxError at line: N')`, N the first line of the open group, when it
runs out of lines: an ERRORTOKEN can never be cured by adding lines after it, and a `TokenError`
(or an open bracket) at the end of the input is radon running out of lines. This module raises the
same exception with the same message, at once instead of after a quadratic search. Anything outside
that proven shape (INDENT/DEDENT, unexpected token types, `IndentationError`, a Python other than
3.11, whose tokenizer the argument was made for) falls back to `radon.raw.analyze` itself;
`analyze_with_path` tells the caller which path produced the numbers.
"""

from __future__ import annotations

import io
import re
import sys
import tokenize
from collections import Counter
from collections.abc import Callable

import radon.raw
from radon.raw import Module

__all__ = ["Module", "analyze", "analyze_with_path", "path_counts"]

#: Calls served in this process by each path: "linear" (this module, including the SyntaxErrors it
#: raises) and "radon" (the fallback). Benchmarks report the share; tests check which path ran.
path_counts: Counter[str] = Counter()

_COMMENT = tokenize.COMMENT
_STRING = tokenize.STRING
_NL = tokenize.NL
_NEWLINE = tokenize.NEWLINE
_OP = tokenize.OP
_NAME = tokenize.NAME
_NUMBER = tokenize.NUMBER
_ERRORTOKEN = tokenize.ERRORTOKEN
_ENDMARKER = tokenize.ENDMARKER

# The equivalence argument is about CPython 3.11's pure-Python tokenizer; 3.12 replaced it.
_FAST_PATH_SUPPORTED = sys.implementation.name == "cpython" and sys.version_info[:2] == (3, 11)

# A plain line: NAME, NUMBER, OP (every one-character operator is a token on its own, so any run
# of them tokenizes; '!' only exists in '!=') and short strings, then maybe a comment. A short
# string opens and closes on the line and is not a triple quote ('' followed by ' opens one); its
# body is the tokenizer's (`ContStr`: any character but the quote and the backslash, or a backslash
# and the character after it), and its prefix letters are word characters outside the match.
# ';' is left out because it splits logical lines.
_ONE_CHAR_OPS = "".join(
    re.escape(op) for op in sorted(tokenize.EXACT_TOKEN_TYPES) if len(op) == 1 and op != ";"
)
_SHORT_STRING = r"""'(?:[^'\\]++|\\.)++'|"(?:[^"\\]++|\\.)++"|''(?!')|""(?!")"""
# Possessive: every position has one way to match, so no backtracking is ever useful.
_PLAIN = re.compile(rf"((?:[\w \t{_ONE_CHAR_OPS}]++|!=|{_SHORT_STRING})*+)(#.*)?")
_SHORT_STRINGS = re.compile(_SHORT_STRING)
_ONE_STRING = re.compile(rf"{tokenize.StringPrefix}(?:{_SHORT_STRING})")  # exactly one STRING token
_COLON_TOKEN = re.compile(r":(?!=)")  # ':=' is one token, so that ':' is not a colon
# A triple-quoted string opening at the start of a line, and the tokenizer's own patterns for the
# rest of one (up to and including the closing quotes).
_TRIPLE_OPEN = re.compile(tokenize.StringPrefix + """(?P<quotes>'''|\"\"\")""")
_SINGLE3 = re.compile(tokenize.Single3)
_DOUBLE3 = re.compile(tokenize.Double3)


class _Unproven(Exception):
    """The token stream left the shape the equivalence argument covers: use radon itself."""


class _RadonRaises(Exception):
    """radon.raw.analyze raises SyntaxError on this source; carries the line number it reports."""

    def __init__(self, lineno: int) -> None:
        super().__init__(lineno)
        self.lineno = lineno


def analyze(source: str) -> Module:
    """Same `Module(loc, lloc, sloc, comments, multi, blank, single_comments)` as
    `radon.raw.analyze(source)`, or the same `SyntaxError`, without radon's retries."""
    return analyze_with_path(source)[0]


def analyze_with_path(source: str) -> tuple[Module, bool]:
    """`analyze` plus whether the linear path produced it (False: radon.raw.analyze did).

    The flag lets benchmarks and tests count fallbacks; a source radon rejects raises
    `SyntaxError` with radon's own message whichever path found it.
    """
    if _FAST_PATH_SUPPORTED:
        try:
            module = _linear(source)
        except _RadonRaises as exc:
            path_counts["linear"] += 1
            raise SyntaxError(f"SyntaxError at line: {exc.lineno}") from None
        except _Unproven:
            pass
        else:
            path_counts["linear"] += 1
            return module, True
    path_counts["radon"] += 1
    return radon.raw.analyze(source), False


def _triple_quoted_alone(lines: list[str], first: int, opening: re.Match[str]) -> int | None:
    """Index of the last line of a group that is one triple-quoted string and nothing else
    (radon's docstring), given the opening quotes at the start of `lines[first]`; None when
    something follows the closing quotes. The tokenizer looks for the closing quotes line by line
    with `Single3`/`Double3`, and so does this."""
    closing = _SINGLE3 if opening["quotes"] == "'''" else _DOUBLE3
    line = lines[first]
    found = closing.match(line, opening.end())
    last = first
    while found is None:
        last += 1
        if last == len(lines):  # radon runs out of lines inside the string
            raise _RadonRaises(first + 1)
        line = lines[last]
        found = closing.match(line)
    return last if found.end() == len(line) else None


def _linear(source: str) -> Module:
    """Radon's counts, reading each stripped line once (see the module docstring)."""
    lines = [line.strip() for line in source.splitlines()]
    n_lines = len(lines)
    stream = None
    offset_row = offset = 0  # character offset in the joined lines of line `offset_row`

    lloc = comments = single_comments = multi = blank = sloc = 0
    plain = _PLAIN.fullmatch
    # The open plain group (start < 0: none, the tokenizer state is fresh): its bracket depth,
    # whether it holds a colon token, and how many comments.
    start = -1
    depth = group_comments = 0
    has_colon = False
    i = 0
    while i < n_lines:
        line = lines[i]
        if not line:  # an empty line: inside a group it is counted when the group closes
            if start < 0:
                blank += 1
            i += 1
            continue
        match = plain(line)
        if match is not None:
            code, comment = match.groups()
            i += 1
            if start < 0:
                if not code:  # a comment alone: one group, radon's "single comment"
                    comments += 1
                    single_comments += 1
                    continue
                if line[-1] in "'\"" and _ONE_STRING.fullmatch(line):
                    single_comments += 1  # a one-line string alone: radon's docstring
                    lloc += 1
                    continue
                start = i - 1
                depth = group_comments = 0
                has_colon = False
            if comment is not None:
                group_comments += 1
            if not code:
                continue
            if "'" in code or '"' in code:  # brackets and colons in strings are no tokens
                code = _SHORT_STRINGS.sub("s", code)
            depth += (
                code.count("(")
                + code.count("[")
                + code.count("{")
                - code.count(")")
                - code.count("]")
                - code.count("}")
            )
            if not has_colon and ":" in code:
                has_colon = _COLON_TOKEN.search(code) is not None
            if depth == 0:  # the group ends on this line
                n_empty = lines[start:i].count("")
                sloc += i - start - n_empty
                blank += n_empty
                comments += group_comments
                # radon's _logical: one logical line, two if a ':' is followed by more tokens.
                lloc += (1 if code.rstrip().endswith(":") else 2) if has_colon else 1
                start = -1
            continue
        if start >= 0:  # a plain group meets a line that is not plain: tokenize it whole
            i, start = start, -1
        else:
            opening = _TRIPLE_OPEN.match(line)
            if opening is not None:
                last = _triple_quoted_alone(lines, i, opening)
                if last is not None:  # radon's docstring: one logical line
                    lloc += 1
                    if last == i:
                        single_comments += 1
                    else:
                        n_empty = lines[i : last + 1].count("")
                        multi += last + 1 - i - n_empty
                        blank += n_empty
                    i = last + 1
                    continue
        if stream is None:
            stream = io.StringIO("\n".join(lines))
        offset += sum(map(len, lines[offset_row:i])) + (i - offset_row)
        offset_row = i
        stream.seek(offset)
        i, counts = _tokenized_group(lines, i, stream.readline)
        lloc += counts[0]
        comments += counts[1]
        single_comments += counts[2]
        multi += counts[3]
        blank += counts[4]
        sloc += counts[5]
    if start >= 0:  # brackets still open at the end of the input
        raise _RadonRaises(start + 1)

    loc = sloc + blank + multi + single_comments
    return Module(loc, lloc, sloc, comments, multi, blank, single_comments)


def _tokenized_group(
    lines: list[str], first: int, readline: Callable[[], str]
) -> tuple[int, tuple[int, ...]]:
    """Tokenize the group that starts at `lines[first]` (tokenizer state fresh there).

    Returns the index of the line after the group and its counts
    (lloc, comments, single_comments, multi, blank, sloc), counted as radon counts a group.
    """
    comments = 0
    # radon's `is_single_token`: the group's first token type, whether it is a string spanning
    # rows, and how many tokens other than NL/NEWLINE the group holds.
    first_type = -1
    first_multirow = False
    n_other = 0
    # radon's `_logical`: tokens other than COMMENT/NL/NEWLINE in the current ';'-separated
    # segment, the index of its last ':' (-1: none), and the logical lines of closed segments.
    seg_len = 0
    colon_at = -1
    lloc = 0
    parenlev = 0
    fresh_row = 0  # last row (1 = lines[first]) after which the tokenizer state was fresh
    end = len(lines) - first  # the group's last row unless a fresh end of line comes first
    try:
        for tok_type, tok_string, tok_start, tok_end, _line in tokenize.generate_tokens(readline):
            if tok_type in (_NL, _NEWLINE):
                if first_type == -1:
                    first_type = tok_type
                if parenlev == 0:
                    row = tok_start[0]
                    if lines[first + row - 1] or fresh_row == row - 1:
                        end = row
                        break
                    fresh_row = row
                continue
            if tok_type == _ENDMARKER:
                break
            if first_type == -1:
                first_type = tok_type
                first_multirow = tok_type == _STRING and tok_end[0] != tok_start[0]
            n_other += 1
            if tok_type == _OP:
                if tok_string == ";":
                    # A segment before ';': radon's list has no ENDMARKER, so the test is len - 2.
                    if colon_at >= 0:
                        lloc += 1 if colon_at == seg_len - 2 else 2
                    elif seg_len:
                        lloc += 1
                    seg_len = 0
                    colon_at = -1
                    continue
                if tok_string == ":":
                    colon_at = seg_len
                elif tok_string in ("(", "[", "{"):
                    parenlev += 1
                elif tok_string in (")", "]", "}"):
                    parenlev -= 1
                seg_len += 1
            elif tok_type == _COMMENT:
                comments += 1
            elif tok_type in (_NAME, _NUMBER, _STRING):
                seg_len += 1
            elif tok_type == _ERRORTOKEN:
                raise _RadonRaises(first + 1)
            else:
                raise _Unproven(f"token type {tokenize.tok_name.get(tok_type, tok_type)}")
    except tokenize.TokenError:
        raise _RadonRaises(first + 1) from None
    except IndentationError as exc:  # cannot happen at column 0; if it does, radon decides
        raise _Unproven("IndentationError") from exc

    # The last segment: radon's list ends with ENDMARKER, so a trailing ':' sits at len - 2.
    if colon_at >= 0:
        lloc += 1 if colon_at == seg_len - 1 else 2
    elif seg_len:
        lloc += 1

    group = lines[first : first + end]
    n_empty = group.count("")
    n_code = end - n_empty
    single_comments = multi = blank = sloc = 0
    if n_other == 1 and first_type == _COMMENT:
        single_comments = 1
    elif n_other == 1 and first_type == _STRING:
        if first_multirow:
            multi, blank = n_code, n_empty
        else:
            single_comments = 1
    else:
        sloc, blank = n_code, n_empty
    return first + end, (lloc, comments, single_comments, multi, blank, sloc)
