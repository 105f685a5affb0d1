"""The change kinds' names and the default rule's wording, apart from `qroi.labels.kinds` so that the
read side can compare stored kinds without importing the classifier (which parses syntax trees)."""

from __future__ import annotations

FIX, FEATURE, REFACTOR, DOCS, STYLE, TEST, BUILD, DEPS, RELEASE, REVERT, MERGE = (
    "fix",
    "feature",
    "refactor",
    "docs",
    "style",
    "test",
    "build",
    "deps",
    "release",
    "revert",
    "merge",
)
KINDS = (FIX, FEATURE, REFACTOR, DOCS, STYLE, TEST, BUILD, DEPS, RELEASE, REVERT, MERGE)
UNSIGNALLED_RULE = "changes product files; no other signal"
"""The rule of a commit called feature only by default: nothing in it says it changed behaviour."""
