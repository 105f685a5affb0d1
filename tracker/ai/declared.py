"""Declared AI assistance: which commits say, in their message or identity, that an assistant helped.

This finds *declared* assistance only. A commit is flagged when its message carries a trailer
naming an assistant (`Co-authored-by: Claude <noreply@anthropic.com>`, `Assisted-by: ...`), a
marker line ("Generated with [Claude Code]"), or when its author or committer is an agent's own
account (`copilot-swe-agent[bot]`, a name ending in " (aider)"). Completions accepted in an editor
or code pasted from a chat window leave no trace in git: such commits count as "other", which
dilutes any difference between the groups toward none. Every result names the rules that
matched, so a reader can see why a commit was flagged.

The rules are data (`qroi/ai/ai_assistance.toml`, documented in the file itself), so a team
can add its own conventions or drop a rule without touching code: `load_rules(path)` extends the
shipped rules with a user file (`replace = true` in that file, or `replace=True`, uses only it;
`disable = [ids]` drops shipped rules; a rule with a shipped id replaces it).

A person's name alone never flags a commit where it is also an assistant's name: "Claude",
"Devin" or "Gemini" as a co-author need the vendor's address, so `Claude Dupont
<claude.dupont@example.fr>` stays a human co-author. Automation accounts that are not AI
(dependabot, renovate, CI) are recognised too, as `automated`, so comparisons can keep them out
of both groups.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from qroi.core.errors import QroiError

SHIPPED = "ai_assistance.toml"
CATEGORIES = ("ai", "bot")
WHERE = ("message", "trailer", "author", "committer", "identity")
_FIELDS = {
    "id",
    "tool",
    "category",
    "where",
    "keys",
    "name",
    "email",
    "value",
    "not_value",
    "pattern",
    "match",
}
_TRAILER = re.compile(r"^[ \t]*([A-Za-z][A-Za-z0-9-]*)[ \t]*:[ \t]*(.*?)[ \t]*$", re.MULTILINE)
_IDENTITY = re.compile(r"^(.*?)\s*<([^<>]*)>$")


def _split_identity(value: str) -> tuple[str, str]:
    """`Name <email>` -> (name, email); anything else is a name without an email."""
    match = _IDENTITY.match(value.strip())
    return (match.group(1).strip(), match.group(2).strip()) if match else (value.strip(), "")


@dataclass(frozen=True)
class Rule:
    """One rule of the rule file (see the file's header for the meaning of each field)."""

    id: str
    tool: str
    category: str
    where: str
    keys: tuple[str, ...] = ()
    name: re.Pattern[str] | None = None
    email: re.Pattern[str] | None = None
    value: re.Pattern[str] | None = None
    not_value: re.Pattern[str] | None = None
    pattern: re.Pattern[str] | None = None
    match: str = "all"

    @classmethod
    def parse(cls, raw: Mapping[str, Any], source: str) -> Rule:
        """Validate one `[[rule]]` table; a mistake is a QroiError naming the file and the rule."""
        rid = raw.get("id")
        where = f"{source}: rule {rid!r}" if rid else f"{source}: a rule without an id"
        if not isinstance(rid, str) or not rid:
            raise QroiError(f"{where}: every rule needs an `id`")
        unknown = sorted(set(raw) - _FIELDS)
        if unknown:
            raise QroiError(f"{where}: unknown field {unknown[0]!r} (known: {', '.join(sorted(_FIELDS))})")
        for key, allowed in (("category", CATEGORIES), ("where", WHERE), ("match", ("all", "any"))):
            if key in raw and raw[key] not in allowed:
                raise QroiError(f"{where}: {key} must be one of {', '.join(allowed)}, not {raw[key]!r}")
        if "category" not in raw or "where" not in raw:
            raise QroiError(f"{where}: `category` and `where` are required")
        compiled: dict[str, re.Pattern[str]] = {}
        for key in ("name", "email", "value", "not_value", "pattern"):
            if key in raw:
                try:
                    compiled[key] = re.compile(str(raw[key]), re.IGNORECASE)
                except re.error as exc:
                    raise QroiError(f"{where}: {key} is not a valid regex ({exc})") from exc
        kind = raw["where"]
        keys = raw.get("keys", [])
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise QroiError(f"{where}: keys must be a list of trailer names")
        allowed_conditions = {"message": {"pattern"}, "trailer": {"name", "email", "value", "not_value"}}.get(
            kind, {"name", "email"}
        )
        stray = sorted(set(compiled) - allowed_conditions)
        if stray:
            raise QroiError(f"{where}: {stray[0]} does not apply to where = {kind!r}")
        if not set(compiled) - {"not_value"}:
            raise QroiError(
                f"{where}: give at least one of {', '.join(sorted(allowed_conditions - {'not_value'}))}"
            )
        if kind == "trailer" and not keys:
            raise QroiError(f"{where}: a trailer rule needs `keys`")
        return cls(
            id=rid,
            tool=str(raw.get("tool", rid)),
            category=raw["category"],
            where=kind,
            keys=tuple(k.lower() for k in keys),
            match=raw.get("match", "all"),
            **compiled,
        )

    def _identity(self, name: str, email: str) -> bool:
        checks = [p.fullmatch(name) is not None for p in (self.name,) if p is not None]
        checks += [p.search(email) is not None for p in (self.email,) if p is not None]
        return any(checks) if self.match == "any" else all(checks)

    def _trailer(self, value: str) -> bool:
        if self.not_value is not None and self.not_value.search(value):
            return False
        name, email = _split_identity(value)
        checks = [p.fullmatch(name) is not None for p in (self.name,) if p is not None]
        checks += [p.search(email) is not None for p in (self.email,) if p is not None]
        checks += [p.search(value) is not None for p in (self.value,) if p is not None]
        return any(checks) if self.match == "any" else all(checks)

    def find(
        self, message: str, trailers: list[tuple[str, str, str]], identities: Mapping[str, tuple[str, str]]
    ) -> str | None:
        """The text this rule matched in one commit (for the report), or None."""
        if self.where == "message":
            assert self.pattern is not None
            found = self.pattern.search(message)
            return found.group(0) if found else None
        if self.where == "trailer":
            for key, value, line in trailers:
                if key in self.keys and self._trailer(value):
                    return line
            return None
        sides = ("author", "committer") if self.where == "identity" else (self.where,)
        for side in sides:
            name, email = identities[side]
            if (name or email) and self._identity(name, email):
                return f"{side}: {name} <{email}>"
        return None


@dataclass(frozen=True)
class RuleMatch:
    """One rule that matched a commit, with the text it matched."""

    rule: str
    tool: str
    category: str
    text: str


@dataclass(frozen=True)
class Declaration:
    """What a commit declares: AI assistance (`flagged`), automation (`automated`), or neither.

    `rule` and `tool` are those of the first AI rule that matched (or the first bot rule);
    `matches` lists every rule that matched, in rule order.
    """

    flagged: bool
    automated: bool
    rule: str | None
    tool: str | None
    matches: tuple[RuleMatch, ...] = ()

    @property
    def category(self) -> str:
        """ "ai", "bot" or "human"."""
        return "ai" if self.flagged else "bot" if self.automated else "human"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "flagged": self.flagged,
            "automated": self.automated,
            "category": self.category,
            "rule": self.rule,
            "tool": self.tool,
            "matches": [
                {"rule": m.rule, "tool": m.tool, "category": m.category, "text": m.text} for m in self.matches
            ],
        }


@dataclass(frozen=True)
class RuleSet:
    """The rules in force and the files they came from."""

    rules: tuple[Rule, ...]
    sources: tuple[str, ...] = field(default=())

    def classify(
        self,
        message: str,
        author_name: str = "",
        author_email: str = "",
        committer_name: str = "",
        committer_email: str = "",
    ) -> Declaration:
        """Apply every rule to one commit's message and identities."""
        trailers = [(m.group(1).lower(), m.group(2), m.group(0).strip()) for m in _TRAILER.finditer(message)]
        identities = {"author": (author_name, author_email), "committer": (committer_name, committer_email)}
        matches = []
        for rule in self.rules:
            text = rule.find(message, trailers, identities)
            if text is not None:
                matches.append(RuleMatch(rule.id, rule.tool, rule.category, text))
        ai = [m for m in matches if m.category == "ai"]
        bot = [m for m in matches if m.category == "bot"]
        first = (ai or bot or [None])[0]
        return Declaration(
            flagged=bool(ai),
            automated=not ai and bool(bot),
            rule=first.rule if first else None,
            tool=first.tool if first else None,
            matches=tuple(matches),
        )

    @property
    def ids(self) -> list[str]:
        """Rule ids in order."""
        return [r.id for r in self.rules]


def _read(text: str, source: str) -> dict[str, Any]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise QroiError(f"{source}: not valid TOML ({exc})") from exc
    unknown = sorted(set(data) - {"version", "replace", "disable", "rule"})
    if unknown:
        raise QroiError(
            f"{source}: unknown top-level key {unknown[0]!r} (known: version, replace, disable, rule)"
        )
    if data.get("version", 1) != 1:
        raise QroiError(
            f"{source}: unsupported rule file version {data['version']!r} (this qroi reads version 1)"
        )
    if not isinstance(data.get("rule", []), list):
        raise QroiError(f"{source}: rules must be [[rule]] tables")
    return data


def _parse_rules(tables: Iterable[Mapping[str, Any]], source: str) -> list[Rule]:
    rules: list[Rule] = []
    for raw in tables:
        rule = Rule.parse(raw, source)
        if rule.id in {r.id for r in rules}:
            raise QroiError(f"{source}: rule id {rule.id!r} is used twice")
        rules.append(rule)
    return rules


def shipped_text() -> str:
    """The shipped rule file, as installed with the package."""
    return resources.files("qroi.ai").joinpath(SHIPPED).read_text(encoding="utf-8")


def load_rules(path: str | Path | None = None, *, replace: bool | None = None) -> RuleSet:
    """The shipped rules, extended (or replaced) by the user's rule file at `path`.

    `replace` overrides the file's own `replace` key. A bad file is a QroiError with the file
    and the rule at fault; nothing is half-loaded.
    """
    if path is None:
        return rules_from_text(None)
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise QroiError(f"cannot read rule file {source}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise QroiError(f"rule file {source} is not UTF-8 text") from exc
    return rules_from_text(text, source, replace=replace)


def rules_from_text(text: str | None, source: str = "rule file", *, replace: bool | None = None) -> RuleSet:
    """The shipped rules extended (or replaced) by a user rule file's text; None: the shipped rules.

    Why text and not a path: an ingest remembers the user's rules per repository, so later runs
    classify new commits by the same rules even when the file has moved.
    """
    shipped = _parse_rules(_read(shipped_text(), SHIPPED).get("rule", []), SHIPPED)
    if text is None:
        return RuleSet(tuple(shipped), (SHIPPED,))
    data = _read(text, source)
    own = _parse_rules(data.get("rule", []), source)
    if replace if replace is not None else bool(data.get("replace", False)):
        return RuleSet(tuple(own), (source,))
    disable = data.get("disable", [])
    if not isinstance(disable, list) or not all(isinstance(d, str) for d in disable):
        raise QroiError(f"{source}: disable must be a list of rule ids")
    unknown = sorted(set(disable) - {r.id for r in shipped})
    if unknown:
        raise QroiError(f"{source}: disable names no shipped rule {unknown[0]!r}")
    overrides = {r.id: r for r in own}
    merged = [overrides.pop(r.id, r) for r in shipped if r.id not in disable]
    return RuleSet(tuple(merged + list(overrides.values())), (SHIPPED, source))


def classify(
    message: str,
    author_name: str = "",
    author_email: str = "",
    committer_name: str = "",
    committer_email: str = "",
    rules: RuleSet | None = None,
) -> Declaration:
    """Classify one commit with `rules` (the shipped rules by default)."""
    return (rules or default_rules()).classify(
        message, author_name, author_email, committer_name, committer_email
    )


@functools.cache
def default_rules() -> RuleSet:
    """The shipped rules, parsed once per process (a RuleSet is immutable)."""
    return load_rules()
