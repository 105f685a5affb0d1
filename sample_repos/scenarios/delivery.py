"""`delivery`: a scripted history with planted delivery truth, then random work.

The first 32 commits and the last one are written by hand with exact authors and dates
(committer = author, so committer times are exact too) on plain-text files that random work never
edits; random work fills the commits between them:

- a small history for hand-computed Kamei features (`K1`..`K4`; `K2` by an alias that the
  committed `.mailmap` merges into its owner; `K5`, the last commit, over a year later);
- bug-inducing commits and the fixes that change exactly their lines (`szz` notes): a simple
  case, a fix of two lines from two commits, a fix whose line was last re-indented by a
  whitespace-only reformat, a fix whose line was last touched by a quote-style reformat listed in
  the committed `.git-blame-ignore-revs`, fixes that delete only blank/comment lines or delete
  nothing, and a fix known as one only through a bug issue (#507, no fix wording);
- rework: lines changed 1 to 5 and exactly 21 days after they were added (counted) and 30 and
  more days after (not counted) (`rework` notes: every scripted commit's truth);
- Jira references `SHIP-11` (on Z1) and `SHIP-12` (on Z3) for the import tests;
- releases: lightweight `v1.0.0`, a patch `v1.0.1` two days later (so v1.0.0 is a change
  failure), an annotated `v1.1.0`, `v1.2.0` followed by a revert of its last commit 3 days 2 hours
  later (a change failure too), `v1.3.0`, and tags that are not releases (`v1.3.0-rc1`,
  `nightly-2021-06`).

Dates count days from the builder's START (2021-03-01 09:00 UTC) at 10:00 UTC.
"""

from __future__ import annotations

from qroi.sample_repos.history import Commit, Person
from qroi.sample_repos.messages import IssueRef, Message
from qroi.sample_repos.scenarios import Context, Scenario
from qroi.sample_repos.scenarios.scripted import Script, day

FATIMA = Person("Fatima Zahra", "fatima@acme.example", "+0100")
FATIMA_LAPTOP = Person("fz", "fatima@laptop.local", "+0100", role="alias of fatima@acme.example")
GUS = Person("Gus Lee", "gus@acme.example", "-0500")
MAILMAP = (
    "Fatima Zahra <fatima@acme.example> <fatima@laptop.local>\n"
    "Bob Stone <bob@acme.example> <bob.stone@home.example>\n"
)
SCRIPTED = 33  # commits written by hand: 32 first, one (K5) last

INVOICE_1 = '"""Invoices."""\n\n\ndef total(items):\n    amount = 0\n    for price, qty in items:\n        amount += price * qty\n    return amount\n'
TAX_1 = '"""Tax rules."""\n\n# Standard rate for all goods.\nRATE = 0.2\n\n\ndef tax(amount):\n    return amount * RATE\n'
RATES_1 = '"""Shipping rates."""\n\n\ndef rate(weight):\n    base = 5\n    return base + weight * 2\n'
LABELS_1 = '"""Shipping labels."""\n\n\ndef label(name, city):\n    text = name + ", " + city\n    return text.upper()\n'
CARRIERS_1 = "\"\"\"Carriers.\"\"\"\n\nDEFAULT = 'postnl'\n\n\ndef carrier(country):\n    if country == 'NL':\n        return DEFAULT\n    return 'dhl'\n"
CURRENCY_1 = '"""Currency conversion."""\n\nRATES = {"EUR": 1.0, "USD": 1.1}\n\n\ndef convert(amount, currency):\n    return amount * RATES[currency]\n'
ZONES_1 = '"""Shipping zones."""\n\nZONES = {\n    "NL": 1,\n    "BE": 1,\n}\n'
DISCOUNTS_1 = '"""Discounts."""\n\n\ndef discount(amount):\n    return 0\n'


def _jira(key: str, subject: str) -> Message:
    """A Jira-style subject, `KEY: subject` (the key only mentions the issue)."""
    return Message(f"{key}: {subject}\n", refs=(IssueRef("jira", key, key),))


class _Script(Script):
    """Scripted commits with exact authors and dates; every commit is named in the manifest."""

    def commit(self, name: str, message: str | Message, who: Person, when: int) -> Commit:
        commit = self.h.commit(message, author=who, committer=who, when=when)
        self.named[name] = commit
        self.h.note("scripted", name=name, commit=commit, author=who.email, authored_ts=when)
        return commit

    def fix(self, name: str, text: str, issue: int, who: Person, when: int, *, bugfix: bool = True) -> Commit:
        ref = IssueRef("github", str(issue), f"fixes #{issue}" if bugfix else f"#{issue}", closes=bugfix)
        subject = f"{text} ({ref.text})"
        return self.commit(name, Message(subject + "\n", bugfix=bugfix, refs=(ref,)), who, when)


def _kamei(s: _Script) -> None:
    s.write(".mailmap", MAILMAP)
    s.write("src/billing/invoice.py", INVOICE_1)
    s.write("src/billing/tax.py", TAX_1)
    s.commit("K1", "Add billing: invoices and tax", FATIMA, day(0))
    s.edit(
        "src/billing/invoice.py",
        "def total(items):\n",
        'def total(items):\n    """Sum of price times quantity."""\n',
    )
    s.edit("src/billing/invoice.py", "    return amount\n", "    return round(amount, 2)\n")
    s.commit("K2", "Round invoice totals", FATIMA_LAPTOP, day(1))
    s.edit("src/billing/tax.py", "RATE = 0.2\n", "RATE = 0.21\n")
    s.write("src/shipping/rates.py", RATES_1)
    s.commit("K3", "Add shipping rates", GUS, day(3))
    s.edit(
        "src/billing/invoice.py", '"""Invoices."""\n', '"""Invoices."""\n\nfrom billing.tax import gross\n'
    )
    s.edit("src/billing/invoice.py", "    return round(amount, 2)\n", "    return round(gross(amount), 2)\n")
    s.edit(
        "src/billing/tax.py",
        "    return amount * RATE\n",
        "    return amount * RATE\n\n\ndef gross(amount):\n    return amount + tax(amount)\n",
    )
    s.commit("K4", "Use gross amounts in invoices", FATIMA, day(5))


def _szz_and_releases(s: _Script) -> None:
    h = s.h
    s.edit("src/shipping/rates.py", "weight * 2\n", "weight * 3\n")
    s.commit("B1", "Charge heavy parcels more", GUS, day(8))
    s.edit("src/billing/invoice.py", "    amount = 0\n", "    amount = 1\n")
    s.commit("B2a", "Count the invoice setup fee", FATIMA, day(10))
    s.edit("src/billing/invoice.py", "in items:\n", "in items[1:]:\n")
    s.commit("B2b", "Skip the header row of invoice items", GUS, day(12))
    h.tag("v1.0.0", s.named["B2b"])
    s.write("src/shipping/labels.py", LABELS_1)
    s.commit("L1", "Add shipping labels", GUS, day(14))
    h.tag("v1.0.1", s.named["L1"])
    s.edit("src/shipping/labels.py", "text.upper()\n", "text.upper()[:20]\n")
    s.commit("B3", "Shorten labels", GUS, day(16))
    s.write("src/shipping/carriers.py", CARRIERS_1)
    s.commit("C1", "Add carriers", GUS, day(18))
    s.edit("src/shipping/carriers.py", "return 'dhl'", "return 'ups'")
    s.commit("B4", "Prefer UPS abroad", GUS, day(20))
    s.write("src/billing/currency.py", CURRENCY_1)
    s.commit("B6", "Add currency conversion", GUS, day(22))
    s.write("src/shipping/zones.py", ZONES_1)
    s.commit("Z0", "Add shipping zones", GUS, day(24))
    h.tag("v1.1.0", s.named["Z0"], message="widget 1.1.0\n")


def _rework_and_fixes(s: _Script) -> None:
    h = s.h
    s.edit(
        "src/shipping/zones.py",
        '    "BE": 1,\n',
        '    "BE": 1,\n    "DE": 2,\n    "FR": 2,\n    "LU": 2,\n    "AT": 3,\n',
    )
    s.commit("Z1", _jira("SHIP-11", "Add German, French, Luxembourg and Austrian zones"), FATIMA, day(30))
    s.edit("src/shipping/zones.py", '    "LU": 2,\n    "AT": 3,\n', "")
    s.commit("Z2", "Drop the Luxembourg and Austria zones", GUS, day(34))
    s.edit("src/shipping/rates.py", "weight * 3\n", "weight * 2.5\n")
    s.fix("F1", "Fix shipping rate for heavy parcels", 501, FATIMA, day(40))
    s.edit("src/billing/invoice.py", "    amount = 1\n", "    amount = 0\n")
    s.edit("src/billing/invoice.py", "in items[1:]:\n", "in items:\n")
    s.fix("F2", "Fix invoice totals", 502, FATIMA, day(45))
    s.write("src/shipping/labels.py", s.files["src/shipping/labels.py"].replace("    ", "\t"))
    w1 = s.commit("W1", "Indent labels with tabs", FATIMA, day(50))
    s.edit("src/shipping/zones.py", '    "DE": 2,\n', '    "DE": 3,\n')
    s.commit("Z6", "Move Germany to zone 3", GUS, day(51))  # exactly 21 days after Z1
    s.write("src/shipping/carriers.py", s.files["src/shipping/carriers.py"].replace("'", '"'))
    r1 = s.commit("R1", "Format carriers with double quotes", FATIMA, day(55))
    revs = "".join(f"# {name}\n{h.writer.get_mark(c.mark)}\n" for name, c in (("W1", w1), ("R1", r1)))
    s.write(".git-blame-ignore-revs", revs)
    s.commit("I1", "Ignore formatting commits in blame", FATIMA, day(56))
    h.note("ignore_revs", commits=[w1, r1])
    s.edit("src/billing/tax.py", "\n# Standard rate for all goods.\n", "# Standard VAT rate.\n")
    s.fix("F5", "Fix the tax rate comment", 505, GUS, day(60))
    s.edit("src/billing/tax.py", "def tax(amount):\n", 'def tax(amount):\n    """Tax due on an amount."""\n')
    s.fix("F6", "Fix missing tax docstring", 506, GUS, day(62))
    s.edit("src/shipping/zones.py", '    "FR": 2,\n', '    "FR": 3,\n')
    s.commit("Z3", _jira("SHIP-12", "Move France to zone 3"), FATIMA, day(70))
    s.edit("src/shipping/zones.py", '    "BE": 1,\n', '    "BE": 2,\n')
    s.edit("src/shipping/zones.py", '    "FR": 3,\n', '    "FR": 2,\n')
    s.commit("Z5", "Put Belgium in zone 2 and France back in zone 2", GUS, day(75))
    s.edit("src/shipping/labels.py", "text.upper()[:20]\n", "text.upper()\n")
    s.fix("F3", "Fix truncated labels", 503, FATIMA, day(80))
    s.edit("src/shipping/carriers.py", 'return "ups"', 'return "dhl"')
    s.fix("F4", "Fix carrier for foreign parcels", 504, FATIMA, day(85))
    s.edit("src/billing/currency.py", "RATES[currency]\n", "RATES.get(currency, 1.0)\n")
    s.fix("F7", "Price unlisted currencies at the base rate", 507, FATIMA, day(90), bugfix=False)


def _revert_and_last_releases(s: _Script) -> None:
    h = s.h
    s.write("src/billing/discounts.py", DISCOUNTS_1)
    s.commit("D0", "Add discounts", GUS, day(100))
    s.edit(
        "src/billing/discounts.py",
        "    return 0\n",
        "    if amount > 100:\n        return amount * 0.1\n    return 0\n",
    )
    x = s.commit("X", "Give ten percent off large orders", FATIMA, day(110))
    h.tag("v1.2.0", x)
    revert = h.revert(x, author=GUS, when=day(113, hour=12))
    s.named["R"] = revert
    h.note("scripted", name="R", commit=revert, author=GUS.email, authored_ts=day(113, hour=12))
    h.note("planted_reverts", revert=revert, reverted=x, seconds=day(113, hour=12) - day(110))
    h.tag("v1.3.0-rc1", revert)
    s.write("CHANGELOG.md", "# Changelog\n\n## 1.3.0\n\n- discounts reverted\n")
    s.commit("V13", "Update the changelog for 1.3.0", FATIMA, day(120))
    h.tag("v1.3.0", s.named["V13"])
    h.tag("nightly-2021-06", s.named["V13"])


def _truth(s: _Script) -> None:
    """The facts the tests check, by commit name (resolved to shas in the manifest)."""
    n = s.named
    for fix, inducing, path, case in (
        ("F1", ["B1"], "src/shipping/rates.py", "simple"),
        ("F2", ["B2a", "B2b"], "src/billing/invoice.py", "two inducing commits"),
        ("F3", ["B3"], "src/shipping/labels.py", "line re-indented by a whitespace-only reformat (W1)"),
        (
            "F4",
            ["B4"],
            "src/shipping/carriers.py",
            "line reformatted by R1, listed in .git-blame-ignore-revs",
        ),
        ("F5", [], "src/billing/tax.py", "deletes only a blank and a comment line"),
        ("F6", [], "src/billing/tax.py", "deletes nothing"),
        ("F7", ["B6"], "src/billing/currency.py", "a fix only through bug issue #507"),
    ):
        s.h.note("szz", fix=n[fix], inducing=[n[i] for i in inducing], path=path, case=case, name=fix)
    # Rework (21 days) of every scripted commit: (deleter, origin, lines); absent means 0.
    for deleter, origin, lines in (
        ("K2", "K1", 1),
        ("K3", "K1", 1),
        ("K4", "K2", 1),
        ("B1", "K3", 1),
        ("B2a", "K1", 1),
        ("B2b", "K1", 1),
        ("B3", "L1", 1),
        ("B4", "C1", 1),
        ("Z2", "Z1", 2),
        ("Z6", "Z1", 1),
        ("Z5", "Z3", 1),
        ("R", "X", 2),
    ):
        s.h.note("rework", commit=n[deleter], origin=n[origin], lines=lines, name=deleter, origin_name=origin)
    s.h.note("mailmap", alias=FATIMA_LAPTOP.email, canonical=FATIMA.email, commit=n["K2"])


def _late(s: _Script) -> None:
    """K5, well over a year after Fatima's other commits: REXP weighs them 1/2."""
    if s.h.clock.now >= day(500):
        raise RuntimeError("random work ran past day 500; raise span_days or lower --commits")
    s.edit("src/shipping/rates.py", "weight * 2.5\n", "weight * 2.25\n")
    s.commit("K5", "Lower the heavy parcel rate", FATIMA, day(500))


def populate(ctx: Context) -> None:
    s = _Script(ctx)
    _kamei(s)
    _szz_and_releases(s)
    _rework_and_fixes(s)
    _revert_and_last_releases(s)
    assert ctx.history.count == SCRIPTED - 1, ctx.history.count
    ctx.activity.branch_rate = 0.1
    ctx.activity.fill_until(ctx.commits - 1)
    _late(s)
    _truth(s)


SCENARIO = Scenario(
    name="delivery",
    summary="scripted bug-inducing commits and fixes, reformats, rework, releases and a revert, then random work",
    default_commits=120,
    min_commits=SCRIPTED,
    populate=populate,
    span_days=400,
)
