"""`ai_era`: planted truth for the AI-era lens: line operations, churn, declared AI, and a level shift.

Every commit is scripted, with exact authors and dates (committer = author), on files random
work never touches; its truth is in the manifest's notes:

- `lineops`: for every commit, the exact count of each line class (qroi.ai.lineops) in total
  and, for the hand-written cases, per file: a first commit with Python, JavaScript and a binary
  file; in-place updates; a block moved to another file and one moved into a class (re-indented);
  a block copied from the tree; a block added to two files in one commit; a block pasted twice
  in one hunk; near misses below the block sizes (4 copied lines, 2 moved lines); a re-indent in
  place; a JavaScript copy with comments and braces inside; a binary change with a pure rename;
  a block deleted once and pasted twice (one move, one copy).
- `churn`: lines rewritten 5, 13, 18 and 40+ days after they were written, with the deleting and
  the writing commit, for a 14-day and a 21-day window.
- `lens_churn`: what the line-operation commits above churn, under the AI-era lens's definition
  (qroi.ai.ai_step: moved lines are never churn, and a moved copy has no writer); all within 13
  days, so the same for 14 and 21 days. The `churn` commits move nothing: both definitions agree.
- `ai_declared`: for every commit, whether it declares AI assistance and which shipped rules of
  `qroi/ai/ai_assistance.toml` match: Claude Code, Copilot (co-author and agent account),
  aider (co-author and author suffix), Assisted-by, Cursor, Devin, AI-assisted, a squash merge
  with a trailer in its body; and near misses (a human co-author "Claude Dupont", "Devin Park",
  "Generated with Sphinx", a dependabot bump, "AI-assisted: no", a human Assisted-by, mere
  mentions of assistants, a non-AI Generated-by).
- `ai_monthly` and `ai_event`: 30 months of 4 commits each (2021-06 to 2023-11). Each adds a new
  function; some also paste a 7-line block that exists in the tree. Before the adoption date
  2022-09-01 a commit pastes with probability 0.1 and none declares AI; from then on half the
  commits declare AI (Claude Code trailers) and paste with probability 0.7 (0.3 for the others),
  so the copy/paste share of each month shifts up at the event and declared-AI commits paste
  more. Each month's exact counts and share are recorded, and the tree's keyed Python lines and
  duplicated lines (qroi.ai.duplication) at the end of the month.

With more commits than the scripted ones, random work follows, from the month after the last
planted month, on other paths.
"""

from __future__ import annotations

import calendar

from qroi.sample_repos.history import DAY, TEAM, Commit, Person
from qroi.sample_repos.scenarios import Context, Scenario
from qroi.sample_repos.scenarios.scripted import Script, day

ALICE, BOB, CHANDRA, DANA = TEAM[0], TEAM[1], TEAM[2], TEAM[3]
COPILOT_AGENT = Person(
    "Copilot", "198982749+Copilot@users.noreply.github.com", "+0000", 0, "AI agent account"
)
DANA_AIDER = Person(
    "Dana Okafor (aider)", "dana@okafor.example", "+0000", 0, "aider session of dana@okafor.example"
)
DEPENDABOT = Person("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com", "+0000", 0, "bot")
CLAUDE_TRAILERS = (
    "\n\U0001f916 Generated with [Claude Code](https://claude.com/claude-code)\n\n"
    "Co-Authored-By: Claude <noreply@anthropic.com>\n"
)
CLAUDE_RULES = ["claude-code-marker", "generated-with-assistant", "anthropic-coauthor"]

FIRST_MONTH = (2021, 6)
MONTHS = 30
EVENT_MONTH = 15  # 2022-09
PER_MONTH = 4
P_PASTE_BEFORE = 0.1
P_PASTE_AI = 0.7
P_PASTE_OTHER = 0.3
P_AI_AFTER = 0.5
SCRIPTED = 12 + 5 + 18 + MONTHS * PER_MONTH
# Keyed Python lines (qroi.ai.duplication) when the monthly part starts, file by file: __init__ 1,
# geometry 16, report 9, util 13, render 1, shapes 8, alpha 6, beta 6, near_misses 11, view_a 9,
# view_b 9, churn 6. Of them in duplicated blocks: area in geometry and shapes (7 + 7), shared_step
# in alpha and beta (5 + 5), twice() twice in util (10), render() in view_a and view_b (8 + 8).
BASE_PYTHON_LINES = 95
BASE_DUPLICATED_LINES = 50
FIELDS = (
    "added",
    "deleted",
    "updated",
    "moved_in",
    "moved_out",
    "copy_pasted",
    "trivial_added",
    "trivial_deleted",
)


def ops(**counts: int) -> dict[str, int]:
    """Expected counts of one file or commit; classes not named are 0."""
    unknown = set(counts) - set(FIELDS)
    assert not unknown, unknown
    return {name: counts.get(name, 0) for name in FIELDS}


def function(name: str, tag: str, body: int) -> str:
    """`def name(value):`, `body` unique assignments, `return`: body + 2 keyed lines, no blank line."""
    lines = [f"def {name}(value):\n"]
    previous = "value"
    for i in range(1, body + 1):
        lines.append(f"    {tag}_{i} = {previous} + {i * 7 + len(tag)}\n")
        previous = f"{tag}_{i}"
    lines.append(f"    return {previous}\n")
    return "".join(lines)


GEOMETRY_1 = (
    '"""Geometry helpers."""\n'
    "\n\n"
    "def area(value):\n"
    "    geo_a1 = value + 11\n"
    "    geo_a2 = geo_a1 * 12\n"
    "    geo_a3 = geo_a2 - 13\n"
    "    geo_a4 = geo_a3 + 14\n"
    "    geo_a5 = geo_a4 * 15\n"
    "    return geo_a5\n"
    "\n\n"
    "# Perimeter of a square, approximately.\n"
    "def perimeter(value):\n"
    "    geo_p1 = value * 4\n"
    "    geo_p2 = geo_p1 + 1\n"
    "    return geo_p2\n"
)  # keyed: 1 + 7 + 4 = 12; trivial: 4 blank + 1 comment = 5
AREA_2 = (
    "def area(value):\n"
    "    geo_a1 = value + 11\n"
    "    geo_a2 = geo_a1 * 22\n"
    "    geo_a3 = geo_a2 - 23\n"
    "    geo_a4 = geo_a3 + 14\n"
    "    geo_a5 = geo_a4 * 15\n"
    "    return geo_a5\n"
)  # area after L2: 7 keyed lines
HEADER = "def header(value):\n    rep_h1 = str(value)\n    return rep_h1.upper()\n"
RENDER = (
    "def render(value):\n"
    "    rep_r1 = header(value)\n"
    "    rep_r2 = rep_r1.center(40)\n"
    "    rep_r3 = rep_r2.strip()\n"
    '    rep_r4 = rep_r3 + " |"\n'
    '    rep_r5 = rep_r4.replace(" ", "_")\n'
    "    rep_r6 = rep_r5.lower()\n"
    "    return rep_r6\n"
)  # 8 keyed lines
FOOTER_1 = "def footer(value):\n    rep_f1 = len(value)\n    return rep_f1\n"
FOOTER_2 = (
    "def footer(value):\n    if value:\n        rep_f1 = len(value)\n        return rep_f1\n    return 0\n"
)
REPORT_1 = '"""Reports."""\n\n\n' + HEADER + "\n\n" + RENDER + "\n\n" + FOOTER_1  # keyed 15, blank 6
CLAMP_1 = "def clamp(value):\n    utl_c1 = max(value, 0)\n    utl_c2 = min(utl_c1, 100)\n    return utl_c2\n"
CLAMP_2 = "def clamp(value):\n    return max(0, min(value, 100))\n"
HELPER = "def helper(value):\n    utl_h1 = value + 7\n    utl_h2 = utl_h1 * 3\n    return utl_h2\n"
UTIL_1 = '"""Utilities."""\n\n\n' + CLAMP_1 + "\n\n" + HELPER  # keyed 9, blank 4
APP_JS = (
    "// Widget front end.\n"
    "function draw(ctx) {\n"
    "  const w = ctx.width;\n"
    "  // scale to the device\n"
    "  const h = ctx.height * ratio;\n"
    "  ctx.fillRect(0, 0, w, h);\n"
    "  return w * h;\n"
    "}\n"
)  # keyed 5; trivial: 2 comments + "}"
WIDGETS_JS = APP_JS.replace("// Widget front end.", "// Widgets.")
LOGO_1 = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10" + bytes(range(256))
LOGO_2 = LOGO_1 + b"\x00\x01\x02"
SHARED = "def shared_step(value):\n    shr_1 = value + 101\n    shr_2 = shr_1 * 102\n    shr_3 = shr_2 - 103\n    return shr_3\n"
TWICE = "def twice(value):\n    tw_1 = value + 201\n    tw_2 = tw_1 + 202\n    tw_3 = tw_2 + 203\n    return tw_3\n"
NEAR = (
    '"""Near misses."""\n'
    "\n\n"
    "def area(value):\n"
    "    geo_a1 = value + 11\n"
    "    geo_a2 = geo_a1 * 22\n"
    "    geo_a3 = geo_a2 - 23\n"
    "    near_1 = geo_a3 + 1\n"
    "    return near_1\n"
    "\n\n"
    "def pieces(value):\n"
    "    geo_p1 = value * 4\n"
    "    geo_p2 = geo_p1 + 1\n"
    "    return geo_p2\n"
)  # keyed 1 + 6 + 4 = 11 (4 lines copied from area, 2 moved from perimeter); blank 4
CHURN_1 = (
    '"""Churn."""\n\n\ndef plan(value):\n'
    + "".join(f"    chn_{i} = {'value' if i == 1 else f'chn_{i - 1}'} + {300 + i}\n" for i in range(1, 5))
    + "    return chn_4\n"
)  # keyed 7, blank 2


class _Script(Script):
    """Scripted commits with exact authors and dates, their truth noted as they are made."""

    def move(self, old: str, new: str) -> None:
        self.h.tree.move(old, new)
        self.files[new] = self.files.pop(old)
        self.ctx.activity.used_paths.add(new)

    def commit(
        self,
        name: str,
        message: str,
        when: int,
        totals: dict[str, int],
        *,
        who: Person = ALICE,
        files: dict[str, dict[str, int]] | None = None,
        skipped: tuple[str, ...] = (),
        flagged: bool = False,
        automated: bool = False,
        rules: list[str] | None = None,
    ) -> Commit:
        """Commit what is staged and note its line operations and its declaration."""
        commit = self.h.commit(message, author=who, committer=who, when=when)
        self.named[name] = commit
        if files is not None:
            summed = {f: sum(counts[f] for counts in files.values()) for f in FIELDS}
            assert summed == totals, (name, summed, totals)
        self.h.note(
            "lineops",
            name=name,
            commit=commit,
            totals=totals,
            files=files,
            skipped=list(skipped),
            duplicated_block=totals["copy_pasted"] > 0,
        )
        self.h.note(
            "ai_declared",
            name=name,
            commit=commit,
            flagged=flagged,
            automated=automated,
            rules=rules or [],
            author=who.name,
            email=who.email,
        )
        return commit


def _lineops(s: _Script) -> None:
    """L1-L12: every line class and the near misses of the block sizes, on days 0-13."""
    s.write("src/aiera/__init__.py", '"""AI-era scenario package."""\n')
    s.write("src/aiera/geometry.py", GEOMETRY_1)
    s.write("src/aiera/report.py", REPORT_1)
    s.write("src/aiera/util.py", UTIL_1)
    s.write("web/app.js", APP_JS)
    s.write("assets/logo.png", LOGO_1)
    s.commit(
        "L1",
        "Add the aiera package, a front end and a logo",
        day(0),
        ops(added=42, trivial_added=18),
        files={
            "src/aiera/__init__.py": ops(added=1),
            "src/aiera/geometry.py": ops(added=12, trivial_added=5),
            "src/aiera/report.py": ops(added=15, trivial_added=6),
            "src/aiera/util.py": ops(added=9, trivial_added=4),
            "web/app.js": ops(added=5, trivial_added=3),
        },
        skipped=("assets/logo.png",),
    )

    s.edit(
        "src/aiera/geometry.py",
        "geo_a1 * 12\n    geo_a3 = geo_a2 - 13",
        "geo_a1 * 22\n    geo_a3 = geo_a2 - 23",
    )
    s.edit("src/aiera/geometry.py", "# Perimeter of a square, approximately.\n", "")
    s.edit("src/aiera/geometry.py", "    return geo_p2\n", "    geo_p3 = geo_p2 // 2\n    return geo_p3\n")
    s.edit("src/aiera/util.py", CLAMP_1, CLAMP_2)
    s.commit(
        "L2",
        "Adjust area factors and simplify clamp",
        day(2),
        ops(added=1, deleted=2, updated=4, trivial_deleted=1),
        files={
            "src/aiera/geometry.py": ops(updated=3, added=1, trivial_deleted=1),
            "src/aiera/util.py": ops(updated=1, deleted=2),
        },
    )

    s.edit("src/aiera/report.py", "\n\n" + RENDER, "")
    s.write("src/aiera/render.py", '"""Rendering."""\n\n\n' + RENDER)
    s.commit(
        "L3",
        "Move render() to its own module",
        day(4),
        ops(added=1, moved_in=8, moved_out=8, trivial_added=2, trivial_deleted=2),
        files={
            "src/aiera/render.py": ops(added=1, moved_in=8, trivial_added=2),
            "src/aiera/report.py": ops(moved_out=8, trivial_deleted=2),
        },
    )

    s.edit("src/aiera/util.py", "\n\n" + HELPER, "")
    indented = "".join("    " + line + "\n" for line in HELPER.splitlines())
    s.write("src/aiera/geometry.py", s.files["src/aiera/geometry.py"] + "\n\nclass Shape:\n" + indented)
    s.commit(
        "L4",
        "Move helper() into a Shape class",
        day(5),
        ops(added=1, moved_in=4, moved_out=4, trivial_added=2, trivial_deleted=2),
        files={
            "src/aiera/geometry.py": ops(added=1, moved_in=4, trivial_added=2),
            "src/aiera/util.py": ops(moved_out=4, trivial_deleted=2),
        },
    )

    s.write("src/aiera/shapes.py", '"""Shapes."""\n\n\n' + AREA_2)
    s.commit(
        "L5",
        "Add shapes with a copy of area()",
        day(6),
        ops(added=1, copy_pasted=7, trivial_added=2),
        files={"src/aiera/shapes.py": ops(added=1, copy_pasted=7, trivial_added=2)},
    )

    s.write("src/aiera/alpha.py", '"""Alpha."""\n\n\n' + SHARED)
    s.write("src/aiera/beta.py", '"""Beta."""\n\n\n' + SHARED)
    s.commit(
        "L6",
        "Add alpha and beta with a shared step",
        day(7),
        ops(added=7, copy_pasted=5, trivial_added=4),
        files={
            "src/aiera/alpha.py": ops(added=6, trivial_added=2),
            "src/aiera/beta.py": ops(added=1, copy_pasted=5, trivial_added=2),
        },
    )

    s.write("src/aiera/util.py", s.files["src/aiera/util.py"] + "\n\n" + TWICE + "\n\n" + TWICE)
    s.commit(
        "L7",
        "Add twice(), pasted twice",
        day(8),
        ops(added=5, copy_pasted=5, trivial_added=4),
        files={"src/aiera/util.py": ops(added=5, copy_pasted=5, trivial_added=4)},
    )

    s.edit("src/aiera/geometry.py", "    geo_p1 = value * 4\n    geo_p2 = geo_p1 + 1\n", "")
    s.write("src/aiera/near.py", NEAR)
    s.commit(
        "L8",
        "Add near misses: 4 copied lines, 2 moved lines",
        day(9),
        ops(added=11, deleted=2, trivial_added=4),
        files={"src/aiera/geometry.py": ops(deleted=2), "src/aiera/near.py": ops(added=11, trivial_added=4)},
    )

    s.edit("src/aiera/report.py", FOOTER_1, FOOTER_2)
    s.commit(
        "L9",
        "Guard footer() against empty values",
        day(10),
        ops(added=2, updated=2),
        files={"src/aiera/report.py": ops(added=2, updated=2)},
    )

    s.write("web/widgets.js", WIDGETS_JS)
    s.commit(
        "L10",
        "Add widgets.js from draw()",
        day(11),
        ops(copy_pasted=5, trivial_added=3),
        files={"web/widgets.js": ops(copy_pasted=5, trivial_added=3)},
    )

    s.write("assets/logo.png", LOGO_2)
    s.move("src/aiera/near.py", "src/aiera/near_misses.py")
    s.commit(
        "L11",
        "Update the logo and rename near.py",
        day(12),
        ops(),
        skipped=("assets/logo.png",),
        files={"src/aiera/near_misses.py": ops()},
    )

    s.edit("src/aiera/render.py", "\n\n" + RENDER, "")
    s.write("src/aiera/view_a.py", '"""View A."""\n\n\n' + RENDER)
    s.write("src/aiera/view_b.py", '"""View B."""\n\n\n' + RENDER)
    s.commit(
        "L12",
        "Split render() into two views",
        day(13),
        ops(added=2, moved_in=8, moved_out=8, copy_pasted=8, trivial_added=4, trivial_deleted=2),
        files={
            "src/aiera/render.py": ops(moved_out=8, trivial_deleted=2),
            "src/aiera/view_a.py": ops(added=1, moved_in=8, trivial_added=2),
            "src/aiera/view_b.py": ops(added=1, copy_pasted=8, trivial_added=2),
        },
    )
    # Churn of this part: L2 rewrites 7 lines of L1 (3 + comment + return in geometry, 3 of clamp);
    # L3 and L4 move L1's render() and helper() (not churn) and delete 2 blank lines each; L8 deletes
    # 2 lines of perimeter(); L9 rewrites 2 lines of footer(); L12 moves L3's render() on (not churn)
    # and deletes 2 blank lines L3 wrote.
    n = s.named
    for deleter, origin, lines in (
        ("L2", "L1", 7),
        ("L3", "L1", 2),
        ("L4", "L1", 2),
        ("L8", "L1", 2),
        ("L9", "L1", 2),
        ("L12", "L3", 2),
    ):
        s.h.note(
            "lens_churn",
            commit=n[deleter],
            origin=n[origin],
            lines=lines,
            name=deleter,
            origin_name=origin,
            days_apart=(n[deleter].when - n[origin].when) / DAY,
        )


def _churn(s: _Script) -> None:
    """C1-C5 on churn.py: rewrites 5, 13, 18, 40 and 2 days after the lines were written."""
    path = "src/aiera/churn.py"
    s.write(path, CHURN_1)
    s.commit("C1", "Add plan()", day(20), ops(added=7, trivial_added=2), who=BOB)
    s.edit(
        path, "chn_1 = value + 301\n    chn_2 = chn_1 + 302", "chn_1 = value + 311\n    chn_2 = chn_1 + 312"
    )
    s.commit("C2", "Tune the first plan steps", day(25), ops(updated=2), who=CHANDRA)
    s.edit(path, "chn_1 = value + 311", "chn_1 = value + 321")
    s.edit(path, "chn_3 = chn_2 + 303", "chn_3 = chn_2 + 323")
    s.commit("C3", "Tune plan steps one and three", day(38), ops(updated=2), who=BOB)
    s.edit(path, "chn_4 = chn_3 + 304", "chn_4 = chn_3 + 344")
    s.commit("C4", "Tune the last plan step", day(60), ops(updated=1), who=DANA)
    s.edit(path, "    chn_4 = chn_3 + 344\n    return chn_4\n", "    return chn_3\n")
    s.commit("C5", "Drop the last plan step", day(62), ops(updated=1, deleted=1), who=CHANDRA)
    n = s.named
    for deleter, origin, lines, window in (
        ("C2", "C1", 2, 14),
        ("C3", "C2", 1, 14),
        ("C5", "C4", 1, 14),
        ("C2", "C1", 2, 21),
        ("C3", "C1", 1, 21),
        ("C3", "C2", 1, 21),
        ("C5", "C4", 1, 21),
    ):
        s.h.note(
            "churn",
            window_days=window,
            commit=n[deleter],
            origin=n[origin],
            lines=lines,
            name=deleter,
            origin_name=origin,
            days_apart=(n[deleter].when - n[origin].when) / DAY,
        )


def _declared(s: _Script) -> None:
    """F1-F10 declare AI assistance; N1-N8 are near misses. Each appends one line to a log."""
    path = "docs/ai-log.md"
    s.write(path, "# AI log\n")
    cases: list[tuple[str, str, Person, bool, bool, list[str]]] = [
        ("F1", "Add retry helper notes\n" + CLAUDE_TRAILERS, ALICE, True, False, CLAUDE_RULES),
        (
            "F2",
            "Tidy the log\n\nCo-authored-by: Copilot <175728472+Copilot@users.noreply.github.com>\n",
            BOB,
            True,
            False,
            ["copilot-coauthor"],
        ),
        (
            "F3",
            "Log the agent's work\n\nCo-authored-by: Alice Martin <alice@acme.example>\n",
            COPILOT_AGENT,
            True,
            False,
            ["ai-agent-account"],
        ),
        (
            "F4",
            "Log aider work\n\nCo-authored-by: aider (gpt-4o) <noreply@aider.chat>\n",
            DANA,
            True,
            False,
            ["aider-coauthor"],
        ),
        ("F5", "Log more aider work\n", DANA_AIDER, True, False, ["aider-author-suffix"]),
        (
            "F6",
            "Log assisted work\n\nAssisted-by: Gemini:gemini-2.5-pro\n",
            CHANDRA,
            True,
            False,
            ["assisted-by-trailer"],
        ),
        (
            "F7",
            "Log cursor work\n\nCo-authored-by: Cursor Agent <cursoragent@cursor.com>\n",
            BOB,
            True,
            False,
            ["cursor-coauthor"],
        ),
        (
            "F8",
            "Log devin work\n\nCo-authored-by: Devin AI <158243242+devin-ai-integration[bot]@users.noreply"
            ".github.com>\n",
            ALICE,
            True,
            False,
            ["devin-coauthor"],
        ),
        (
            "F9",
            "Log chat work\n\nAI-assisted: yes (ChatGPT)\n",
            CHANDRA,
            True,
            False,
            ["ai-assisted-trailer"],
        ),
        (
            "F10",
            "Squash: log entries (#12)\n\n* first entry\n\nCo-authored-by: Claude <noreply@anthropic.com>\n\n"
            "* second entry\n",
            ALICE,
            True,
            False,
            ["anthropic-coauthor"],
        ),
        (
            "N1",
            "Log pairing\n\nCo-authored-by: Claude Dupont <claude.dupont@example.fr>\n",
            BOB,
            False,
            False,
            [],
        ),
        (
            "N2",
            "Log pairing again\n\nCo-authored-by: Devin Park <devin.park@example.com>\n",
            BOB,
            False,
            False,
            [],
        ),
        (
            "N3",
            "Regenerate docs with black\n\nGenerated with Sphinx; regenerated by black.\n",
            DANA,
            False,
            False,
            [],
        ),
        ("N4", "Bump requests from 2.31.0 to 2.32.0\n", DEPENDABOT, False, True, ["bot-account"]),
        ("N5", "Log manual work\n\nAI-assisted: no\n", CHANDRA, False, False, []),
        ("N6", "Log help\n\nAssisted-by: Jane Roe <jane.roe@example.com>\n", ALICE, False, False, []),
        (
            "N7",
            "Ask Copilot less, think more\n\nWe discussed ChatGPT and Claude in the retro.\n",
            BOB,
            False,
            False,
            [],
        ),
        ("N8", "Log regenerated tables\n\nGenerated-by: scripts/regen.sh\n", DANA, False, False, []),
    ]
    for i, (name, message, who, flagged, automated, rules) in enumerate(cases):
        s.write(path, s.files[path] + f"- entry {name} on day {70 + i}\n")
        s.commit(
            name,
            message,
            day(70 + i),
            ops(added=2 if i == 0 else 1),
            who=who,
            flagged=flagged,
            automated=automated,
            rules=rules,
        )


def _month_start(index: int) -> tuple[int, int]:
    year, month = divmod(FIRST_MONTH[0] * 12 + FIRST_MONTH[1] - 1 + index, 12)
    return year, month + 1


def _at(year: int, month: int, mday: int) -> int:
    return calendar.timegm((year, month, mday, 10, 0, 0))


def _monthly(s: _Script) -> None:
    """30 months of new functions, some with a pasted 7-line block; copy/paste jumps at the event."""
    rng = s.ctx.rng
    pre: list[float] = []
    post: list[float] = []
    written = pasted = 0  # monthly commits and pastes so far
    for index in range(MONTHS):
        year, month = _month_start(index)
        after = index >= EVENT_MONTH
        counts = {"commits": 0, "added": 0, "copy_pasted": 0, "ai_commits": 0}
        for k in range(PER_MONTH):
            ai = after and rng.random() < P_AI_AFTER
            paste = rng.random() < (P_PASTE_AI if ai else P_PASTE_OTHER if after else P_PASTE_BEFORE)
            tag = f"m{year}_{month:02d}_{k}"
            text = f'"""Monthly work {tag}."""\n\n\n' + function(f"work_{tag}", tag, 8)
            if paste:
                text += "\n\n" + AREA_2
            path = f"src/aiera/monthly/{tag}.py"
            s.write(path, text)
            message = f"Add work_{tag}\n" + (CLAUDE_TRAILERS if ai else "")
            totals = ops(added=11, copy_pasted=7 if paste else 0, trivial_added=4 if paste else 2)
            who = TEAM[(index + k) % 4]
            s.commit(
                tag,
                message,
                _at(year, month, 3 + 7 * k),
                totals,
                who=who,
                flagged=ai,
                rules=CLAUDE_RULES if ai else [],
                files={path: totals},
            )
            counts["commits"] += 1
            counts["added"] += 11
            counts["copy_pasted"] += 7 if paste else 0
            counts["ai_commits"] += ai
            written, pasted = written + 1, pasted + paste
        operations = counts["added"] + counts["copy_pasted"]
        share = counts["copy_pasted"] / operations
        (post if after else pre).append(share)
        s.h.note(
            "ai_monthly",
            month=f"{year}-{month:02d}",
            post=after,
            operations=operations,
            copy_share=share,
            python_lines=BASE_PYTHON_LINES + 11 * written + 7 * pasted,
            duplicated_lines=BASE_DUPLICATED_LINES + 7 * pasted,
            **counts,
        )
    event = _month_start(EVENT_MONTH)
    s.h.note(
        "ai_event",
        date=f"{event[0]}-{event[1]:02d}-01",
        months_before=EVENT_MONTH,
        months_after=MONTHS - EVENT_MONTH,
        mean_share_before=sum(pre) / len(pre),
        mean_share_after=sum(post) / len(post),
        p_paste_before=P_PASTE_BEFORE,
        p_paste_ai=P_PASTE_AI,
        p_paste_other=P_PASTE_OTHER,
        p_ai_after=P_AI_AFTER,
    )


def populate(ctx: Context) -> None:
    s = _Script(ctx)
    _lineops(s)
    _churn(s)
    _declared(s)
    _monthly(s)
    assert ctx.history.count == SCRIPTED, ctx.history.count
    if ctx.commits > SCRIPTED:
        year, month = _month_start(MONTHS)
        ctx.history.clock.now = max(ctx.history.clock.now, _at(year, month, 1))
        ctx.activity.fill_until(ctx.commits)


SCENARIO = Scenario(
    name="ai_era",
    summary="line operations, churn, declared-AI trailers and a copy/paste level shift, all scripted",
    default_commits=SCRIPTED,
    min_commits=SCRIPTED,
    populate=populate,
    span_days=1200,
)
