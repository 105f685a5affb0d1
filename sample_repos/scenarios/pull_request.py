"""`pull_request`: a trunk with one planted hotspot and two open pull-request branches.

`qroi check` gates a change before it merges, so its tests need what a pull request looks like:
a trunk with history (random work, plus `src/widget/cart.py`, edited in every third commit and
often as a bug fix, so it leads the hotspot ranking) and branches that were never merged:

- `feature/pricing`: one commit that adds `price_rules`, a function of cyclomatic complexity 13
  (Radon rank C), to the hotspot, with a six-line block copied from `subtotal` in the same file;
- `feature/ten-files`: one commit that adds a small function to ten Python modules (for the
  benchmark of a ten-file change).

These two commits are the only ones of any scenario not reachable from `main`: the trunk has
`commits - 2` commits. The manifest's `notes.pull_request` gives each branch, its tip, and for
`feature/pricing` the path and first line of the planted function and of the copied block.
"""

from __future__ import annotations

from qroi.sample_repos.history import TRUNK
from qroi.sample_repos.messages import Message
from qroi.sample_repos.scenarios import Context, Scenario

HOTSPOT = "src/widget/cart.py"
PRICING = "feature/pricing"
TEN_FILES = "feature/ten-files"
BRANCH_COMMITS = 2

SUBTOTAL_BODY = (
    "    amount = 0\n"
    "    for price, qty in items:\n"
    "        if qty <= 0:\n"
    "            continue\n"
    "        amount += price * qty\n"
    "    amount = round(amount, 2)\n"
)
CART = '"""The shopping cart."""\n\n\ndef subtotal(items):\n' + SUBTOTAL_BODY + "    return amount\n"

PRICE_RULES = (
    "\n\ndef price_rules(items, customer, coupons):\n"
    '    """Every pricing rule of the shop in one place."""\n'
    + SUBTOTAL_BODY
    + "    if customer.get('vip'):\n"
    "        amount *= 0.9\n"
    "    elif customer.get('staff'):\n"
    "        amount *= 0.7\n"
    "    for coupon in coupons:\n"
    "        if coupon == 'HALF' and amount > 100:\n"
    "            amount /= 2\n"
    "        elif coupon == 'TEN' or coupon == 'TENNER':\n"
    "            amount -= 10\n"
    "    if customer.get('country') in ('NL', 'BE') and amount < 20:\n"
    "        amount += 5\n"
    "    while amount < 0:\n"
    "        amount += 1\n"
    "    return amount\n"
)
"""Radon complexity 13, rank C: past the default threshold of `qroi check` by a margin."""


def _rule(n: int) -> str:
    return f"\n\ndef rule_{n}(amount):\n    if amount > {n * 10}:\n        return amount - {n}\n    return amount\n"


def populate(ctx: Context) -> None:
    h, work = ctx.history, ctx.activity
    work.scaffold()
    h.tree.write(HOTSPOT, CART)
    work.used_paths.add(HOTSPOT)
    h.commit("Start widget with a shopping cart")
    cart, rules = CART, 0
    trunk_commits = ctx.commits - BRANCH_COMMITS
    while h.count < trunk_commits:
        if h.count % 3:
            work.step(avoid={HOTSPOT})
            continue
        rules += 1
        cart += _rule(rules)
        h.tree.write(HOTSPOT, cart)
        fix = rules % 2 == 0
        h.commit(Message(f"{'Fix' if fix else 'Add'} cart rule {rules}\n", bugfix=fix))

    h.branch(PRICING, TRUNK)
    h.tree.write(HOTSPOT, cart + PRICE_RULES)
    pricing = h.commit("Add price_rules: every pricing rule in one function")
    function_line = (cart + PRICE_RULES).splitlines().index("def price_rules(items, customer, coupons):") + 1
    h.note(
        "pull_request",
        branch=PRICING,
        tip=pricing,
        path=HOTSPOT,
        function="price_rules",
        line=function_line,
        copied_from="subtotal",
        copied_line=function_line + 2,
    )
    h.switch(TRUNK)

    h.branch(TEN_FILES, TRUNK)
    paths = [p for p in h.tree.python_paths() if p != HOTSPOT and not p.endswith("__init__.py")][:10]
    if len(paths) < 10:
        raise RuntimeError("pull_request: fewer than ten modules for the ten-file branch; raise --commits")
    for n, path in enumerate(paths):
        text = h.tree.files[path].data.decode("utf-8")
        h.tree.write(
            path, text + f"\n\ndef added_{n}(value):\n    if value:\n        return {n}\n    return -1\n"
        )
    ten = h.commit("Add a helper to ten modules")
    h.note("pull_request", branch=TEN_FILES, tip=ten, paths=paths)
    h.switch(TRUNK)


SCENARIO = Scenario(
    name="pull_request",
    summary="a planted hotspot and two unmerged pull-request branches (a complex function; a ten-file change)",
    default_commits=90,
    min_commits=60,
    populate=populate,
    span_days=400,
)
