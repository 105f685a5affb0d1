"""What kind of change a commit is (fix, feature, refactor, docs, style, test, build, deps,
release, revert, merge), and the rule that decided it.

The bug-fix label every defect outcome rests on is exactly `kind == "fix"`. On real histories the
message keyword rule was wrong more often than right ("fix typo", "fix docs link", reformatting,
lint runs, test-only changes, "Add X, fixes #12"), so the kind weighs every signal git gives, the
strongest first:

1. git's own structure: a merge; a revert (`Revert "..."`, "This reverts commit");
2. a bug issue imported from a tracker and linked to the commit, if it touches a product file;
3. a conventional-commit prefix (`fix(scope)!:` ...), mapped by `kinds.toml` (a fix type counts
   only when the fix words match it too, so `--bugfix-pattern` stays the last word on "fix");
4. message rules shipped as data (`kinds.toml`: releases, dependency bumps, linters, deprecations,
   text-only changes), checked before the fix words;
5. the fix words (`--bugfix-pattern`) in the subject, outside closing references, or a closing
   reference anywhere ("Fixes #12": a fix unless the subject starts with a feature verb);
6. the files: a commit touching no product file takes the kind of the files it touches;
7. the rest of the message rules: a named failure or correction, a handled case or caught error,
   something missed, or a prose sentence of the body that says it fixes something (never a
   squash bullet), each with a code change; then refactor and feature verbs.

A fix must also change product behaviour (`qroi.labels.behaviour`): a "fix" that changes only
comments, layout, annotations or docstrings of product code is style or docs; one that changes
only the text of string literals is a fix only when the message names a failure (bug, crash,
error...). The syntax trees are compared only when a rule needs it, so most commits cost nothing.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from qroi.core import roles
from qroi.core.errors import QroiError
from qroi.labels import behaviour, messages
from qroi.labels import kind_names as names

FIX, FEATURE, REFACTOR, DOCS, STYLE, TEST, BUILD, DEPS, RELEASE, REVERT, MERGE = (
    names.FIX,
    names.FEATURE,
    names.REFACTOR,
    names.DOCS,
    names.STYLE,
    names.TEST,
    names.BUILD,
    names.DEPS,
    names.RELEASE,
    names.REVERT,
    names.MERGE,
)
KINDS = names.KINDS
RULES = Path(__file__).with_name("kinds.toml")
VERSION = "change kinds (3)"
"""Stored with the delivery settings: a store classified by another version is classified again."""
LINKED_RULE = "linked to a bug issue"
"""The start of the rule of every commit made a fix by its bug issue."""
UNSIGNALLED_RULE = names.UNSIGNALLED_RULE
ROLE_KINDS = {
    "test": TEST,
    "docs": DOCS,
    "example": DOCS,
    "notebook": DOCS,
    "build": BUILD,
    "vendored": DEPS,
    "generated": BUILD,
}
_CONVENTIONAL = re.compile(r"^\s*(?P<type>[A-Za-z]+)(?:\((?P<scope>[^)]*)\))?(?P<bang>!)?:\s")
_CLOSING = re.compile(messages._CLOSING_RE.pattern, re.IGNORECASE)
_ADDS_TEST = re.compile(r"^\W*\w+\s+(\S+\s+)?(unit\s+|regression\s+)?tests?\b", re.IGNORECASE)


@dataclass(frozen=True)
class Label:
    kind: str
    rule: str


@dataclass(frozen=True)
class MessageRule:
    name: str
    kind: str
    pattern: re.Pattern[str]
    on_message: bool
    unless: re.Pattern[str] | None
    levels: frozenset[str] | None

    def matches(self, subject: str, message: str, level: Callable[[], str]) -> bool:
        text = message if self.on_message else subject
        if not self.pattern.search(text) or (self.unless and self.unless.search(message)):
            return False
        return self.levels is None or level() in self.levels


@dataclass(frozen=True)
class Rules:
    bug: re.Pattern[str]
    feature_verb: re.Pattern[str]
    conventional: dict[str, str]
    before_fix: tuple[MessageRule, ...]
    after_fix: tuple[MessageRule, ...]


def _rule(data: dict[str, object]) -> MessageRule:
    kind = str(data["kind"])
    raw = data.get("levels")
    levels = None if raw is None else [str(v) for v in raw] if isinstance(raw, list) else None
    if kind not in KINDS or (
        raw is not None and (levels is None or not set(levels) <= set(behaviour.LEVELS))
    ):
        raise ValueError(f"rule {data.get('name')!r}: unknown kind or level")
    unless = data.get("unless")
    return MessageRule(
        str(data["name"]),
        kind,
        re.compile(str(data["pattern"]), re.IGNORECASE),
        data.get("on", "subject") == "message",
        re.compile(str(unless), re.IGNORECASE) if unless else None,
        frozenset(levels) if levels is not None else None,
    )


@lru_cache(maxsize=4)
def load_rules(path: Path = RULES) -> Rules:
    """The message rules of a rules file (the shipped one by default); a clear error if malformed."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        conventional = {str(k).lower(): str(v) for k, v in data["conventional"].items()}
        if not set(conventional.values()) <= set(KINDS):
            raise ValueError("[conventional] maps to an unknown kind")
        return Rules(
            re.compile(data["words"]["bug"], re.IGNORECASE),
            re.compile(data["words"]["feature_verb"], re.IGNORECASE),
            conventional,
            tuple(_rule(r) for r in data.get("before_fix", [])),
            tuple(_rule(r) for r in data.get("after_fix", [])),
        )
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError, re.error) as exc:
        raise QroiError(f"cannot read change-kind rules from {path}: {exc}") from exc


def _by_files(changes: list[behaviour.Changed], why: str) -> Label:
    """The kind of a commit that touches no product file, from the roles of the files it touches."""
    counted = Counter(ROLE_KINDS[roles.role_of(c.path)] for c in changes)
    if not counted:
        return Label(BUILD, f"{why}changes no file")
    order = (TEST, DOCS, BUILD, DEPS)
    kind = max(counted, key=lambda k: (counted[k], -order.index(k)))
    return Label(kind, f"{why}touches no product file: mostly {kind} files")


def _unchanged(level: str, changes: list[behaviour.Changed], why: str) -> Label:
    """A commit that does not change product behaviour, whatever its message claims."""
    if level == behaviour.NONE:
        return _by_files(changes, why)
    if level == behaviour.LAYOUT:
        return Label(STYLE, f"{why}product code changed only in comments, layout or annotations")
    return Label(DOCS, f"{why}product code changed only in docstrings and comments")


def _claimed_fix(message: str, level: str, changes: list[behaviour.Changed], why: str, rules: Rules) -> Label:
    if level == behaviour.CODE:
        return Label(FIX, f"{why}; product code changed")
    if level == behaviour.STRINGS:
        if rules.bug.search(message):
            return Label(
                FIX, f"{why}; only string literals of product code changed, the message names a failure"
            )
        return Label(DOCS, f"{why}, but only the text of product string literals changed")
    return _unchanged(level, changes, f"{why}, but ")


def _feature_subject(subject: str, rules: Rules) -> bool:
    """Does the subject start with a feature verb, or do so once its closing references are taken
    out ("Fix #12 Set the default to X")? "Fixes #12, adds a test" still reads as a fix."""
    if rules.feature_verb.search(subject):
        return True
    rest = _CLOSING.sub(" ", subject)
    return bool(rules.feature_verb.search(rest)) and not _ADDS_TEST.search(rest)


def classify(
    message: str,
    is_merge: bool,
    changes: Iterable[behaviour.Changed],
    read_blob: Callable[[str], bytes],
    fix_words: re.Pattern[str],
    bug_issue: str | None = None,
    rules: Rules | None = None,
) -> Label:
    """The kind of one commit and the rule that decided it (see the module docstring for the order)."""
    rules = rules or load_rules()
    if is_merge:
        return Label(MERGE, "merge commit (two or more parents)")
    if messages.revert_of(message)[0]:
        return Label(REVERT, "git's revert message")
    changes = list(changes)
    product = behaviour.touches_product(changes)
    if bug_issue and product:
        return Label(FIX, f"{LINKED_RULE} {bug_issue}, touching product files")
    computed: list[str] = []

    def level() -> str:
        if not computed:
            computed.append(behaviour.product_level(changes, read_blob) if product else behaviour.NONE)
        return computed[0]

    subject = message.strip().split("\n", 1)[0]
    prefix = _CONVENTIONAL.match(subject)
    if prefix and prefix["type"].lower() in rules.conventional:
        scope = (prefix["scope"] or "").lower()
        kind = DEPS if scope in ("deps", "deps-dev") else rules.conventional[prefix["type"].lower()]
        why = f"conventional prefix '{prefix['type'].lower()}{'(' + scope + ')' if scope else ''}:'"
        if kind != FIX:
            return Label(kind, why)
        if fix_words.search(subject):  # a --bugfix-pattern that does not take `fix:` as a fix overrules it
            return _claimed_fix(message, level(), changes, why, rules)
    for rule in rules.before_fix:
        if rule.matches(subject, message, level):
            return Label(rule.kind, rule.name)
    # The subject speaks for the commit; a squashed pull request's body lists every step
    # ("* Fix lint", "* fix test"), so there only a closing reference ("Fixes #12") counts.
    worded = bool(fix_words.search(_CLOSING.sub(" ", subject)))
    closing = not worded and any(fix_words.search(m.group(0)) for m in _CLOSING.finditer(message))
    if closing and _feature_subject(subject, rules):
        return Label(
            FEATURE, "only a closing reference says fix ('fixes #N'), the subject starts with a feature verb"
        )
    if worded or closing:
        why = "the message says fix" if worded else "a closing reference says fix ('fixes #N')"
        return _claimed_fix(message, level(), changes, why, rules)
    if not product:
        return _by_files(changes, "")
    custom = fix_words.pattern != messages.DEFAULT_BUGFIX_PATTERN  # a --bugfix-pattern alone says fix
    for rule in rules.after_fix:
        if not (custom and rule.kind == FIX) and rule.matches(subject, message, level):
            return Label(rule.kind, rule.name)
    return Label(FEATURE, UNSIGNALLED_RULE)
