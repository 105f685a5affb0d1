"""Planted truth for the claim test: `claim_effect`, `claim_null`, `claim_confounded`.

Each history has a few dozen Python modules whose complexity per line (Radon's total complexity
per 100 sloc) and size are set by construction and never change: every later commit only edits
a `_REVISION = n` line, which leaves every Radon metric but the blob id as it was. Per file and
quarter, the number of commits is Poisson with a mean proportional to the file's size, and each
commit is a bug fix with probability p_f:

- effect: p_f = p0 * exp(beta * (density_f - mean density)): low-quality files get more bug fixes
  than size and change frequency explain, at a known rate ratio per unit of density;
- null: p_f = p0: bug fixes follow size and change frequency only;
- confounded: density rises with size, and p_f = p0 * (size_f / median size) ** 0.7: size drives
  the bugs, so quality looks guilty unless size is controlled.

The manifest (`notes.claim`) records beta per density unit, the files' measured density, size and
p_f, so a test can compute the planted ratio per SD of whatever rows it analyses.
"""

from __future__ import annotations

import math
from random import Random

from radon.raw import analyze
from radon.visitors import ComplexityVisitor

from qroi.sample_repos.history import DAY, TEAM
from qroi.sample_repos.scenarios import Context, Scenario

FILES = 60
QUARTERS = 12
P0 = 0.08
EFFECT_RATE_RATIO_PER_SD = 2.0
QUARTER = 91 * DAY


def _function(name: str, rng: Random, lines: int, branches: int) -> str:
    """A function of `lines` body lines, `branches` of them in if-blocks (+1 complexity each)."""
    body = []
    for _ in range(branches):
        body.append(f"    if value > {rng.randint(1, 999)}:\n        value -= {rng.randint(1, 99)}\n")
    for s in range(max(1, lines - 2 * branches)):
        body.append(f"    value = value * {rng.randint(2, 9)} + {s}\n")
    rng.shuffle(body)
    return f"def {name}(value):\n{''.join(body)}    return value\n"


def _module(index: int, rng: Random, sloc: int, density: float) -> str:
    """A module of about `sloc` lines whose branching share is set by `density` (0..1)."""
    functions, written = [], 2
    n = 0
    while written < sloc:
        lines = rng.randint(8, 16)
        branches = round(lines * density / 2)
        functions.append(_function(f"step_{index}_{n}", rng, lines, branches))
        written += lines + 2
        n += 1
    return f'"""Module {index}."""\n\n_REVISION = 0\n\n\n' + "\n\n".join(functions)


def _measure(text: str) -> tuple[int, float]:
    """(sloc, total complexity per 100 sloc), exactly as Radon and qroi's panel compute them."""
    sloc = analyze(text).sloc
    return sloc, ComplexityVisitor.from_code(text).total_complexity / sloc * 100


def _populate(ctx: Context, kind: str) -> None:
    h, rng = ctx.history, ctx.rng
    sizes = [math.exp(rng.uniform(math.log(40), math.log(400))) for _ in range(FILES)]
    if kind == "confounded":
        rank = {i: r for r, i in enumerate(sorted(range(FILES), key=sizes.__getitem__))}
        densities = [0.1 + 0.7 * rank[i] / FILES + rng.uniform(-0.08, 0.08) for i in range(FILES)]
    else:
        densities = [rng.uniform(0.05, 0.9) for _ in range(FILES)]
    texts = [_module(i, rng, int(sizes[i]), max(0.0, densities[i])) for i in range(FILES)]
    measured = [_measure(t) for t in texts]
    paths = [f"src/planted/mod_{i:02d}.py" for i in range(FILES)]
    dens = [d for _, d in measured]
    mean = sum(dens) / FILES
    sd = math.sqrt(sum((d - mean) ** 2 for d in dens) / (FILES - 1))
    beta = math.log(EFFECT_RATE_RATIO_PER_SD) / sd if kind == "effect" else 0.0
    median_size = sorted(s for s, _ in measured)[FILES // 2]
    probabilities = []
    for sloc, density in measured:
        p = P0 * math.exp(beta * (density - mean))
        if kind == "confounded":
            p = P0 * (sloc / median_size) ** 0.7
        probabilities.append(min(p, 0.6))

    start = h.clock.now
    for path, text in zip(paths, texts, strict=True):
        h.tree.write(path, text)
    h.commit("Add the planted modules", author=h.maintainer, when=start)
    events = []  # (time, file, is_fix)
    for quarter in range(1, QUARTERS + 1):
        for f in range(FILES):
            rate = 1.6 * measured[f][0] / median_size
            for _ in range(_poisson(rng, rate)):
                when = start + quarter * QUARTER + rng.randint(DAY, QUARTER - DAY)
                events.append((when, f, rng.random() < probabilities[f]))
    events.sort()
    filler = ctx.commits - len(events) - 2
    if filler < 0:
        raise ValueError(f"scenario claim_{kind} needs at least {len(events) + 2} commits")
    revision = [0] * FILES
    people = [p for p in TEAM if p.weight > 0]
    for when, f, is_fix in events:
        revision[f] += 1
        h.tree.write(paths[f], texts[f].replace("_REVISION = 0", f"_REVISION = {revision[f]}", 1))
        subject = f"Fix wrong result in mod_{f:02d}" if is_fix else f"Tune mod_{f:02d}"
        h.commit(subject, author=rng.choice(people), when=when)
    end = start + (QUARTERS + 1) * QUARTER + 40 * DAY
    for n in range(filler):
        h.tree.write("docs/notes.md", f"Notes, revision {n}.\n")
        h.commit("Update notes", author=h.maintainer, when=end + n * 600)
    h.tree.write("docs/notes.md", "Notes, final.\n")
    h.commit("Close the planted history", author=h.maintainer, when=end + (filler + 1) * 600)
    h.note(
        "claim",
        kind=kind,
        beta_per_density_unit=beta,
        p0=P0,
        quarters=QUARTERS,
        files=[
            {"path": p, "sloc": s, "density": d, "p_fix": pf}
            for p, (s, d), pf in zip(paths, measured, probabilities, strict=True)
        ],
    )


def _poisson(rng: Random, mean: float) -> int:
    """Knuth's method: small means only, deterministic from the seeded generator."""
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def _scenario(kind: str, summary: str) -> Scenario:
    return Scenario(
        f"claim_{kind}",
        summary,
        default_commits=2000,
        min_commits=2000,
        populate=lambda ctx: _populate(ctx, kind),
        span_days=1300,
    )


EFFECT = _scenario("effect", "planted: worse complexity density -> more bug fixes (2x per SD)")
NULL = _scenario("null", "planted: bug fixes depend on size and change frequency only")
CONFOUNDED = _scenario("confounded", "planted: complexity grows with size, size drives bug fixes")
