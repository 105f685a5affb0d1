"""What a file is for: product code, or tests, docs, examples, build tooling, vendored or generated.

On real histories tests and docs are most of the analysed files (60% of one project's panel rows)
and a test module led the hotspots, so every quality-vs-outcome figure mixed the product with its
scaffolding. A file's role comes from its path by rules shipped as data (`roles.toml`): ordered
roles, each with glob patterns, the first match wins, and anything unmatched is product code.
Analyses and rankings default to the product; `--roles` widens or narrows them.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import lru_cache
from pathlib import Path

from qroi.core.errors import QroiError

PRODUCT = "product"
RULES = Path(__file__).with_name("roles.toml")


@dataclass(frozen=True)
class Role:
    name: str
    why: str
    patterns: tuple[str, ...]

    def matches(self, path: str) -> bool:
        return any(fnmatchcase(path, pattern) for pattern in self.patterns)


@lru_cache(maxsize=8)
def load_rules(path: Path = RULES) -> tuple[Role, ...]:
    """The ordered roles of a rules file (the shipped one by default); a clear error if malformed."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        roles = tuple(
            Role(str(r["name"]), str(r.get("why", "")), tuple(str(p) for p in r["patterns"]))
            for r in data.get("role", [])
        )
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
        raise QroiError(f"cannot read file roles from {path}: {exc}") from exc
    if any(r.name == PRODUCT for r in roles):
        raise QroiError(f"{path}: 'product' is what no rule matches; it cannot have patterns")
    return roles


def names(rules: tuple[Role, ...] | None = None) -> tuple[str, ...]:
    """Every role, product first."""
    return (PRODUCT, *(r.name for r in rules or load_rules()))


def role_of(path: str, rules: tuple[Role, ...] | None = None) -> str:
    """The role of a repository-relative path."""
    return _role_of(path, rules or load_rules())


@lru_cache(maxsize=200_000)
def _role_of(path: str, rules: tuple[Role, ...]) -> str:
    return next((r.name for r in rules if r.matches(path)), PRODUCT)


def parse_selection(text: str | None, rules: tuple[Role, ...] | None = None) -> frozenset[str]:
    """`--roles` -> the roles kept: 'product' by default, 'all', or a comma-separated list."""
    known = names(rules)
    if text is None or not text.strip():
        return frozenset({PRODUCT})
    if text.strip() == "all":
        return frozenset(known)
    wanted = {part.strip() for part in text.split(",") if part.strip()}
    unknown = sorted(wanted - set(known))
    if unknown:
        raise QroiError(f"unknown file role {', '.join(unknown)}; choose from all, {', '.join(known)}")
    return frozenset(wanted)
