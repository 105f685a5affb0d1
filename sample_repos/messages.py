"""Commit messages with known meaning: bug-fix wording and issue references, planted on purpose.

The product classifies messages (is this a bug fix? which issues does it name?), so the sample
messages carry every reference style seen in the wild and non-bug messages whose words merely look
buggy ('prefix', 'debugger', 'fixtures'). Each generated message remembers what was planted, which
is the ground truth the manifest records; nothing here parses messages back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from random import Random

GITHUB_URL = "https://github.com/acme/widget/issues/{n}"
JIRA_PROJECT = "PROJ"


@dataclass(frozen=True)
class IssueRef:
    """An issue reference as planted: tracker, issue id, the exact text, and whether it closes it."""

    tracker: str  # "github" or "jira"
    issue: str  # "12" or "PROJ-123"
    text: str
    closes: bool = False

    def as_json(self) -> dict[str, object]:
        return {"tracker": self.tracker, "issue": self.issue, "text": self.text, "closes": self.closes}


@dataclass(frozen=True)
class Message:
    """A full commit message and the facts planted in it."""

    text: str
    bugfix: bool = False
    refs: tuple[IssueRef, ...] = field(default=())

    @property
    def subject(self) -> str:
        return self.text.split("\n", 1)[0]


THINGS = (
    "caching",
    "streaming",
    "retry",
    "timeout",
    "plugin",
    "config file",
    "CSV export",
    "unicode",
    "async",
)
FEATURE = (
    "Add {thing} support to {mod}",
    "Implement {thing} for {mod}",
    "Support {thing} in {func}",
    "Introduce {thing} option",
    "Add {func} to {mod}",
)
TRICKY = (  # words that contain 'fix' or 'debug' yet describe no bug fix
    "Add prefix handling",
    "Add prefix handling to {mod}",
    "Refactor debugger UI",
    "Add debug logging to {func}",
    "Support custom prefixes in {mod}",
    "Add fixtures for {mod} tests",
    "Handle suffix and prefix options in {func}",
    "Improve debug output of {mod}",
)
REFACTOR = (
    "Refactor {func}",
    "Clean up {mod}",
    "Simplify {func}",
    "Tidy up {mod}",
    "Extract helper from {func}",
)
BUGFIX = (
    "Fix crash in {func} when input is empty",
    "Fix off-by-one error in {func}",
    "bugfix: {func} ignored the timeout",
    "hotfix {mod} regression",
    "Fix {func} returning None",
    "Fix race condition in {mod}",
    "Fix wrong default in {func}",
    "Fix bug in {func} with unicode input",
    "hotfix: restore {func} behaviour",
    "Bugfix for {mod} on Windows",
)
BY_EDIT = {
    "tweak": ("Change {detail} in {func}", "Tune limits in {func}"),
    "branch": ("Validate arguments of {func}", "Guard {func} against missing input"),
    "rename": ("Rename {detail} in {func}", "Use clearer names in {func}"),
    "add_function": ("Add {func} to {mod}", "Port {func} into {mod}"),
    "remove_function": ("Remove unused {func}", "Drop {func} from {mod}"),
    "add_file": ("Add {mod} module", "Create {mod}"),
    "delete_file": ("Remove {mod}", "Drop obsolete {mod} module"),
    "move_file": ("Move {mod} to {detail}", "Relocate {mod} into {detail}"),
    "docs": ("Update docs", "Document {mod}", "Update README", "docs: describe {thing}"),
    "tests": ("Add tests for {mod}", "Extend {mod} tests"),
    "sweep": ("Apply naming cleanup across {detail} modules", "Refactor {detail} modules for consistency"),
}
BODY = (
    "The previous behaviour surprised users of {mod}.",
    "This keeps {func} in line with the rest of the package.",
    "Reported on the mailing list; see the discussion there.",
    "No functional change intended for callers of {func}.",
)
BULLETS = ("update {mod}", "adjust {func}", "refresh docs", "add notes to CHANGELOG")


class Messages:
    """Seeded message factory; `issue_rate` is the share of messages that name an issue."""

    def __init__(self, rng: Random, issue_rate: float = 0.3, bugfix_rate: float = 0.18) -> None:
        self.rng = rng
        self.issue_rate = issue_rate
        self.bugfix_rate = bugfix_rate
        self.issues = 12

    def _fill(self, template: str, mod: str, func: str, detail: str) -> str:
        return template.format(mod=mod, func=func, detail=detail, thing=self.rng.choice(THINGS))

    def issue_ref(self, bugfix: bool) -> IssueRef:
        """One reference in a random style; 'fixes' only ever goes on bug fixes."""
        styles = ["#", "GH-", "closes", "resolves", "jira", "url"] + (["fixes"] * 3 if bugfix else [])
        style = self.rng.choice(styles)
        self.issues += self.rng.random() < 0.5
        number = self.rng.randint(1, self.issues)
        texts = {
            "#": f"#{number}",
            "GH-": f"GH-{number}",
            "fixes": f"{self.rng.choice(['fixes', 'Fixes', 'fix'])} #{number}",
            "closes": f"{self.rng.choice(['Closes', 'closes'])} #{number}",
            "resolves": f"{self.rng.choice(['resolves', 'Resolves'])} #{number}",
            "url": GITHUB_URL.format(n=number),
        }
        if style == "jira":
            key = f"{JIRA_PROJECT}-{100 + number}"
            return IssueRef("jira", key, key)
        return IssueRef("github", str(number), texts[style], closes=style in ("fixes", "closes", "resolves"))

    def compose(
        self,
        subject: str,
        *,
        bugfix: bool = False,
        ref: IssueRef | None = None,
        body: str = "",
    ) -> Message:
        """Place a reference where people put them: subject suffix, Jira prefix, or a body line."""
        refs: tuple[IssueRef, ...] = ()
        if ref is not None:
            refs = (ref,)
            if ref.tracker == "jira":
                subject = f"{ref.text}: {subject}" if self.rng.random() < 0.6 else f"[{ref.text}] {subject}"
            elif ref.text.startswith(("#", "GH-")):
                subject = f"{subject} ({ref.text})"
            else:
                body = f"{body}\n\n{ref.text if ref.closes else 'See ' + ref.text}".strip()
        text = subject + (f"\n\n{body}" if body else "")
        return Message(text + "\n", bugfix, refs)

    def describe(self, kind: str, mod: str, func: str = "", detail: str = "") -> Message:
        """A message for a random change of `kind`; code edits are sometimes worded as bug fixes."""
        func = func or mod
        roll = self.rng.random()
        bugfix = kind in ("tweak", "branch", "rename") and roll < self.bugfix_rate
        if bugfix:
            template = self.rng.choice(BUGFIX)
        elif kind in ("tweak", "branch", "rename", "add_function") and roll < 0.4:
            template = self.rng.choice(FEATURE + TRICKY + REFACTOR)
        else:
            template = self.rng.choice(BY_EDIT[kind])
        subject = self._fill(template, mod, func, detail)
        body = ""
        shape = self.rng.random()
        if shape < 0.12:
            body = "\n".join(
                f"- {self._fill(line, mod, func, detail)}" for line in self.rng.sample(BULLETS, 3)
            )
        elif shape < 0.3:
            body = self._fill(self.rng.choice(BODY), mod, func, detail)
        ref = self.issue_ref(bugfix) if self.rng.random() < self.issue_rate + (0.3 if bugfix else 0) else None
        return self.compose(subject, bugfix=bugfix, ref=ref, body=body)
