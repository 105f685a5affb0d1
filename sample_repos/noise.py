"""A history of commits whose messages say "fix" without fixing the product, beside real fixes.

What real histories showed: the keyword rule flags "fix typo", "fix docs link", docstring and
comment edits, reformatting, lint runs and test-only changes as bug fixes. Each commit here is
planted with its truth (`PLANTED`: message, files written, whether it fixes a product defect), so
a test can score a labelling rule against the truth, not against the rule's own output.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from qroi.sample_repos.build import BuildError, _check_dest, git_env

PARSE_V1 = '''"""Parse the widget's configuration."""


def parse(text):
    """Split a line into fields."""
    return text.split(",")
'''
PARSE_V2 = PARSE_V1.replace(
    '    return text.split(",")\n', '    if not text:\n        return []\n    return text.split(",")\n'
)
PARSE_V3 = PARSE_V2.replace("Split a line into fields.", "Split one line into its fields.")
PARSE_V4 = PARSE_V3.replace("    if not text:\n", "    # an empty line has no fields\n    if not text:\n")
PARSE_V5 = PARSE_V4.replace('    return text.split(",")\n', '    return text.split(  ",")\n').replace(
    "\n\n\ndef", "\n\ndef"
)
PARSE_V6 = PARSE_V5.replace('text.split(  ",")', '[f.strip() for f in text.split(",")]')
LEGACY = 'def show(x):\n    print "value", x\n'
TEST_V1 = "from pkg.parse import parse\n\n\ndef test_parse():\n    assert parse('a,b') == ['a', 'b']\n"


@dataclass(frozen=True)
class Planted:
    message: str
    files: dict[str, str]
    fixes_product: bool
    why: str


PLANTED = (
    Planted("Add the configuration parser", {"src/pkg/parse.py": PARSE_V1, "tests/test_parse.py": TEST_V1,
            "src/pkg/legacy.py": LEGACY, "docs/index.rst": "Widget\n======\n"}, False, "feature"),
    Planted("Fix crash on an empty line", {"src/pkg/parse.py": PARSE_V2}, True, "behaviour changes"),
    Planted("Fix typo in docstring", {"src/pkg/parse.py": PARSE_V3}, False, "docstring only"),
    Planted("fix: explain the empty case", {"src/pkg/parse.py": PARSE_V4}, False, "comment only"),
    Planted("Fix formatting (black)", {"src/pkg/parse.py": PARSE_V5}, False, "layout only"),
    Planted("Fix flaky test", {"tests/test_parse.py": TEST_V1 + "\n\ndef test_empty():\n    assert parse('') == []\n"},
            False, "test only"),
    Planted("Fix broken link in docs", {"docs/index.rst": "Widget\n======\n\nSee `home <https://x.org>`_.\n"},
            False, "docs only"),
    Planted("Fix whitespace around fields", {"src/pkg/parse.py": PARSE_V6}, True, "behaviour changes"),
    Planted("Fix the legacy printer", {"src/pkg/legacy.py": LEGACY.replace('"value"', '"value:"')}, True,
            "Python 2: no tree to compare, the message stands"),
    Planted("Fix typo in the legacy docstring", {"src/pkg/legacy.py": '"""Show a value."""\n' + LEGACY.replace('"value"', '"value:"')},
            False, "Python 2, docstring only: compared after translation"),
    Planted("Tidy the parser", {"src/pkg/parse.py": PARSE_V6 + "\n\n__all__ = ['parse']\n"}, False, "no fix word"),
)  # fmt: skip


def build(dest: Path) -> tuple[Path, list[tuple[str, Planted]]]:
    """Create the repository at `dest`; returns it and each commit's sha with what was planted."""
    _check_dest(dest)
    dest.mkdir(parents=True, exist_ok=True)
    env = {**git_env(dest), "GIT_AUTHOR_NAME": "Dev", "GIT_AUTHOR_EMAIL": "dev@example.org",
           "GIT_COMMITTER_NAME": "Dev", "GIT_COMMITTER_EMAIL": "dev@example.org"}  # fmt: skip

    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(dest), *args], env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise BuildError(f"git {args[0]} failed: {done.stderr.strip()}")
        return done.stdout.strip()

    git("init", "-q", "-b", "main")
    shas = []
    for day, planted in enumerate(PLANTED, start=1):
        for path, text in planted.files.items():
            (dest / path).parent.mkdir(parents=True, exist_ok=True)
            (dest / path).write_text(text)
        git("add", "-A")
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"2024-01-{day:02d}T10:00:00+0000"
        git("commit", "-q", "-m", planted.message)
        shas.append((git("rev-parse", "HEAD"), planted))
    return dest, shas
