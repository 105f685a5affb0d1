"""Planted truth for "complexity growth -> slower later changes": `growth_effect`, `growth_null`,
`growth_trap`, `growth_event`.

Twenty modules under `src/grow/` (the claim scenarios' modules: size and branching set by
construction; routine edits only bump a `_REVISION = n` line, so Radon's scores move only when a
file grows). Per file and quarter, the number of routine commits is Poisson (mean 2); in some
quarters a file *grows*: one commit "Handle more cases in mod_NN" rewrites it with more branches
(complexity density up by a set step, same size). Every commit lands after a planted delay
(committer time minus author time: a squashed change, so its cycle time is exactly that delay),
log-normal around the file's own mean delay.

- effect: a change in the quarter right after a growth quarter takes `GROWTH_SLOWDOWN` (2x) the
  file's usual delay;
- null: files grow just as often; delays never depend on it;
- trap: the whole project drifts: later quarters have more growth in every file and slower
  changes in every file (delays x 1.25 per quarter), with no link between a file's growth and its
  own later speed. Without window effects growth looks guilty; with them, it is not;
- event: as effect, but only from the adoption date (`notes.growth.event`, the start of quarter
  5) on; before it, growth has no effect on later speed.

`notes.growth` records the kind, the slowdown, the event date and every growth (path, quarter,
sha), so a test can check the panel's growth column against them.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from random import Random

from qroi.sample_repos.history import DAY, HOUR, TEAM
from qroi.sample_repos.scenarios import Context, Scenario
from qroi.sample_repos.scenarios.claim import _module, _poisson

FILES = 20
QUARTERS = 8
GROWTH_STEP = 0.18
"""Branching share added by one growth (the claim modules' density knob, 0..1)."""
MAX_GROWTHS = 3
"""Growths per file at most, so that every growth raises the complexity (the knob stays below 1);
the trap grows in smaller steps, up to `TRAP_GROWTHS` times, so that late quarters still grow."""
TRAP_STEP, TRAP_GROWTHS, TRAP_DRIFT = 0.1, 5, 1.4
GROWTH_SLOWDOWN = 2.0
EVENT_QUARTER = 5
DELAY_SD = 0.4
"""SD of a change's log delay around its file's mean."""


def _quarters(start: int) -> list[int]:
    """Quarter starts: calendar quarters from the first commit's UTC month, as the panel's 3M
    windows are (so that a quarter's growth and its next quarter's speed fall in those windows)."""
    first = datetime.fromtimestamp(start, UTC)
    out = []
    for q in range(QUARTERS + 2):
        month = first.month - 1 + 3 * q
        out.append(int(datetime(first.year + month // 12, month % 12 + 1, 1, tzinfo=UTC).timestamp()))
    return out


def _grows(rng: Random, kind: str, quarter: int) -> bool:
    """Whether a file grows in this quarter (the trap: more often later)."""
    share = 0.05 + 0.12 * quarter if kind == "trap" else 0.35
    return rng.random() < share


def _populate(ctx: Context, kind: str) -> None:
    h, rng = ctx.history, ctx.rng
    sizes = [int(math.exp(rng.uniform(math.log(60), math.log(200)))) for _ in range(FILES)]
    density = [rng.uniform(0.1, 0.4) for _ in range(FILES)]
    delay_hours = [math.exp(rng.uniform(math.log(12), math.log(48))) for _ in range(FILES)]
    paths = [f"src/grow/mod_{i:02d}.py" for i in range(FILES)]
    start = h.clock.now
    for i, path in enumerate(paths):
        h.tree.write(path, _module(i, Random(f"g{i}"), sizes[i], density[i]))
    h.commit("Add the modules", author=h.maintainer, committer=h.maintainer, when=start)
    bounds = _quarters(start)
    event_ts = bounds[EVENT_QUARTER]
    events = []  # (time, file, what): "grow" or "change"
    grew: set[tuple[int, int]] = set()
    for quarter in range(1, QUARTERS + 1):
        base, length = bounds[quarter], bounds[quarter + 1] - bounds[quarter]
        for f in range(FILES):
            room = sum(g == f for g, _ in grew) < (TRAP_GROWTHS if kind == "trap" else MAX_GROWTHS)
            if _grows(rng, kind, quarter) and room and quarter < QUARTERS:
                grew.add((f, quarter))
                events.append((base + rng.randint(DAY, 10 * DAY), f, "grow"))
            for _ in range(_poisson(rng, 2.0)):
                events.append((base + rng.randint(12 * DAY, length - 25 * DAY), f, "change"))
    events.sort()
    filler = ctx.commits - len(events) - 2
    if filler < 0:
        raise ValueError(f"scenario growth_{kind} needs at least {len(events) + 2} commits")
    people = [p for p in TEAM if p.weight > 0]
    revision = [0] * FILES
    growths = []
    for when, f, what in events:
        quarter = sum(b <= when for b in bounds) - 1
        revision[f] += 1
        if what == "grow":
            density[f] += TRAP_STEP if kind == "trap" else GROWTH_STEP
        text = _module(f, Random(f"g{f}"), sizes[f], density[f])
        h.tree.write(paths[f], text.replace("_REVISION = 0", f"_REVISION = {revision[f]}", 1))
        slow = 1.0
        if (f, quarter - 1) in grew and (kind == "effect" or (kind == "event" and when >= event_ts)):
            slow = GROWTH_SLOWDOWN
        if kind == "trap":
            slow = TRAP_DRIFT**quarter
        hours = delay_hours[f] * slow * math.exp(rng.gauss(0, DELAY_SD))
        subject = f"Handle more cases in mod_{f:02d}" if what == "grow" else f"Tune mod_{f:02d}"
        commit = h.commit(
            subject,
            author=rng.choice(people),
            committer=h.maintainer,
            when=when,
            committed=when + int(hours * HOUR) + 60,
        )
        if what == "grow":
            growths.append({"path": paths[f], "quarter": quarter, "commit": commit})
    end = bounds[QUARTERS + 1] + 40 * DAY
    for n in range(filler):
        h.tree.write("docs/notes.md", f"Notes, revision {n}.\n")
        h.commit("Update notes", author=h.maintainer, committer=h.maintainer, when=end + n * 600)
    h.tree.write("docs/notes.md", "Notes, final.\n")
    h.commit("Close the history", author=h.maintainer, committer=h.maintainer, when=end + (filler + 1) * 600)
    h.note(
        "growth",
        kind=kind,
        slowdown=GROWTH_SLOWDOWN if kind in ("effect", "event") else 1.0,
        event=datetime.fromtimestamp(event_ts, UTC).strftime("%Y-%m-%d") if kind == "event" else None,
        growths=growths,
    )


def _scenario(kind: str, summary: str) -> Scenario:
    return Scenario(
        f"growth_{kind}",
        summary,
        default_commits=420,
        min_commits=420,
        populate=lambda ctx: _populate(ctx, kind),
        span_days=900,
    )


EFFECT = _scenario("effect", "planted: a file's complexity growth makes its next quarter's changes 2x slower")
NULL = _scenario("null", "planted: files grow, later speed does not depend on it")
TRAP = _scenario("trap", "planted trap: growth and slowness both drift up over time, no per-file link")
EVENT = _scenario("event", "planted: growth slows later changes only from the adoption date on")
SCENARIOS = (EFFECT, NULL, TRAP, EVENT)
