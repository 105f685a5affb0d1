"""Who commits when, on which branch: the team, the clock, and a git-like history over fast-import.

A scenario stages changes in `History.tree` (a `Project`) and calls `commit`, `branch`, `merge`,
`revert` and `tag` much as a developer would call git. Everything that is random draws from the
seeded generator handed in, and time comes from `Clock`, never from the wall clock, so a scenario
replays to the same shas.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from random import Random
from typing import Any

from qroi.sample_repos.fastimport import Delete, FastImport, Modify, Signature
from qroi.sample_repos.messages import Message
from qroi.sample_repos.project import Entry, Project

DAY = 86_400
HOUR = 3_600
START = 1_614_589_200  # 2021-03-01 09:00 UTC: every history starts here, whatever today is
TRUNK = "main"


@dataclass(frozen=True)
class Person:
    """A git identity with a home time zone; `weight` is how often they author random commits."""

    name: str
    email: str
    tz: str
    weight: int = 1
    role: str = "developer"

    def at(self, when: int) -> Signature:
        return Signature(self.name, self.email, when, self.tz)

    def as_json(self) -> dict[str, object]:
        return {"name": self.name, "email": self.email, "tz": self.tz, "role": self.role}


def tz_seconds(tz: str) -> int:
    """'+0530' -> 19800: local time is what decides weekends and nights."""
    sign = -1 if tz.startswith("-") else 1
    return sign * (int(tz[1:3]) * HOUR + int(tz[3:5]) * 60)


TEAM = (
    Person("Alice Martin", "alice@acme.example", "+0100", 5, "maintainer"),
    Person("Bob Stone", "bob@acme.example", "-0700", 4),
    Person("Chandra Iyer", "chandra.iyer@example.com", "+0530", 3),
    Person("Dana Okafor", "dana@okafor.example", "+0000", 2),
    Person("Eiji Tanaka", "eiji.tanaka@example.jp", "+0900", 2),
    Person("João Conceição", "joao@acme.example", "-0300", 2),
    Person("Bob Stone", "bob.stone@home.example", "-0700", 1, "alias of bob@acme.example"),
)
GITHUB = Person("GitHub", "noreply@github.com", "+0000", 0, "merge committer")


def as_message(message: Message | str) -> Message:
    """Plain strings get git's trailing newline; an empty message stays empty (it is a planted case)."""
    if isinstance(message, Message):
        return message
    return Message(message if not message or message.endswith("\n") else message + "\n")


class Clock:
    """Simulated time: irregular steps, a few long gaps, mostly weekdays and daytime.

    Commit i is aimed at a planned time spread evenly over the span, so any history size covers
    the same few years. A holiday shifts the rest of the plan (later commits get denser), and
    night or weekend commits are pushed to the next working morning unless the clock already runs
    more than a day behind plan, which bounds the drift. Time never goes backwards.
    """

    def __init__(self, rng: Random, start: int, span_days: float, commits: int) -> None:
        self.rng = rng
        self.start = start
        self.now = start
        self.span = span_days * DAY
        self.commits = max(commits, 1)
        self.mean = self.span / self.commits
        self.ticks = 0
        self.shift = 0.0

    def tick(self, tz: str) -> int:
        """Advance to the next commit time of someone in zone `tz`."""
        rng = self.rng
        if rng.random() < 6 / self.commits and self.shift < self.span / 4:
            self.shift += rng.uniform(5, 20) * DAY
        planned = self.start + self.shift + (self.span - self.shift) * self.ticks / self.commits
        self.ticks += 1
        when = max(self.now + 60, int(planned + rng.uniform(-0.5, 0.5) * self.mean))
        if when - planned > DAY:
            self.now = when
            return when
        offset = tz_seconds(tz)
        local = when + offset
        hour = local % DAY // HOUR
        if (hour < 7 or hour >= 22) and rng.random() < 0.8:
            days = 1 if hour >= 22 else 0
            local = local - local % DAY + days * DAY + rng.randint(8 * HOUR, 11 * HOUR)
        weekday = (local // DAY + 3) % 7  # 1970-01-01 was a Thursday; Monday is 0
        if weekday >= 5 and rng.random() < 0.85:
            local = local - local % DAY + (7 - weekday) * DAY + rng.randint(8 * HOUR, 11 * HOUR)
        self.now = max(when, local - offset)
        return self.now

    def later(self, low: int, high: int) -> int:
        """A moment shortly after now (a committer applying a patch, a tag after a release)."""
        self.now += self.rng.randint(low, max(low, min(high, int(3 * self.mean))))
        return self.now


@dataclass(eq=False)
class Commit:
    """A written commit; `sha` is filled in when fast-import finishes."""

    mark: int
    branch: str
    parents: tuple[Commit, ...]
    message: Message
    author: Person
    committer: Person
    when: int
    changes: dict[str, tuple[Entry | None, Entry | None]]
    revert_of: Commit | None = None
    sha: str = ""


@dataclass(eq=False)
class Branch:
    """A branch's working tree, its committed files, and where it forked (for three-way merges)."""

    name: str
    tree: Project
    committed: dict[str, Entry]
    tip: Commit | None = None
    fork: Commit | None = None
    fork_files: dict[str, Entry] = field(default_factory=dict)


@dataclass(frozen=True)
class Tag:
    name: str
    target: Commit
    annotated: bool


@dataclass(frozen=True)
class Merge:
    commit: Commit
    branch: str
    trunk_moved: bool  # the target branch got commits after the fork: a true three-way merge


class MergeConflict(RuntimeError):
    """Both sides changed one path differently; scenarios must keep branches on separate paths."""


class History:
    """The repository being written: branches, commits, tags and planted facts."""

    def __init__(
        self, writer: FastImport, rng: Random, clock: Clock, team: tuple[Person, ...] = TEAM
    ) -> None:
        self.writer = writer
        self.rng = rng
        self.clock = clock
        self.team = team
        self.maintainer = next(p for p in team if p.role == "maintainer")
        self.committer_rate = 0.1
        self.commits: list[Commit] = []
        self.tags: list[Tag] = []
        self.merges: list[Merge] = []
        self.deleted_branches: list[str] = []
        self.notes: dict[str, list[dict[str, Any]]] = {}
        self.branches = {TRUNK: Branch(TRUNK, Project(), {})}
        self.current = TRUNK

    @property
    def branch_state(self) -> Branch:
        return self.branches[self.current]

    @property
    def tree(self) -> Project:
        """The current branch's working tree, where changes are staged before `commit`."""
        return self.branch_state.tree

    @property
    def head(self) -> Commit:
        tip = self.branch_state.tip
        if tip is None:
            raise RuntimeError(f"branch {self.current} has no commits yet")
        return tip

    @property
    def count(self) -> int:
        return len(self.commits)

    def pick_author(self) -> Person:
        people = [p for p in self.team if p.weight > 0]
        return self.rng.choices(people, weights=[p.weight for p in people])[0]

    def note(self, section: str, **fields: Any) -> None:
        """Record a planted fact for the manifest; Commit values become shas when written."""
        self.notes.setdefault(section, []).append(fields)

    def _signatures(
        self, author: Person | None, committer: Person | None, when: int | None, committed: int | None = None
    ) -> tuple[Person, Person, int, int]:
        author = author or self.pick_author()
        if when is None:
            when = self.clock.tick(author.tz)
        else:  # a scripted date: later commits continue from it
            self.clock.now = max(self.clock.now, when)
        if committer is None and author is not self.maintainer and self.rng.random() < self.committer_rate:
            committer = self.maintainer
        if committed is not None:  # a scripted landing time (a squash merge applied later)
            self.clock.now = max(self.clock.now, committed)
        elif committer not in (None, author):
            committed = self.clock.later(5 * 60, 2 * DAY)
        return author, committer or author, when, when if committed is None else committed

    def _write(
        self,
        branch: Branch,
        message: Message,
        parents: tuple[Commit, ...],
        people: tuple[Person, Person, int, int],
        revert_of: Commit | None = None,
    ) -> Commit:
        changes = branch.tree.take_changes(branch.committed)
        ops: list[Modify | Delete] = []
        for path in sorted(changes):
            after = changes[path][1]
            if after is None:
                ops.append(Delete(path))
                del branch.committed[path]
            else:
                ops.append(Modify(path, self.writer.blob(after.data), after.mode))
                branch.committed[path] = after
        author, committer, when, committed = people
        mark = self.writer.commit(
            f"refs/heads/{branch.name}",
            author.at(when),
            committer.at(committed),
            message.text,
            [parent.mark for parent in parents],
            ops,
        )
        commit = Commit(mark, branch.name, parents, message, author, committer, when, changes, revert_of)
        branch.tip = commit
        self.commits.append(commit)
        return commit

    def commit(
        self,
        message: Message | str,
        *,
        author: Person | None = None,
        committer: Person | None = None,
        when: int | None = None,
        committed: int | None = None,
    ) -> Commit:
        """Commit what is staged in `tree` on the current branch (an empty change set is allowed);
        `when` scripts the author time, `committed` the committer time (default: the author's)."""
        branch = self.branch_state
        parents = (branch.tip,) if branch.tip else ()
        people = self._signatures(author, committer, when, committed)
        return self._write(branch, as_message(message), parents, people)

    def branch(self, name: str, start: str | None = None) -> None:
        """Create `name` at the tip of `start` (default: the current branch) and switch to it."""
        source = self.branches[start or self.current]
        if name in self.branches:
            raise ValueError(f"branch {name} already exists")
        files = dict(source.committed)
        self.branches[name] = Branch(name, Project(dict(files)), files.copy(), source.tip, source.tip, files)
        self.switch(name)

    def switch(self, name: str) -> None:
        """Check out another branch; staged but uncommitted changes would be lost, so refuse them."""
        if self.tree.dirty:
            raise RuntimeError(f"uncommitted changes on {self.current}: {sorted(self.tree.dirty)[:3]}")
        self.current = name

    def merge(
        self,
        source: str,
        *,
        message: Message | str | None = None,
        author: Person | None = None,
        committer: Person | None = None,
        fast_forward: bool = False,
        delete: bool = True,
        when: int | None = None,
    ) -> Commit:
        """Merge `source` into the current branch, as `git merge --no-ff` unless `fast_forward`.

        File-level three-way merge from the fork point; a path changed differently on both sides
        raises MergeConflict. A merged branch's ref is deleted afterwards, as after a pull request.
        `when` scripts the merge's time (its author and committer time).
        """
        into, theirs = self.branch_state, self.branches[source]
        if into.tree.dirty:
            raise RuntimeError(f"uncommitted changes on {self.current}")
        assert theirs.tip is not None and into.tip is not None
        moved = into.tip is not theirs.fork
        if fast_forward:
            if moved:
                raise ValueError(f"cannot fast-forward {self.current} to {source}: it moved on")
            into.tip, into.committed = theirs.tip, dict(theirs.committed)
            into.tree = Project(dict(theirs.committed))
            self.writer.reset(f"refs/heads/{into.name}", theirs.tip.mark)
            self._forget(source, delete)
            return theirs.tip
        base = theirs.fork_files
        for path in sorted(set(base) | set(theirs.committed)):
            old, new = base.get(path), theirs.committed.get(path)
            if old == new:
                continue
            ours = into.committed.get(path)
            if ours not in (old, new):
                raise MergeConflict(f"{path} changed on both {self.current} and {source}")
            if new is None:
                into.tree.remove(path)
            else:
                into.tree.write(path, new)
        if message is None:
            message = f"Merge branch '{source}'" + ("" if into.name == TRUNK else f" into {into.name}")
        people = self._signatures(author, committer, when)
        commit = self._write(into, as_message(message), (into.tip, theirs.tip), people)
        self.merges.append(Merge(commit, source, moved))
        self._forget(source, delete)
        return commit

    def _forget(self, name: str, delete: bool) -> None:
        if delete:
            self.deleted_branches.append(name)
            del self.branches[name]

    def revert(self, target: Commit, *, author: Person | None = None, when: int | None = None) -> Commit:
        """`git revert`: undo a commit whose paths were not touched since, with git's message."""
        branch = self.branch_state
        if branch.tree.dirty:
            raise RuntimeError(f"uncommitted changes on {self.current}")
        for path, (_, after) in target.changes.items():
            if branch.committed.get(path) != after:
                raise ValueError(f"cannot revert {target.message.subject!r} cleanly: {path} changed since")
        for path, (before, _) in target.changes.items():
            if before is None:
                branch.tree.remove(path)
            else:
                branch.tree.write(path, before)
        sha = self.writer.get_mark(target.mark)
        text = f'Revert "{target.message.subject}"\n\nThis reverts commit {sha}.\n'
        people = self._signatures(author, None, when)
        return self._write(branch, Message(text), (self.head,), people, revert_of=target)

    def tag(
        self,
        name: str,
        target: Commit | None = None,
        *,
        message: str | None = None,
        tagger: Person | None = None,
    ) -> Tag:
        """A lightweight tag, or an annotated one when a message is given."""
        target = target or self.head
        if message is None:
            self.writer.reset(f"refs/tags/{name}", target.mark)
        else:
            person = tagger or self.maintainer
            self.writer.annotated_tag(name, target.mark, person.at(self.clock.later(60, 3 * HOUR)), message)
        tag = Tag(name, target, message is not None)
        self.tags.append(tag)
        return tag

    def finish(self) -> None:
        """Close the stream and give every commit its sha."""
        marks = self.writer.close()
        for commit in self.commits:
            commit.sha = marks[commit.mark]
