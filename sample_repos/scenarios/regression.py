"""`regression`: two releases with a planted regression between them (for `qroi compare`).

Between the tags `v1.0.0` and `v1.1.0` (both annotated, the last two releases):
- `src/widget/pricing.py` is edited in `EDITS` commits (half of them bug fixes) that grow
  `price` from cyclomatic complexity 2 to `PRICE_CC_NEW` (Radon rank C): its MI falls, it
  becomes the top hotspot, and `price` crosses the rank-C threshold;
- `src/widget/rates.py` gains `Rates.lookup`, a new method of complexity `LOOKUP_CC` (rank C);
- `src/widget/legacy.py` is deleted;
- `src/widget/report.py` arrives through a merged feature branch (a real three-way merge);
everything else is random work that never touches these paths. The manifest's `notes.regression`
names both tags, their commits and the planted paths and functions.
"""

from __future__ import annotations

from qroi.sample_repos.history import TRUNK
from qroi.sample_repos.messages import Message
from qroi.sample_repos.scenarios import Context, Scenario

PRICING = "src/widget/pricing.py"
RATES = "src/widget/rates.py"
LEGACY = "src/widget/legacy.py"
REPORT = "src/widget/report.py"
PLANTED = frozenset({PRICING, RATES, LEGACY, REPORT})
EDITS = 6
PRICE_CC_NEW = 2 + 2 * EDITS
"""`price` starts with one `if` (complexity 2); each edit adds an `if` with an `or` (two paths)."""
LOOKUP_CC = 12

RATES_V1 = '"""Exchange rates."""\n\n\ndef rate(code):\n    return {"EUR": 1.0}.get(code, 1.0)\n'
LOOKUP = (
    "\n\nclass Rates:\n    def lookup(self, code, when):\n"
    + "".join(
        f"        {'if' if n == 0 else 'elif'} code == 'C{n}' and when > {n}:\n            return {n}\n"
        for n in range((LOOKUP_CC - 1) // 2)
    )
    + "        if when:\n            return -1\n        return 0\n"
)
"""Five `if/elif` with an `and` (two paths each) and one more `if`: complexity 1 + 10 + 1 = 12."""
LEGACY_SRC = '"""Kept for old callers."""\n\n\ndef old_total(items):\n    return sum(items)\n'
REPORT_SRC = '"""Sales report."""\n\n\ndef report(rows):\n    return "\\n".join(str(r) for r in rows)\n'


def pricing(edits: int) -> str:
    """The pricing module after `edits` regressions: one more guarded rule each time."""
    rules = "".join(
        f"    if customer == 'c{n}' or amount > {100 + n}:\n        amount -= {n + 1}\n" for n in range(edits)
    )
    return (
        '"""Prices."""\n\n\ndef price(amount, customer):\n'
        "    if amount < 0:\n        raise ValueError(amount)\n" + rules + "    return amount\n"
    )


def populate(ctx: Context) -> None:
    h, work = ctx.history, ctx.activity
    work.scaffold()
    for path, text in ((PRICING, pricing(0)), (RATES, RATES_V1), (LEGACY, LEGACY_SRC)):
        h.tree.write(path, text)
        work.used_paths.add(path)
    work.used_paths.add(REPORT)
    h.commit("Add pricing, rates and the legacy helpers")
    while h.count < ctx.at(0.4):
        work.step(avoid=PLANTED)
    old = work.release("1.0.0")
    h.tag("v1.0.0", old, message="Release 1.0.0")

    for n in range(1, EDITS + 1):
        h.tree.write(PRICING, pricing(n))
        h.commit(Message(f"{'Fix' if n % 2 else 'Add'} pricing rule {n}\n", bugfix=bool(n % 2)))
        work.step(avoid=PLANTED)
    h.tree.write(RATES, RATES_V1 + LOOKUP)
    h.commit("Add rate lookup by code and date")
    h.tree.remove(LEGACY)
    h.commit("Remove the legacy helpers")
    h.branch("feature/report", TRUNK)
    h.tree.write(REPORT, REPORT_SRC)
    h.commit("Add the sales report")
    h.switch(TRUNK)
    work.step(avoid=PLANTED)
    h.merge("feature/report")
    while h.count < ctx.commits - 1:
        work.step(avoid=PLANTED)
    new = work.release("1.1.0")
    h.tag("v1.1.0", new, message="Release 1.1.0")
    h.note(
        "regression",
        old="v1.0.0",
        new="v1.1.0",
        old_commit=old,
        new_commit=new,
        worse=PRICING,
        crossed={"price": PRICE_CC_NEW, "lookup": LOOKUP_CC},
        added=REPORT,
        removed=LEGACY,
        edits=EDITS,
    )


SCENARIO = Scenario(
    name="regression",
    summary="two releases with a planted regression between them (a function crosses rank C, a new hotspot)",
    default_commits=60,
    min_commits=50,
    populate=populate,
    span_days=300,
)
