"""Planted time to change: `cycle_times`, a history of merged branches, squash merges and releases.

Twelve modules under `src/speed/`. Thirty changes land on `main` one after the other, every one
on one module, at scripted times:

- a merged branch (every third change): one to three commits on a branch, authored hours or days
  apart, then a `--no-ff` merge; its cycle time is the merge time minus the first commit's author
  time;
- a squash merge or rebase (the others): one commit on `main` whose committer time is a planted
  delay after its author time (a maintainer applying it);
- every fifth change is a fix ("Fix ..."); a release tag (annotated) follows every sixth.

`notes.cycle_times` lists every change: its landing commit, method, module, first author time,
landing time, planted cycle time (seconds) and whether it is a fix; `notes.releases` the tags in
order with the changes they follow.
"""

from __future__ import annotations

from qroi.sample_repos.history import DAY, HOUR, TRUNK
from qroi.sample_repos.scenarios import Context, Scenario

MODULES = 12
CHANGES = 30


def _module(index: int, revision: int) -> str:
    return (
        f'"""Speed module {index}."""\n\nREVISION = {revision}\n\n\ndef value(x):\n    return x + {index}\n'
    )


def _populate(ctx: Context) -> None:
    h, rng = ctx.history, ctx.rng
    author = h.maintainer
    people = [p for p in h.team if p.weight > 0 and p is not h.maintainer]
    now = h.clock.now
    for i in range(MODULES):
        h.tree.write(f"src/speed/mod_{i:02d}.py", _module(i, 0))
    h.commit("Add the speed modules", author=author, committer=author, when=now)
    revision = [0] * MODULES
    written = 1
    for n in range(CHANGES):
        now += rng.randint(3, 9) * DAY
        module = rng.randrange(MODULES)
        path = f"src/speed/mod_{module:02d}.py"
        fix = n % 5 == 4
        who = rng.choice(people)
        subject = f"Fix wrong value in mod_{module:02d}" if fix else f"Extend mod_{module:02d}"
        if n % 3 == 0:
            h.branch(f"topic-{n}")
            first = now
            for k in range(rng.randint(1, 3)):
                revision[module] += 1
                h.tree.write(path, _module(module, revision[module]))
                h.commit(f"{subject}, step {k + 1}", author=who, committer=who, when=now)
                written += 1
                now += rng.randint(2, 40) * HOUR
            h.switch(TRUNK)
            landing = h.merge(f"topic-{n}", author=author, committer=author, when=now)
            method = "branch"
        else:
            first = now
            revision[module] += 1
            h.tree.write(path, _module(module, revision[module]))
            delay = rng.randint(1, 72) * HOUR + rng.randint(0, 3599)
            landing = h.commit(subject, author=who, committer=author, when=now, committed=now + delay)
            now += delay
            method = "author-to-commit"
        written += 1
        landed = now
        h.note(
            "cycle_times",
            landing=landing,
            method=method,
            path=path,
            first_authored_ts=first,
            landed_ts=landed,
            cycle_seconds=landed - first,
            is_fix=fix,
        )
        if n % 6 == 5:
            tag = h.tag(f"v1.{n // 6}", message=f"Release 1.{n // 6}\n")
            h.note("releases", tag=tag.name, after_change=n)
    filler = ctx.commits - written - 1
    for k in range(filler):
        h.tree.write("docs/notes.md", f"Notes {k}.\n")
        h.commit("Update notes", author=author, committer=author, when=now + (k + 1) * 600)
    h.tree.write("docs/notes.md", "Notes, final.\n")
    h.commit("Close the speed history", author=author, committer=author, when=now + (filler + 2) * 600)


SCENARIO = Scenario(
    "cycle_times",
    "planted: merged branches, squash merges and releases with known cycle and release times",
    default_commits=80,
    min_commits=80,
    populate=_populate,
    span_days=400,
)
