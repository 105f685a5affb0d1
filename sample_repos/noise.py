"""A history of commits whose messages say "fix" without fixing the product, beside real fixes.

What real histories showed: the keyword rule flags "fix typo", "fix docs link", docstring and
comment edits, reformatting, lint runs and test-only changes as bug fixes. Each commit here is
planted with its truth (`PLANTED`: message, files written, whether it fixes a product defect), so
a test can score a labelling rule against the truth, not against the rule's own output. Each also
carries its true kind (`qroi.labels.kinds`): the families the first change-kind rule still got
wrong on a real history (string-literal typo edits, "fixes #N" on features, lint and typing-only
changes, deprecation work) and conventional-commit prefixes, releases and dependency bumps.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from datetime import date, timedelta
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
LEGACY_FIXED = LEGACY.replace("x\n", "repr(x)\n")
LEGACY_IO = "def read(path):\n    try:\n        return open(path).read()\n    except IOError, e:\n        return str(e)\n"
LEGACY_IO_PY3 = LEGACY_IO.replace("IOError, e", "IOError as e")
TEST_V1 = "from pkg.parse import parse\n\n\ndef test_parse():\n    assert parse('a,b') == ['a', 'b']\n"
CHECK_V1 = """import os

HEADER = "Content-Lenght"
LIMIT = 3


def check(text):
    if text is None:
        raise ValueError("text must not be Nnoe")
    return text
"""
CHECK_V2 = CHECK_V1.replace("Nnoe", "None")
CHECK_V3 = CHECK_V2.replace("Lenght", "Length")
CHECK_V4 = CHECK_V3.replace("def check(text):", "def check(text: str | None) -> str:").replace(
    "LIMIT = 3", "LIMIT: int = 3"
)
CHECK_V5 = CHECK_V4.replace("import os\n\n", "")
CHECK_V6 = CHECK_V5.replace("    return text\n", "    return str(text)\n")
CHECK_V7 = CHECK_V6 + "\n\ndef strict(text):\n    return check(text).strip()\n"
CHECK_V8 = CHECK_V7.replace("return check(text).strip()", "return check(text).strip() or None")
CHECK_V9 = CHECK_V8 + "\n\ndef tabs(text):\n    return text.replace(chr(9), ',')\n"
CHECK_V10 = CHECK_V9.replace("    if text is None:\n", "    if text is None or text == 'None':\n")
CHECK_V11 = CHECK_V10.replace("    return str(text)\n", "    return str(text) if text else ''\n")
TEST_V2 = TEST_V1 + "\n\ndef test_empty():\n    assert parse('') == []\n"
WORKFLOW = "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n"
FIELDS_V1 = """def fields(line, sep=","):
    sep = sep or ","  # a workaround for callers passing None
    return line.split(sep)
"""
FIELDS_V2 = FIELDS_V1.replace(
    "    return line.split", "    if not line.strip():\n        return []\n    return line.split"
)
FIELDS_V3 = FIELDS_V2.replace("sep", "separator")
FIELDS_V4 = FIELDS_V3.replace(
    "return line.split(separator)", "return [f.strip() for f in line.split(separator)]"
)
FIELDS_V5 = FIELDS_V4.replace("    if not line.strip():", '    if not line.strip(separator + " "):')
FIELDS_V6 = FIELDS_V5.replace("f.strip()", "f.strip(' \"')")
FIELDS_V7 = "from os import linesep\n\n\n" + FIELDS_V6.replace("line.split(", "line.rstrip(linesep).split(")
FIELDS_V8 = FIELDS_V7.replace(
    '    separator = separator or ","  # a workaround for callers passing None\n', ""
)
FIELDS_V9 = FIELDS_V8.replace('separator=","', 'separator=";"')
CODECOV = "coverage:\n  status:\n    project: off\n"


@dataclass(frozen=True)
class Planted:
    message: str
    files: dict[str, str]
    kind: str
    why: str
    bug_issue: int | None = None
    """An issue number the test imports as a bug report: with it the commit is a fix."""

    @property
    def fixes_product(self) -> bool:
        return self.kind == "fix"

    def kind_without_issues(self) -> str:
        """The truth before any issue is imported: the message alone does not say fix."""
        return "feature" if self.bug_issue else self.kind


PLANTED = (
    Planted("Add the configuration parser", {"src/pkg/parse.py": PARSE_V1, "tests/test_parse.py": TEST_V1,
            "src/pkg/legacy.py": LEGACY, "docs/index.rst": "Widget\n======\n", "src/pkg/check.py": CHECK_V1,
            "src/pkg/__init__.py": '__version__ = "0.9.0"\n', "requirements.txt": "requests==2.31.0\n"},
            "feature", "feature"),
    Planted("Fix crash on an empty line", {"src/pkg/parse.py": PARSE_V2}, "fix", "behaviour changes"),
    Planted("Fix typo in docstring", {"src/pkg/parse.py": PARSE_V3}, "docs", "docstring only"),
    Planted("fix: explain the empty case", {"src/pkg/parse.py": PARSE_V4}, "style", "comment only"),
    Planted("Fix formatting (black)", {"src/pkg/parse.py": PARSE_V5}, "style", "layout only"),
    Planted("Fix flaky test", {"tests/test_parse.py": TEST_V2}, "test", "test only"),
    Planted("Fix broken link in docs", {"docs/index.rst": "Widget\n======\n\nSee `home <https://x.org>`_.\n"},
            "docs", "docs only"),
    Planted("Fix whitespace around fields", {"src/pkg/parse.py": PARSE_V6}, "fix", "behaviour changes"),
    Planted("Fix the legacy printer", {"src/pkg/legacy.py": LEGACY_FIXED}, "fix",
            "Python 2, compared after translation: the printed value changes"),
    Planted("Fix typo in the legacy docstring", {"src/pkg/legacy.py": '"""Show a value."""\n' + LEGACY_FIXED},
            "docs", "Python 2, docstring only: compared after translation"),
    Planted("Add a legacy reader", {"src/pkg/legacy_io.py": LEGACY_IO}, "feature", "Python 2 code, no fix word"),
    Planted("Fix the except clause so Python 3 can parse it", {"src/pkg/legacy_io.py": LEGACY_IO_PY3}, "style",
            "Python 2 spelled the Python 3 way: the tree the scorer reads is the same (requests, 2012)"),
    Planted("Tidy the parser", {"src/pkg/parse.py": PARSE_V6 + "\n\n__all__ = ['parse']\n"}, "refactor",
            "no fix word"),
    Planted("Fix typo in error message", {"src/pkg/check.py": CHECK_V2}, "docs", "only a string literal's text"),
    Planted("Fix wrong header name sent to the server", {"src/pkg/check.py": CHECK_V3}, "fix",
            "only a string literal, but the message names a failure"),
    Planted("Fix the return type of check", {"src/pkg/check.py": CHECK_V4}, "style", "annotations only"),
    Planted("Fix flake8 warnings", {"src/pkg/check.py": CHECK_V5}, "style", "lint: an unused import"),
    Planted("Fix deprecation warning in check", {"src/pkg/check.py": CHECK_V6}, "refactor", "deprecation"),
    Planted("Add a strict mode (fixes #12)", {"src/pkg/check.py": CHECK_V7}, "feature",
            "closing keyword on a feature"),
    Planted("Stop dropping empty strict results (fixes #13)", {"src/pkg/check.py": CHECK_V8}, "fix",
            "closing keyword, no feature verb"),
    Planted("feat(check): accept tabs", {"src/pkg/check.py": CHECK_V9}, "feature", "conventional prefix"),
    Planted("docs: describe the format", {"docs/index.rst": "Widget\n======\n\nFields, comma-separated.\n"},
            "docs", "conventional prefix"),
    Planted("fix(check)!: reject the text None", {"src/pkg/check.py": CHECK_V10}, "fix", "conventional prefix"),
    Planted("chore(deps): pin requests", {"requirements.txt": "requests==2.31.0\nidna==3.6\n"}, "deps",
            "conventional prefix with the deps scope"),
    Planted("ci: run the tests on push", {".github/workflows/ci.yml": WORKFLOW}, "build", "conventional prefix"),
    Planted("test: cover the empty line", {"tests/test_parse.py": TEST_V2 + "\n\ndef test_one():\n    pass\n"},
            "test", "conventional prefix"),
    Planted("Bump requests from 2.31.0 to 2.32.0", {"requirements.txt": "requests==2.32.0\nidna==3.6\n"}, "deps",
            "dependency bump"),
    Planted("Release 1.0.0", {"src/pkg/__init__.py": '__version__ = "1.0.0"\n', "CHANGES.rst": "1.0.0\n=====\n"},
            "release", "release"),
    Planted("Treat an empty configuration file as no settings (#21)", {"src/pkg/check.py": CHECK_V11}, "fix",
            "no fix word; the issue it names is a bug report", bug_issue=21),
    Planted('Revert "feat(check): accept tabs"', {"src/pkg/check.py": CHECK_V11.replace(
            "\n\ndef tabs(text):\n    return text.replace(chr(9), ',')\n", "")}, "revert", "git revert"),
    # The second change-kind rule's families, each with a change of code unless it says otherwise.
    Planted("Add the field splitter", {"src/pkg/fields.py": FIELDS_V1}, "feature", "feature"),
    Planted("Keep blank lines out of the result\n\nThis fixes an error when the input ends in a newline.",
            {"src/pkg/fields.py": FIELDS_V2}, "fix", "only a prose sentence of the body says fix"),
    Planted("Refactor the separator option (#30)\n\n* Fix lint\n* Fix the tests\n* Rename the argument",
            {"src/pkg/fields.py": FIELDS_V3}, "refactor", "a squash: its bullets' fix words are steps"),
    Planted("Strip each field after splitting the line", {"src/pkg/fields.py": FIELDS_V4}, "feature",
            "a refactor verb in mid-subject describes the code, not the change"),
    Planted("fields: handle a blank line made of separators", {"src/pkg/fields.py": FIELDS_V5}, "fix",
            "the verb 'handle' after a scope"),
    Planted("Use the correct quote character", {"src/pkg/fields.py": FIELDS_V6}, "fix", "a correction"),
    Planted("Import the line separator I missed", {"src/pkg/fields.py": FIELDS_V7}, "fix", "something missed"),
    Planted("Remove the workaround for a None separator", {"src/pkg/fields.py": FIELDS_V8}, "refactor",
            "taking a workaround out"),
    Planted("Fixes #31: set the default separator to a semicolon", {"src/pkg/fields.py": FIELDS_V9}, "feature",
            "a closing reference on a change of default"),
    Planted("Fix the coverage upload", {"codecov.yml": CODECOV}, "build", "a YAML file is configuration"),
)  # fmt: skip


def bug_issues() -> list[dict[str, object]]:
    """The planted bug reports, as a GitHub issue export (`qroi issues import`)."""
    return [
        {"number": p.bug_issue, "title": p.message, "state": "closed", "created_at": "2024-01-01T08:00:00Z",
         "closed_at": "2024-02-01T08:00:00Z", "labels": [{"name": "bug"}]}
        for p in PLANTED if p.bug_issue
    ]  # fmt: skip


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
        when = date(2024, 1, 1) + timedelta(days=day - 1)  # one commit a day
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"{when.isoformat()}T10:00:00+0000"
        git("commit", "-q", "-m", planted.message)
        shas.append((git("rev-parse", "HEAD"), planted))
    return dest, shas
