"""What a file is for: product code, or tests, docs, examples, build tooling, vendored or generated.

On real histories tests and docs are most of the analysed files (60% of one project's panel rows)
and a test module led the hotspots, so every quality-vs-outcome figure mixed the product with its
scaffolding. A file's role comes from its path by rules shipped as data (`roles.toml`): ordered
roles, each with glob patterns, the first match wins, and anything unmatched is product code.
Analyses and rankings default to the product; `--roles` widens or narrows them.

A project can correct the shipped rules for its own layout (`Overrides`): a `[tool.qroi]` table in
the `pyproject.toml` of the ingested HEAD (captured by each ingest, so every reader of the store
sees the same roles without the repository), and `--include`/`--exclude` globs on the commands
that take `--roles`. `resolve` orders them into the one rule list every reader applies.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import lru_cache
from pathlib import Path

from qroi.core.errors import QroiError

PRODUCT = "product"
EXCLUDED = "excluded"
"""The role of paths an `exclude` glob names: outside every analysis, `--roles all` included."""
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
    if any(r.name == EXCLUDED for r in roles):
        raise QroiError(f"{path}: 'excluded' is the role of exclude globs; it cannot have patterns")
    return roles


def names(rules: tuple[Role, ...] | None = None) -> tuple[str, ...]:
    """Every role a selection can name, product first (`excluded` paths are in none)."""
    shipped = (r.name for r in rules or load_rules())
    return tuple(dict.fromkeys((PRODUCT, *(n for n in shipped if n != EXCLUDED))))


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


@dataclass(frozen=True)
class Overrides:
    """Globs that beat the shipped rules: `exclude` (out of every analysis), `include` (product
    code whatever the shipped rules say), and `roles` ((role, globs) in the order written)."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    roles: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.include or self.exclude or self.roles)

    def rules(self, source: str) -> tuple[Role, ...]:
        """These globs as rules, exclude first, then include, then the per-role globs."""
        ordered = [
            Role(EXCLUDED, f"{source} exclude", self.exclude),
            Role(PRODUCT, f"{source} include", self.include),
        ]
        ordered += [Role(name, f"{source} roles.{name}", patterns) for name, patterns in self.roles]
        return tuple(r for r in ordered if r.patterns)

    def to_json(self) -> str:
        return json.dumps({"include": self.include, "exclude": self.exclude, "roles": dict(self.roles)})

    @classmethod
    def from_json(cls, text: str | None) -> Overrides:
        """What `to_json` wrote (as stored in `repos.role_overrides`); nothing for NULL."""
        return from_table(json.loads(text), "stored overrides") if text else cls()


def _globs(value: object, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) and v for v in value):
        raise QroiError(f"{where} must be a list of path globs")
    return tuple(value)


def from_table(table: object, where: str = "[tool.qroi]") -> Overrides:
    """Validate a `[tool.qroi]` table: `include`, `exclude` (lists of globs) and `[tool.qroi.roles]`
    (a role name -> globs; `product` is the same as `include`). Anything else is a one-line error."""
    if not isinstance(table, dict):
        raise QroiError(f"{where} must be a table")
    unknown = sorted(set(table) - {"include", "exclude", "roles"})
    if unknown:
        raise QroiError(f"{where}: unknown key {', '.join(unknown)}; qroi reads include, exclude and roles")
    per_role = table.get("roles") or {}
    if not isinstance(per_role, dict):
        raise QroiError(f"{where}.roles must be a table of role = [globs]")
    known = names()
    bad = sorted(set(per_role) - set(known))
    if bad:
        raise QroiError(f"{where}.roles: unknown file role {', '.join(bad)}; choose from {', '.join(known)}")
    return Overrides(
        include=_globs(table.get("include", []), f"{where}.include"),
        exclude=_globs(table.get("exclude", []), f"{where}.exclude"),
        roles=tuple((name, _globs(globs, f"{where}.roles.{name}")) for name, globs in per_role.items()),
    )


def from_pyproject(text: str, where: str = "pyproject.toml") -> Overrides:
    """The `[tool.qroi]` table of a pyproject.toml's text; none if the file has no such table.

    A pyproject.toml that is not TOML at all is the project's problem, not a qroi setting: it gives
    no overrides. A `[tool.qroi]` table qroi cannot read is an error (the user wrote it for qroi).
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return Overrides()
    tool = data.get("tool")
    table = tool.get("qroi") if isinstance(tool, dict) else None
    return Overrides() if table is None else from_table(table, f"{where} [tool.qroi]")


def resolve(project: Overrides | None = None, command: Overrides | None = None) -> tuple[Role, ...]:
    """The one ordered rule list behind every role shown: the command's `--exclude` and
    `--include`, then the project's `[tool.qroi]` exclude, include and per-role globs, then the
    shipped rules; the first match wins and anything unmatched is product code."""
    return (
        *(command or Overrides()).rules("--include/--exclude"),
        *(project or Overrides()).rules("[tool.qroi]"),
        *load_rules(),
    )


def command_globs(include: list[str] | None, exclude: list[str] | None) -> Overrides:
    """A command's `--include`/`--exclude` options as overrides (empty globs are an error)."""
    return from_table({"include": list(include or []), "exclude": list(exclude or [])}, "--include/--exclude")
