"""Planted payback of quality work: `payback_effect`, `payback_null`, `payback_rtm`.

Thirty-six modules under `src/pay/` of set size and branching (as in the claim scenarios, later
edits only bump a `REVISION = n` line, so a file's Radon scores change only when it is
refactored). Per file and quarter the number of commits is Poisson with a mean proportional to
the file's size; each commit is a bug fix with the file's probability, and lands after a planted
delay (committer time minus author time, a squash merge applied later), log-normal around the
file's mean delay. A refactoring is a commit "Refactor mod_NN: simplify the branching" that rewrites the
module with a third of its branches (lower complexity, same size class); it is not a fix.

- effect: 18 files are refactored, at staggered quarters 4-6 of 10; afterwards their bug-fix
  probability and their mean delay are halved (`payback_ratio` 0.5);
- null: the same refactorings, no change afterwards;
- rtm (regression to the mean): any file may have a burst quarter (`BURST` extra bug fixes);
  files are refactored in the quarter right after their burst (about half of the bursting
  files), with no change afterwards: a before/after comparison of the refactored files alone
  shows a drop that is only the burst ending.

`notes.payback` records the kind, the planted ratio and every refactoring (path, quarter, sha).
"""

from __future__ import annotations

import math
from random import Random

from qroi.sample_repos.history import DAY, HOUR, TEAM
from qroi.sample_repos.scenarios import Context, Scenario
from qroi.sample_repos.scenarios.claim import _module, _poisson

FILES = 36
QUARTERS = 10
QUARTER = 91 * DAY
TREATED = 18
P_FIX = 0.7
BURST = 4
"""Extra bug fixes in a burst quarter (the trap)."""
DELAY_SD = 0.6
"""SD of a change's log delay around its file's mean (log-normal)."""
CHANGES = 1.3
"""Mean commits per file and quarter (times the file's size over the median size)."""
PAYBACK_RATIO = 0.5
FIRST, LAST = 4, QUARTERS - 4
"""Refactoring quarters: three windows before for the pre-trends, four after (`qroi payback`'s defaults)."""


def _plan(rng: Random, kind: str) -> tuple[dict[int, int], dict[int, int]]:
    """(file -> refactoring quarter, file -> burst quarter)."""
    if kind != "rtm":
        files = rng.sample(range(FILES), TREATED)
        return {f: rng.randint(FIRST, LAST) for f in files}, {}
    bursts = {f: rng.randint(FIRST - 1, LAST - 1) for f in range(FILES) if rng.random() < 0.6}
    refactored = {f: q + 1 for f, q in bursts.items() if rng.random() < 0.5}
    return refactored, bursts


def _populate(ctx: Context, kind: str) -> None:
    h, rng = ctx.history, ctx.rng
    sizes = [math.exp(rng.uniform(math.log(60), math.log(300))) for _ in range(FILES)]
    densities = [rng.uniform(0.3, 0.9) for _ in range(FILES)]
    p_fix = [min(P_FIX * math.exp(rng.gauss(0, 0.3)), 0.9) for _ in range(FILES)]
    delay_hours = [math.exp(rng.uniform(math.log(6), math.log(72))) for _ in range(FILES)]
    texts = [_module(i, Random(f"m{i}"), int(sizes[i]), densities[i]) for i in range(FILES)]
    simpler = [_module(i, Random(f"m{i}"), int(sizes[i]), densities[i] / 3) for i in range(FILES)]
    paths = [f"src/pay/mod_{i:02d}.py" for i in range(FILES)]
    refactor_at, burst_at = _plan(rng, kind)
    after = PAYBACK_RATIO if kind == "effect" else 1.0
    median_size = sorted(sizes)[FILES // 2]

    start = h.clock.now
    for path, text in zip(paths, texts, strict=True):
        h.tree.write(path, text)
    h.commit("Add the modules", author=h.maintainer, committer=h.maintainer, when=start)
    events = []  # (time, file, what): what is "fix", "change" or "refactor"
    for quarter in range(1, QUARTERS + 1):
        for f in range(FILES):
            base = start + quarter * QUARTER
            treated = f in refactor_at and quarter > refactor_at[f]
            p = p_fix[f] * (after if treated else 1.0)
            for _ in range(_poisson(rng, CHANGES * sizes[f] / median_size)):
                events.append(
                    (base + rng.randint(DAY, QUARTER - DAY), f, "fix" if rng.random() < p else "change")
                )
            if burst_at.get(f) == quarter:
                events += [(base + rng.randint(DAY, QUARTER - DAY), f, "fix") for _ in range(BURST)]
            if refactor_at.get(f) == quarter:
                events.append((base + rng.randint(2 * DAY, 20 * DAY), f, "refactor"))
    events.sort()
    filler = ctx.commits - len(events) - 2
    if filler < 0:
        raise ValueError(f"scenario payback_{kind} needs at least {len(events) + 2} commits")
    revision = [0] * FILES
    people = [p for p in TEAM if p.weight > 0]
    refactorings = []
    done: set[int] = set()
    for when, f, what in events:
        revision[f] += 1
        if what == "refactor":
            done.add(f)
        text = simpler[f] if f in done else texts[f]
        h.tree.write(paths[f], text.replace("_REVISION = 0", f"_REVISION = {revision[f]}", 1))
        treated = f in refactor_at and when >= start + (refactor_at[f] + 1) * QUARTER
        mean = delay_hours[f] * (after if treated else 1.0)
        delay = int(mean * math.exp(rng.gauss(0, DELAY_SD)) * HOUR) + 60
        subject = {
            "fix": f"Fix wrong result in mod_{f:02d}",
            "change": f"Tune mod_{f:02d}",
            "refactor": f"Refactor mod_{f:02d}: simplify the branching",
        }[what]
        who = rng.choice(people)
        commit = h.commit(subject, author=who, committer=h.maintainer, when=when, committed=when + delay)
        if what == "refactor":
            refactorings.append({"path": paths[f], "quarter": refactor_at[f], "commit": commit})
    end = start + (QUARTERS + 1) * QUARTER + 40 * DAY
    for n in range(filler):
        h.tree.write("docs/notes.md", f"Notes, revision {n}.\n")
        h.commit("Update notes", author=h.maintainer, committer=h.maintainer, when=end + n * 600)
    h.tree.write("docs/notes.md", "Notes, final.\n")
    h.commit("Close the history", author=h.maintainer, committer=h.maintainer, when=end + (filler + 1) * 600)
    h.note(
        "payback",
        kind=kind,
        payback_ratio=after,
        refactorings=refactorings,
        bursts=[{"path": paths[f], "quarter": q} for f, q in sorted(burst_at.items())],
    )


def _scenario(kind: str, summary: str) -> Scenario:
    return Scenario(
        f"payback_{kind}",
        summary,
        default_commits=660,
        min_commits=660,
        populate=lambda ctx: _populate(ctx, kind),
        span_days=1100,
    )


EFFECT = _scenario("effect", "planted: refactored files get 0.5x the bug-fix rate and faster changes after")
NULL = _scenario("null", "planted: refactorings with no change afterwards")
RTM = _scenario("rtm", "planted trap: refactorings right after bug bursts, no real effect")
SCENARIOS = (EFFECT, NULL, RTM)
