"""Declared AI assistance: the shipped rules on realistic messages and near misses, and user rule files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qroi.ai.declared import classify, default_rules, load_rules, shipped_text
from qroi.core.errors import QroiError

HUMAN = ("Alice Martin", "alice@acme.example")

# (case, message, author (name, email), committer or None for the author, rule ids that must match)
DECLARED = [
    (
        "claude code",
        "Add retry helper\n\nAlso cover timeouts.\n\n\U0001f916 Generated with [Claude Code]"
        "(https://claude.com/claude-code)\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n",
        HUMAN,
        None,
        ["claude-code-marker", "generated-with-assistant", "anthropic-coauthor"],
    ),
    (
        "claude model name",
        "Fix parser\n\nCo-Authored-By: Claude Sonnet 4.6 <noreply@anthropic.com>\n",
        HUMAN,
        None,
        ["anthropic-coauthor"],
    ),
    (
        "copilot co-author",
        "Tidy\n\nCo-authored-by: Copilot <175728472+Copilot@users.noreply.github.com>\n",
        HUMAN,
        None,
        ["copilot-coauthor"],
    ),
    (
        "copilot agent",
        "Implement the export\n\nCo-authored-by: Alice Martin <alice@acme.example>\n",
        ("Copilot", "198982749+Copilot@users.noreply.github.com"),
        None,
        ["ai-agent-account"],
    ),
    (
        "copilot agent bot",
        "Fix lint",
        ("copilot-swe-agent[bot]", "198982749+Copilot@users.noreply.github.com"),
        ("GitHub", "noreply@github.com"),
        ["ai-agent-account", "bot-account"],
    ),
    ("codex", "Refactor\n\nCo-authored-by: Codex <noreply@openai.com>\n", HUMAN, None, ["openai-coauthor"]),
    (
        "chatgpt",
        "Refactor\n\nCo-authored-by: ChatGPT <chatgpt@example.invalid>\n",
        HUMAN,
        None,
        ["openai-coauthor"],
    ),
    (
        "cursor",
        "Add page\n\nCo-authored-by: Cursor Agent <cursoragent@cursor.com>\n",
        HUMAN,
        None,
        ["cursor-coauthor"],
    ),
    ("cursor made-with", "Add page\n\nMade-with: Cursor\n", HUMAN, None, ["generated-by-trailer"]),
    (
        "aider co-author",
        "Log\n\nCo-authored-by: aider (gpt-4o) <noreply@aider.chat>\n",
        HUMAN,
        None,
        ["aider-coauthor"],
    ),
    (
        "aider author",
        "aider: fix the loop",
        ("Dana Okafor (aider)", "dana@okafor.example"),
        ("Dana Okafor (aider)", "dana@okafor.example"),
        ["aider-author-suffix"],
    ),
    (
        "devin",
        "Add API\n\nCo-Authored-By: Devin AI <158243242+devin-ai-integration[bot]@users.noreply.github.com>\n",
        HUMAN,
        None,
        ["devin-coauthor"],
    ),
    (
        "gemini cli",
        "Add API\n\nCo-authored-by: Gemini CLI <gemini-cli@example.invalid>\n",
        HUMAN,
        None,
        ["google-coauthor"],
    ),
    (
        "jules",
        "Add API",
        ("google-labs-jules[bot]", "161369871+google-labs-jules[bot]@users.noreply.github.com"),
        None,
        ["ai-agent-account", "bot-account"],
    ),
    (
        "amazon q",
        "Add API\n\nCo-authored-by: Amazon Q Developer <q@example.invalid>\n",
        HUMAN,
        None,
        ["amazon-q-coauthor"],
    ),
    (
        "windsurf",
        "Add API\n\nCo-authored-by: Windsurf <bot@windsurf.com>\n",
        HUMAN,
        None,
        ["codeium-coauthor"],
    ),
    (
        "tabnine",
        "Add API\n\nCo-authored-by: Tabnine <agent@tabnine.com>\n",
        HUMAN,
        None,
        ["tabnine-coauthor"],
    ),
    (
        "opencode",
        "Add API\n\nCo-Authored-By: opencode <noreply@opencode.ai>\n",
        HUMAN,
        None,
        ["opencode-coauthor"],
    ),
    (
        "kernel assisted-by",
        "mm: fix leak\n\nAssisted-by: Claude:claude-opus-4\nSigned-off-by: A <a@b.c>\n",
        HUMAN,
        None,
        ["assisted-by-trailer"],
    ),
    (
        "assisted-by assistant address",
        "Fix\n\nAssisted-by: Claude <noreply@anthropic.com>\n",
        HUMAN,
        None,
        ["anthropic-coauthor"],
    ),
    ("ai-assisted", "Fix\n\nAI-assisted: yes\n", HUMAN, None, ["ai-assisted-trailer"]),
    ("generated-by tool", "Fix\n\nGenerated-by: ChatGPT 4o\n", HUMAN, None, ["generated-by-trailer"]),
    (
        "generated with copilot",
        "Add tests\n\nGenerated with GitHub Copilot\n",
        HUMAN,
        None,
        ["generated-with-assistant"],
    ),
    (
        "squash body",
        "Add export (#41)\n\n* first\n\nCo-authored-by: Claude <noreply@anthropic.com>\n\n* second\n",
        HUMAN,
        None,
        ["anthropic-coauthor"],
    ),
    ("claude as author", "Fix", ("Claude", "noreply@anthropic.com"), None, ["ai-agent-account"]),
]

NOT_DECLARED = [
    (
        "human named Claude",
        "Pair on parser\n\nCo-authored-by: Claude Dupont <claude.dupont@example.fr>\n",
        HUMAN,
    ),
    ("human named Claude alone", "Pair\n\nCo-authored-by: Claude <claude@example.fr>\n", HUMAN),
    ("human named Devin", "Pair\n\nCo-authored-by: Devin Park <devin.park@example.com>\n", HUMAN),
    ("human named Jules", "Pair\n\nCo-authored-by: Jules Verne <jules@example.fr>\n", HUMAN),
    ("human nicknamed Gemini", "Pair\n\nCo-authored-by: Gemini Rossi <gemini.rossi@example.it>\n", HUMAN),
    ("other generators", "Regenerate docs\n\nGenerated with Sphinx; regenerated by black.\n", HUMAN),
    ("ai-assisted no", "Fix\n\nAI-assisted: no\n", HUMAN),
    ("human helper", "Fix\n\nAssisted-by: Jane Roe <jane.roe@example.com>\n", HUMAN),
    ("mentions only", "Ask Copilot less\n\nWe discussed ChatGPT, Claude and Cursor in the retro.\n", HUMAN),
    ("script generated", "Tables\n\nGenerated-by: scripts/regen.sh\n", HUMAN),
    (
        "prose, not a trailer",
        "Explain trailers\n\nWrite Co-authored-by: Claude <noreply@anthropic.com> to declare.\n",
        HUMAN,
    ),
    ("github web merge", "Merge pull request #7 from acme/x", HUMAN),
]


@pytest.mark.parametrize(
    ("case", "message", "author", "committer", "rules"), DECLARED, ids=[c[0] for c in DECLARED]
)
def test_declared_assistance_is_flagged_with_the_rules_that_matched(
    case: str, message: str, author: tuple[str, str], committer: tuple[str, str] | None, rules: list[str]
) -> None:
    committer = committer or author
    found = classify(message, *author, *committer)
    assert found.flagged and not found.automated and found.category == "ai"
    assert [m.rule for m in found.matches] == rules
    assert found.rule == rules[0]
    assert json.loads(json.dumps(found.to_dict()))["matches"][0]["rule"] == rules[0]


@pytest.mark.parametrize(("case", "message", "author"), NOT_DECLARED, ids=[c[0] for c in NOT_DECLARED])
def test_near_misses_are_not_flagged(case: str, message: str, author: tuple[str, str]) -> None:
    found = classify(message, *author, "GitHub", "noreply@github.com")
    assert not found.flagged and found.category == "human" and found.matches == () and found.rule is None


def test_automation_accounts_are_kept_apart_from_ai_and_humans() -> None:
    found = classify(
        "Bump requests from 2.31.0 to 2.32.0",
        "dependabot[bot]",
        "49699333+dependabot[bot]@users.noreply.github.com",
    )
    assert (found.flagged, found.automated, found.category, found.rule) == (False, True, "bot", "bot-account")
    assert classify("CI", "github-actions", "actions@github.com").automated


def test_every_shipped_rule_is_exercised_by_a_case() -> None:
    exercised = {rule for *_, rules in DECLARED for rule in rules}
    assert exercised == set(default_rules().ids)
    assert "These rules find *declared* assistance only" in shipped_text()


def _rules(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    return path


TEAM_RULE = """
[[rule]]
id = "team-ai-trailer"
tool = "our convention"
category = "ai"
where = "trailer"
keys = ["X-AI"]
value = "^yes$"
"""


def test_a_user_file_extends_the_shipped_rules(tmp_path: Path) -> None:
    rules = load_rules(_rules(tmp_path, TEAM_RULE))
    assert rules.ids[-1] == "team-ai-trailer" and len(rules.ids) == len(default_rules().ids) + 1
    assert rules.classify("Fix\n\nX-AI: yes\n").rule == "team-ai-trailer"
    assert not rules.classify("Fix\n\nX-AI: no\n").flagged
    assert rules.classify("Fix\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n").flagged
    assert rules.sources[-1] == str(tmp_path / "rules.toml")


def test_a_user_file_can_replace_disable_or_override(tmp_path: Path) -> None:
    replaced = load_rules(_rules(tmp_path, "replace = true\n" + TEAM_RULE))
    assert replaced.ids == ["team-ai-trailer"]
    assert not replaced.classify("Fix\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n").flagged
    assert load_rules(_rules(tmp_path, TEAM_RULE), replace=True).ids == ["team-ai-trailer"]
    no_bots = load_rules(_rules(tmp_path, 'disable = ["bot-account"]\n'))
    assert not no_bots.classify(
        "Bump", "dependabot[bot]", "1+dependabot[bot]@users.noreply.github.com"
    ).automated
    strict = load_rules(
        _rules(
            tmp_path,
            '[[rule]]\nid = "anthropic-coauthor"\ncategory = "ai"\nwhere = "trailer"\n'
            'keys = ["Co-authored-by"]\nemail = "^noreply@anthropic\\\\.com$"\n',
        )
    )
    assert strict.ids.index("anthropic-coauthor") == default_rules().ids.index("anthropic-coauthor")
    assert (
        strict.classify("Fix\n\nCo-authored-by: Claude <noreply@anthropic.com>\n").rule
        == "anthropic-coauthor"
    )
    assert strict.classify("Fix\n\nAssisted-by: Claude <noreply@anthropic.com>\n").matches == ()


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (
            "[[rule]]\nid = 'x'\ncategory = 'ai'\nwhere = 'message'\npattern = '('\n",
            "rule 'x': pattern is not a valid regex",
        ),
        (
            "[[rule]]\nid = 'x'\ncategory = 'ai'\nwhere = 'message'\npatern = 'a'\n",
            "rule 'x': unknown field 'patern'",
        ),
        (
            "[[rule]]\nid = 'x'\ncategory = 'ai'\nwhere = 'trailer'\nvalue = 'a'\n",
            "rule 'x': a trailer rule needs `keys`",
        ),
        (
            "[[rule]]\nid = 'x'\ncategory = 'human'\nwhere = 'message'\npattern = 'a'\n",
            "category must be one of ai, bot",
        ),
        (
            "[[rule]]\nid = 'x'\ncategory = 'ai'\nwhere = 'author'\npattern = 'a'\n",
            "pattern does not apply to where",
        ),
        ("[[rule]]\nid = 'x'\ncategory = 'ai'\nwhere = 'author'\n", "give at least one of email, name"),
        ("[[rule]]\ncategory = 'ai'\nwhere = 'author'\nname = 'a'\n", "every rule needs an `id`"),
        (
            "[[rule]]\nid = 'x'\ncategory = 'ai'\nwhere = 'author'\nname = 'a'\n[[rule]]\nid = 'x'\ncategory = 'ai'\n"
            "where = 'author'\nname = 'b'\n",
            "rule id 'x' is used twice",
        ),
        ("disable = ['no-such-rule']\n", "disable names no shipped rule 'no-such-rule'"),
        ("version = 2\n", "unsupported rule file version 2"),
        ("rules = []\n", "unknown top-level key 'rules'"),
        ("[[rule]\n", "not valid TOML"),
    ],
)
def test_a_bad_rule_file_is_refused_with_the_file_and_rule(tmp_path: Path, text: str, error: str) -> None:
    path = _rules(tmp_path, text)
    with pytest.raises(QroiError, match=str(path).replace(".", r"\.")) as raised:
        load_rules(path)
    assert error in str(raised.value)


def test_a_missing_rule_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(QroiError, match="cannot read rule file .*missing.toml"):
        load_rules(tmp_path / "missing.toml")
