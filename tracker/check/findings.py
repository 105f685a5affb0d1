"""What `qroi check` reports: rules, findings, and which `--fail-on` level each finding meets.

A finding is *new* when the change created it (a function past the rank threshold that was not
past it at the base, a duplicated block the change added) and *worse* when it made an existing
problem worse (a function already past the threshold got more complex, a file's MI dropped);
`--fail-on new` fails on the first kind, `--fail-on worse` on both. Hotspot notes never fail a
check: they say where the change landed, not what it did.

Each finding carries a fingerprint that does not depend on line numbers (rule, path and the
function's qualified name, or the duplicated block's text), so code scanning keeps tracking one
result across pushes that move it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    level: str  # SARIF level: error, warning, note
    short: str
    help: str


RULES: dict[str, Rule] = {
    r.id: r
    for r in (
        Rule(
            "QROI001",
            "complex-function",
            "error",
            "A function the change added or changed is past the complexity rank threshold.",
            "Radon ranks cyclomatic complexity A (1-5) to F (41+); the threshold is --rank (default C,"
            " complexity 11 and up). Split the function or simplify its branches.",
        ),
        Rule(
            "QROI002",
            "complexity-increased",
            "warning",
            "A function already past the complexity rank threshold got more complex.",
            "The function was past --rank at the base and the change added branches to it.",
        ),
        Rule(
            "QROI003",
            "maintainability-dropped",
            "warning",
            "The file's maintainability index dropped by more than --mi-drop points.",
            "Radon's maintainability index (0-100, higher is better) of the whole file fell.",
        ),
        Rule(
            "QROI004",
            "duplicated-block",
            "warning",
            "The change added a block of code that also exists elsewhere in the tree.",
            "A block is 5 or more consecutive lines with code (blank, comment and punctuation-only"
            " lines skipped), compared after stripping indentation, as qroi's duplication measure does.",
        ),
        Rule(
            "QROI005",
            "hotspot-touched",
            "note",
            "The change touches a hotspot: a file that changes often and is complex.",
            "Hotspots rank files by commits times total complexity (qroi summary); with a store, the"
            " claim test says how this repository's files like it fared.",
        ),
    )
}
LEVELS = ("new", "worse", "info")
FAIL_ON = {"new": {"new"}, "worse": {"new", "worse"}, "never": set()}


def fingerprint(*parts: str) -> str:
    """A stable hash of what identifies a result (never its line number)."""
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogateescape")).hexdigest()[:32]


@dataclass(frozen=True)
class Finding:
    """One result: its rule, whether the change made it new or worse, where, and what it says."""

    rule: str
    level: str  # one of LEVELS
    path: str
    line: int
    end_line: int
    message: str
    fingerprint: str
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def rule_name(self) -> str:
        return RULES[self.rule].name

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "name": self.rule_name,
            "level": self.level,
            "path": self.path,
            "line": self.line,
            "end_line": self.end_line,
            "message": self.message,
            "fingerprint": self.fingerprint,
            **self.details,
        }
