"""`demo`: a few hundred commits with every awkward thing a real history has, each one planted.

Random development work fills the gaps between scripted events placed at fixed shares of the
history: hostile files, renames across directories, a file deleted and re-added, reverts, merges
of feature branches (one where the trunk moved on meanwhile), lightweight and annotated semver
tags plus a non-semver one, and messages in every issue-reference style, including bug-fix
wording and non-bug messages with misleading words.
"""

from __future__ import annotations

from collections.abc import Callable

from qroi.sample_repos import hostile
from qroi.sample_repos.history import TEAM, Commit
from qroi.sample_repos.messages import IssueRef, Message
from qroi.sample_repos.scenarios import Context, Scenario

# (subject, bug-fix worded, planted reference, case) -- every style the product must recognise
SCRIPTED_MESSAGES = (
    (
        "Fix crash in {func} when the config is missing",
        True,
        IssueRef("github", "12", "fixes #12", True),
        "fixes",
    ),
    ("Add CSV export", False, IssueRef("github", "12", "#12"), "hash"),
    ("Support plugin discovery", False, IssueRef("github", "12", "GH-12"), "gh"),
    ("Add retry option to the downloader", False, IssueRef("github", "7", "Closes #7", True), "closes"),
    ("Document the configuration format", False, IssueRef("github", "3", "resolves #3", True), "resolves"),
    ("Speed up code-point lookups", False, IssueRef("jira", "PROJ-123", "PROJ-123"), "jira"),
    (
        "Stream large files in the loader",
        False,
        IssueRef("github", "12", "https://github.com/acme/widget/issues/12"),
        "url",
    ),
    ("Add prefix handling", False, None, "tricky"),
    ("Refactor debugger UI", False, None, "tricky"),
    ("Add fixtures for {func} tests", False, None, "tricky"),
    ("Add debug logging to {func}", False, None, "tricky"),
    ("bugfix: {func} ignored the timeout", True, None, "bugfix"),
    ("Fix off-by-one error in {func}", True, IssueRef("jira", "PROJ-130", "PROJ-130"), "bugfix"),
)

MULTILINE = """Rework the plugin loader

The loader used to import every plugin eagerly, which made start-up slow
when many plugins were installed.

- discover plugins lazily
- cache the entry-point lookup
- document the new behaviour

Refs PROJ-321
"""


def _plant(ctx: Context, files: list[hostile.Hostile], message: str, author_index: int) -> Commit:
    for item in files:
        ctx.history.tree.write(item.path, item.data, item.mode)
        ctx.activity.used_paths.add(item.path)  # random work never creates a module over it
    commit = ctx.activity.commit(message, author=TEAM[author_index])
    for item in files:
        ctx.history.note("hostile", commit=commit, **item.as_json())
    return commit


def _scripted_message(index: int) -> Callable[[Context], None]:
    subject, bugfix, ref, case = SCRIPTED_MESSAGES[index]

    def event(ctx: Context) -> None:
        edits = ctx.activity.touch_code(1)
        func = edits[0].target if edits else "loader"
        message = ctx.messages.compose(subject.format(func=func), bugfix=bugfix, ref=ref)
        commit = ctx.activity.commit(message)
        ctx.history.note("message_cases", commit=commit, case=case, bugfix=bugfix)

    return event


def _initial(ctx: Context) -> None:
    ctx.activity.scaffold(modules=5)
    ctx.activity.commit("Initial commit", author=ctx.history.maintainer)


def _multiline(ctx: Context) -> None:
    ctx.activity.add_module()
    ref = IssueRef("jira", "PROJ-321", "PROJ-321")
    commit = ctx.activity.commit(Message(MULTILINE, refs=(ref,)))
    ctx.history.note("message_cases", commit=commit, case="multiline", bugfix=False)


def _legacy(ctx: Context) -> None:
    files = [hostile.python2(), hostile.latin1_without_cookie(), hostile.latin1_with_cookie()]
    body = "\n".join(f"- {item.path}" for item in files)
    _plant(ctx, files, f"Import legacy helpers from the old tool\n\n{body}\n", 3)


def _generated(ctx: Context) -> None:
    _plant(ctx, [hostile.huge_table(), hostile.deep_nesting()], "Add generated code-point tables", 2)


def _assets(ctx: Context) -> None:
    files = [hostile.png(), hostile.empty(), hostile.crlf(), hostile.utf8_bom(), hostile.syntax_error()]
    _plant(ctx, files, "Add logo, Windows helper and parser draft", 1)


def _tooling(ctx: Context) -> None:
    files = [hostile.unicode_path(), hostile.space_path(), hostile.symlink(), hostile.executable()]
    _plant(ctx, files, "Add release tooling and data model", 5)


def _release(version: str, annotated: bool) -> Callable[[Context], None]:
    def event(ctx: Context) -> None:
        commit = ctx.activity.release(version)
        message = f"widget {version}\n\nSee CHANGELOG.md for the changes.\n" if annotated else None
        ctx.history.tag(f"v{version}", commit, message=message)

    return event


def _checkpoint_tag(ctx: Context) -> None:
    """A tag that is not a version: release tooling must not mistake it for one."""
    ctx.history.tag("before-big-refactor")


def _hotfix_release(ctx: Context) -> None:
    edits = ctx.activity.touch_code(1)
    target = edits[0].target if edits else "widget"
    commit = ctx.activity.commit(ctx.messages.compose(f"hotfix {target} regression", bugfix=True))
    ctx.history.note("message_cases", commit=commit, case="bugfix", bugfix=True)
    _release("0.2.1", annotated=True)(ctx)


def _trunk_moved_merge(ctx: Context) -> None:
    merge = ctx.activity.feature(7, length=4, trunk_commits=2, style="pr")
    ctx.history.note("planted_merges", commit=merge, trunk_moved=True)


def _no_ff_merge(ctx: Context) -> None:
    merge = ctx.activity.feature(4, length=3, trunk_commits=0, style="merge")
    ctx.history.note("planted_merges", commit=merge, trunk_moved=False)


def _movable(ctx: Context) -> list[str]:
    return [p for p in ctx.history.tree.python_paths() if p.startswith("src/widget/")]


def _pure_rename(ctx: Context) -> None:
    path = ctx.rng.choice(_movable(ctx))
    ctx.activity.commit(ctx.activity.move(path, edit=False))


def _rename_with_edit(ctx: Context) -> None:
    path = ctx.rng.choice(_movable(ctx))
    ctx.activity.commit(ctx.activity.move(path, edit=True))


def _revert(bugfix: bool) -> Callable[[Context], None]:
    """A commit, an unrelated one, then `git revert` of the first (clean by construction)."""

    def event(ctx: Context) -> None:
        edits = ctx.activity.touch_code(1)
        target = edits[0].target if edits else "widget"
        subject = f"Fix wrong default in {target}" if bugfix else f"Tune limits in {target}"
        reverted = ctx.activity.commit(ctx.messages.compose(subject, bugfix=bugfix))
        ctx.activity.step(avoid=set(reverted.changes))
        revert = ctx.history.revert(reverted)
        ctx.history.note("planted_reverts", revert=revert, reverted=reverted)

    return event


def _delete_for_readd(ctx: Context) -> None:
    path = ctx.rng.choice(_movable(ctx))
    entry = ctx.history.tree.remove(path)
    commit = ctx.activity.commit(f"Remove deprecated {path.rsplit('/', 1)[1]}")
    ctx.history.note("readded", path=path, deleted_in=commit)
    ctx.activity.used_paths.add(path)
    ctx.state["parked"] = (path, entry)


def _readd(ctx: Context) -> None:
    path, entry = ctx.state.pop("parked")
    ctx.history.tree.write(path, entry)
    commit = ctx.activity.commit(f"Restore {path.rsplit('/', 1)[1]}, still used by plugins")
    ctx.history.notes["readded"][-1].update(readded_in=commit, same_content=True)


def _empty_message(ctx: Context) -> None:
    ctx.activity.touch_code(1)
    commit = ctx.activity.commit(Message(""))
    ctx.history.note("message_cases", commit=commit, case="empty_message", bugfix=False)


def _timeline() -> list[tuple[float, Callable[[Context], None]]]:
    events: list[tuple[float, Callable[[Context], None]]] = [
        (0.0, _initial),
        (0.04, _multiline),
        (0.08, _legacy),
        (0.12, _release("0.1.0", annotated=False)),
        (0.14, _generated),
        (0.2, _assets),
        (0.24, _tooling),
        (0.28, _trunk_moved_merge),
        (0.33, _pure_rename),
        (0.36, _revert(bugfix=False)),
        (0.42, _release("0.2.0", annotated=True)),
        (0.46, _hotfix_release),
        (0.5, _delete_for_readd),
        (0.53, _no_ff_merge),
        (0.57, _empty_message),
        (0.6, _rename_with_edit),
        (0.63, _revert(bugfix=True)),
        (0.66, _checkpoint_tag),
        (0.7, _readd),
        (0.75, _release("0.3.0", annotated=False)),
        (0.92, _release("1.0.0", annotated=True)),
    ]
    spread = [
        (0.15 + 0.7 * i / len(SCRIPTED_MESSAGES), _scripted_message(i)) for i in range(len(SCRIPTED_MESSAGES))
    ]
    return sorted(events + spread, key=lambda item: item[0])


def populate(ctx: Context) -> None:
    """Run the timeline, filling the gaps with random work, ending at exactly `ctx.commits`."""
    ctx.activity.branch_rate = 0.1
    ctx.activity.revert_rate = 0.0
    for share, event in _timeline():
        ctx.activity.fill_until(ctx.at(share))
        event(ctx)
    ctx.activity.fill_until(ctx.commits)


SCENARIO = Scenario(
    name="demo",
    summary="a few hundred commits with hostile files, renames, reverts, merges, tags and tricky messages",
    default_commits=300,
    min_commits=120,
    populate=populate,
)
