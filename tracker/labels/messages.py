"""Delivery signals read from commit messages: bug-fix flag, reverts, issue references.

The rules are deliberately simple, documented in the README and configurable, because every
downstream number (defect counts, SZZ) inherits their errors: a user who knows their team's
conventions should be able to state them.
"""

from __future__ import annotations

import re

# Words that mark a bug fix. Word boundaries keep "prefix", "debug", "suffix" out.
DEFAULT_BUGFIX_PATTERN = (
    r"\b(fix(e[sd]|ing)?|bug(s|fix(es)?)?|hot-?fix(es)?|defects?|faults?|crash(es|ed)?|regressions?)\b"
)
# Upper-case words followed by a number that are not issue keys.
_NOT_KEYS = "UTF ISO SHA MD PEP CVE RFC HTTP TLS SSL X AES RSA GPL LGPL CP WIN PY V COVID IPV HTML ES ECMA IEEE UCS BASE LATIN AGPL"
NOT_ISSUE_KEYS = frozenset(_NOT_KEYS.split())

_CLOSING = r"(?:close[sd]?|closing|fix(?:e[sd])?|fixing|resolve[sd]?|resolving)"
_REF = (
    r"(?:https?://\S+?/(?:issues|pull)/(?P<url_num>\d+)"
    r"|https?://\S+?/browse/(?P<url_key>[A-Z][A-Z0-9_]+-\d+)"
    r"|(?<![\w&/])(?:GH-|#)(?P<num>\d+)\b"
    r"|\b(?P<key>[A-Z][A-Z0-9_]+-\d+)\b)"
)
_REF_RE = re.compile(_REF)
_CLOSING_RE = re.compile(rf"\b{_CLOSING}\s*:?\s+{_REF}", re.IGNORECASE)
_REVERT_SHA = re.compile(r"This reverts commit ([0-9a-f]{7,40})", re.IGNORECASE)
_REVERT_SUBJECT = re.compile(r'^Revert\s+"', re.IGNORECASE)


def bugfix_regex(pattern: str = DEFAULT_BUGFIX_PATTERN) -> re.Pattern[str]:
    """The bug-fix rule as a compiled, case-insensitive regex (a bad pattern raises re.error)."""
    return re.compile(pattern, re.IGNORECASE)


def _normalise(match: re.Match[str]) -> str | None:
    num = match.group("url_num") or match.group("num")
    if num:
        return f"#{num}"
    key = match.group("url_key") or match.group("key")
    if key and key.split("-")[0] not in NOT_ISSUE_KEYS:
        return key
    return None


def issue_refs(message: str) -> dict[str, str]:
    """Issue references in a message, normalised ('#12', 'PROJ-7'), with 'closes' or 'mentions'."""
    refs: dict[str, str] = {}
    for match in _REF_RE.finditer(message):
        ref = _normalise(match)
        if ref:
            refs.setdefault(ref, "mentions")
    # The closing regex is case-insensitive for the keyword; re-read the reference case-sensitively.
    for match in _CLOSING_RE.finditer(message):
        inner = _REF_RE.search(message, match.start(), match.end())
        ref = _normalise(inner) if inner else None
        if ref:
            refs[ref] = "closes"
    return refs


def revert_of(message: str) -> tuple[bool, str | None]:
    """(is a revert, the reverted sha or abbreviation when git's standard message names it)."""
    found = _REVERT_SHA.search(message)
    return bool(found or _REVERT_SUBJECT.match(message)), found.group(1) if found else None


def is_bugfix(message: str, regex: re.Pattern[str]) -> bool:
    """A revert is not a fix by this rule: it is counted as a revert."""
    if _REVERT_SUBJECT.match(message):
        return False
    return bool(regex.search(message))
