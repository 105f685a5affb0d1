"""A history whose commit headers are odd in the ways real ones are, and git still accepts.

`git commit` refuses these, `git fast-import` too, so the commits are written as raw objects
(`git hash-object -t commit --literally`): an offset git reads as 518 hours (`+051800`, seen in
old CVS/SVN imports), an offset with 99 minutes (`-9999`), an empty author name and e-mail, a
commit dated in 2128, a name and a message holding a bare CR followed by a spreadsheet
formula, an author dated before 1970 with a Latin-1 name, and an author line with no date at all.
`git log` prints all of them (the last two with an empty date); every qroi command must too,
without a traceback.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from qroi.sample_repos.build import BuildError, _check_dest, git_env

HEADERS = (
    # (author line, committer line, message)
    ("Ada Lovelace <ada@example.org> 1500000000 +0000", "Ada Lovelace <ada@example.org> 1500000000 +0000", "Add app"),
    (" <> 1500100000 +051800", "Odd Importer <odd@example.org> 1500100000 +051800", "fix crash in parse"),
    ("Far Future <far@example.org> 5000000000 -9999", "Far Future <far@example.org> 5000000000 -9999", "Refactor"),
    ("Mallory\r=HYPERLINK(1) <m@example.org> 1500200000 +0100", "Mallory <m@example.org> 1500200000 +0100",
     "fix #3 ok\r=SUM(40;2)"),
    ("Jos\xe9 Garc\xeda <jose@example.org> -100000 +0000", "Bot <bot@example.org> 1500300000 +0200",
     "Handle empty join"),
    ("No Date <nd@example.org>", "No Date <nd@example.org> 1500400000 +0000", "Tidy join"),
)  # fmt: skip
"""(author, committer, message); `\xe9` and `\xed` stand for single Latin-1 bytes (not UTF-8)."""
FILES = (
    ("app.py", "def parse(text):\n    return text.split()\n"),
    ("app.py", "def parse(text):\n    if not text:\n        return []\n    return text.split()\n"),
    ("util.py", "def join(parts):\n    return ' '.join(parts)\n"),
    ("util.py", "def join(parts):\n    if not parts:\n        return ''\n    return ' '.join(parts)\n"),
    ("util.py", "def join(parts):\n    if not parts:\n        return ''\n    return ', '.join(parts)\n"),
    ("util.py", "def join(parts):\n    if not parts:\n        return ''\n    return ','.join(parts)\n"),
)


def build(dest: Path) -> Path:
    """Create the repository at `dest` (branch main, six commits); returns `dest`."""
    _check_dest(dest)
    dest.mkdir(parents=True, exist_ok=True)
    env = git_env(dest)

    def git(*args: str, stdin: bytes = b"") -> str:
        done = subprocess.run(["git", "-C", str(dest), *args], env=env, input=stdin, capture_output=True)
        if done.returncode != 0:
            raise BuildError(f"git {args[0]} failed: {done.stderr.decode(errors='replace').strip()}")
        return done.stdout.decode().strip()

    git("init", "-q", "-b", "main")
    parent = None
    for (author, committer, message), (path, text) in zip(HEADERS, FILES, strict=True):
        (dest / path).write_text(text)
        git("add", path)
        tree = git("write-tree")
        header = f"tree {tree}\n" + (f"parent {parent}\n" if parent else "")
        raw = f"{header}author {author}\ncommitter {committer}\n\n{message}\n".encode("latin-1")
        parent = git("hash-object", "-t", "commit", "-w", "--literally", "--stdin", stdin=raw)
    git("update-ref", "refs/heads/main", str(parent))
    git("reset", "-q", "--hard", "main")
    return dest
