"""Files that break naive miners and scorers, to plant in sample repositories on purpose.

Real histories contain Python 2 leftovers, broken drafts, odd encodings, binaries, generated
monsters, symlinks and odd paths. The product must skip or survive each without a traceback, so
each hostile file states what it is and whether CPython 3 can parse it, which is what a test of
the scorer compares against.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

from qroi.sample_repos.fastimport import EXECUTABLE, REGULAR, SYMLINK


@dataclass(frozen=True)
class Hostile:
    """One planted file: where, what kind, why it is hard, its bytes and mode."""

    path: str
    kind: str
    why: str
    data: bytes
    mode: str = REGULAR
    parses: bool = True  # does ast.parse(data) (bytes, honouring a coding cookie) succeed?

    def as_json(self) -> dict[str, object]:
        return {
            "path": self.path,
            "kind": self.kind,
            "why": self.why,
            "mode": self.mode,
            "parses": self.parses,
        }


def python2() -> Hostile:
    data = (
        b'"""Compatibility shim kept from the Python 2 days."""\n\n'
        b"import sys\n\n\n"
        b"def report(value):\n"
        b'    print "value:", value\n'
        b"    try:\n"
        b"        return int(value)\n"
        b"    except ValueError, e:\n"
        b"        print >>sys.stderr, e\n"
        b"        return None\n"
    )
    return Hostile(
        "legacy/py2_compat.py", "python2", "print statement and `except E, e:`", data, parses=False
    )


def syntax_error() -> Hostile:
    data = (
        b'"""Draft of the new parser (work in progress)."""\n\n\n'
        b"def parse(tokens):\n"
        b"    result = []\n"
        b"    for token in tokens:\n"
        b"        if token.kind == 'name'\n"
        b"            result.append(token)\n"
        b"    return result\n"
    )
    return Hostile(
        "src/widget/core/parser_draft.py", "syntax_error", "missing colon after `if`", data, parses=False
    )


def latin1_without_cookie() -> Hostile:
    data = (
        b"# Module d'import des donn\xe9es (encod\xe9 en latin-1)\n\n"
        b'AUTHOR = "Ren\xe9 Fran\xe7ois"\n\n\n'
        b"def greet(name):\n"
        b'    return "Bonjour " + name + " \xe0 bient\xf4t"\n'
    )
    why = "latin-1 bytes and no coding cookie: not valid UTF-8, Python 3 refuses it"
    return Hostile("legacy/latin1_nocookie.py", "latin1_no_cookie", why, data, parses=False)


def latin1_with_cookie() -> Hostile:
    data = (
        b"# -*- coding: latin-1 -*-\n"
        b'"""Donn\xe9es de r\xe9f\xe9rence."""\n\n'
        b'CURRENCY = "\xa3"\n\n\n'
        b"def label(amount):\n"
        b"    if amount < 0:\n"
        b'        return "d\xe9bit"\n'
        b'    return "cr\xe9dit"\n'
    )
    return Hostile(
        "legacy/latin1_cookie.py", "latin1_cookie", "latin-1 bytes declared by a PEP 263 cookie", data
    )


def utf8_bom() -> Hostile:
    data = b'\xef\xbb\xbf"""Saved by an editor that writes a byte-order mark."""\n\n\ndef ok():\n    return True\n'
    return Hostile("tools/bom_module.py", "utf8_bom", "starts with a UTF-8 byte-order mark", data)


def png() -> Hostile:
    """A real 8x8 grey PNG, built byte by byte so it is identical everywhere."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    rows = b"".join(b"\x00" + bytes([(x * 32 + y * 16) % 256 for x in range(8)]) for y in range(8))
    data = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )
    return Hostile("docs/images/logo.png", "binary", "PNG image: binary, not text", data, parses=False)


def empty() -> Hostile:
    return Hostile("src/widget/util/placeholder.py", "empty", "zero-byte Python file", b"")


def huge_table(lines: int = 3200, chunk: int = 40) -> Hostile:
    """A generated lookup table: thousands of lines, trivial complexity, a size outlier.

    Written as many short dict literals, the way table generators usually emit them. One single
    3,000-line literal would make Radon's own raw metrics take minutes (they re-tokenize a
    multi-line statement after every added line), which the ground-truth tests could not afford;
    that pathology is exercised by the scorer's time-budget tests instead.
    """
    words = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet")
    parts = []
    for start in range(0, lines, chunk):
        body = "".join(
            f'    0x{i:04X}: ("{words[i % 10]}-{i % 97}", {i * 7919 % 10007}, {i % 3 == 0}),\n'
            for i in range(start, min(start + chunk, lines))
        )
        parts.append(f"TABLE_{start // chunk:03d} = {{\n{body}}}\n")
    merged = ", ".join(f"**TABLE_{n:03d}" for n in range(len(parts)))
    text = f'"""Generated code-point table. Do not edit."""\n\n{"".join(parts)}\nTABLE = {{{merged}}}\n'
    total = text.count("\n")
    return Hostile(
        "src/widget/text/codepoints_table.py",
        "huge_literal",
        f"{total}-line generated table module",
        text.encode(),
    )


def deep_nesting(depth: int = 400) -> Hostile:
    """Nesting beyond the tokenizer's limit of 200: valid-looking, but ast.parse raises."""
    opening = "".join("([{"[i % 3] for i in range(depth))
    closing = "".join(")]}"[i % 3] for i in reversed(range(depth)))
    text = f'"""Generated expression stress case."""\n\nVALUE = {opening}1{closing}\n'
    why = f"{depth} nested brackets: too deep for CPython's tokenizer and parser"
    return Hostile("src/widget/text/deep_expression.py", "deep_nesting", why, text.encode(), parses=False)


def crlf() -> Hostile:
    text = '"""Helpers written on Windows."""\r\n\r\n\r\ndef to_posix(path):\r\n    if "\\\\" in path:\r\n'
    text += '        return path.replace("\\\\", "/")\r\n    return path\r\n'
    return Hostile("tools/win_helper.py", "crlf", "CRLF line endings", text.encode())


def unicode_path() -> Hostile:
    text = (
        '"""Modèle de données."""\n\n\nclass Modèle:\n    def __init__(self, nom):\n        self.nom = nom\n'
    )
    return Hostile(
        "src/données/modèle.py", "unicode_path", "non-ASCII directory and file name", text.encode()
    )


def space_path() -> Hostile:
    text = '"""Build helpers."""\n\n\ndef build(target="all"):\n    if target == "all":\n        return ["lib", "docs"]\n    return [target]\n'
    return Hostile("tools/build helpers.py", "space_path", "space in the file name", text.encode())


def symlink() -> Hostile:
    why = "symlink (mode 120000) whose blob is a path, not Python source"
    return Hostile(
        "scripts/widget_latest.py", "symlink", why, b"../tools/win_helper.py", SYMLINK, parses=False
    )


def executable() -> Hostile:
    text = '#!/usr/bin/env python3\n"""Cut a release."""\nimport sys\n\n\ndef main():\n    return 0\n\n\nif __name__ == "__main__":\n    sys.exit(main())\n'
    return Hostile(
        "scripts/release.py",
        "executable",
        "executable script (mode 100755) with a shebang",
        text.encode(),
        EXECUTABLE,
    )
