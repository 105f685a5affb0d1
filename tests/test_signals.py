"""Message rules: bug fixes, reverts and issue references as planted by the sample builder."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import Engine

from qroi.labels.messages import bugfix_regex, is_bugfix, issue_refs, revert_of
from qroi.read import queries


def _truth(repo: Path) -> dict:
    return json.loads((repo / ".git" / "qroi-truth.json").read_text())


def test_bugfix_flags_match_the_planted_ones(demo_repo: Path, demo_engine: Engine) -> None:
    truth = _truth(demo_repo)
    commits = queries.commits(demo_engine, "widget").set_index("sha")
    flagged = set(commits.index[commits["is_bugfix"].astype(bool)])
    planted = set(truth["bugfix_commits"])
    assert flagged == planted
    for case in truth["notes"]["message_cases"]:
        assert bool(commits.loc[case["commit"], "is_bugfix"]) == case["bugfix"], case


def test_reverts_point_at_the_reverted_commit(demo_repo: Path, demo_engine: Engine) -> None:
    commits = queries.commits(demo_engine, "widget").set_index("sha")
    reverts = commits[commits["is_revert"].astype(bool)]
    assert dict(zip(reverts.index, reverts["reverted_sha"], strict=True)) == _truth(demo_repo)["reverts"]


def test_issue_references_match_the_planted_ones(demo_repo: Path, demo_engine: Engine) -> None:
    planted = _truth(demo_repo)["issue_refs"]
    commits = queries.commits(demo_engine, "widget").set_index("sha")
    for sha, refs in planted.items():
        expected = {(f"#{r['issue']}" if r["tracker"] == "github" else r["issue"]) for r in refs}
        assert set(commits.loc[sha, "issue_refs"].split()) == expected, (sha, refs)
    unplanted = commits[~commits.index.isin(planted) & (commits["issue_refs"] != "")]
    for message, refs in zip(unplanted["message"], unplanted["issue_refs"], strict=True):
        # The only other references are the pull-request numbers of GitHub's merge messages.
        number = re.match(r"Merge pull request (#\d+) from ", message)
        assert number and refs == number.group(1), message


@pytest.mark.parametrize(
    ("message", "refs"),
    [
        ("Fix login, fixes #12 and see GH-13", {"#12": "closes", "#13": "mentions"}),
        ("Closes: PROJ-9; relates to ABC-1", {"PROJ-9": "closes", "ABC-1": "mentions"}),
        (
            "see https://github.com/acme/widget/issues/99 and https://jira.acme.example/browse/OPS-4",
            {"#99": "mentions", "OPS-4": "mentions"},
        ),
        ("Use UTF-8 and ISO-8859-1, SHA-256, PEP-8, CVE-2021-44228", {}),
        ("colour #fff, html &#123; and a/#5 path", {}),
        ("resolved #3, Resolves #4", {"#3": "closes", "#4": "closes"}),
    ],
)
def test_issue_reference_styles(message: str, refs: dict[str, str]) -> None:
    assert issue_refs(message) == refs


def test_bugfix_rule_words() -> None:
    regex = bugfix_regex()
    for yes in (
        "Fix crash in parser",
        "bugfix: handle None",
        "Hotfix for release",
        "fixes #3",
        "Regression in 2.1",
    ):
        assert is_bugfix(yes, regex), yes
    for no in ("Add prefix handling", "Refactor debugger UI", "Update fixtures", 'Revert "Fix crash"', ""):
        assert not is_bugfix(no, regex), no
    assert is_bugfix("Tidy things (JIRA-1)", bugfix_regex(r"JIRA-\d+"))


def test_revert_detection() -> None:
    assert revert_of('Revert "Add x"\n\nThis reverts commit 0123456789abcdef0123456789abcdef01234567.') == (
        True,
        "0123456789abcdef0123456789abcdef01234567",
    )
    assert revert_of('Revert "Add x"') == (True, None)
    assert revert_of("Reverting to sanity") == (False, None)


def test_change_kinds_equal_the_planted_truth(tmp_path: Path) -> None:
    """The trap: most commits below say "fix"; the kinds must equal what each commit really is."""
    from qroi.ingest.pipeline import ingest
    from qroi.sample_repos import noise
    from qroi.store import database
    from tests.conftest import run_qroi

    repo, planted = noise.build(tmp_path / "noise")
    db = tmp_path / "n.db"
    engine = database.connect(str(db))
    ingest(engine, str(repo))

    def stored() -> dict[str, tuple[str, bool, str]]:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql("SELECT sha, kind, is_bugfix, kind_rule FROM commits").all()
        return {sha: (kind, bool(fix), rule) for sha, kind, fix, rule in rows}

    regex = bugfix_regex()
    worded = [p for _, p in planted if is_bugfix(p.message, regex)]
    truth = [p for _, p in planted if p.fixes_product]
    # The keyword rule alone: precision below one half, and it misses fixes that name no fix word.
    assert 2 * sum(p.fixes_product for p in worded) < len(worded)
    assert any(p not in worded for p in truth)
    kinds = stored()
    assert {p.message: kinds[sha][0] for sha, p in planted} == {
        p.message: p.kind_without_issues() for _, p in planted
    }
    assert all(fix == (kind == "fix") and rule for kind, fix, rule in kinds.values())  # one definition
    issues = tmp_path / "issues.json"
    issues.write_text(json.dumps(noise.bug_issues()))
    imported = run_qroi("issues", "import", str(issues), "--repo", "noise", "--db", str(db))
    assert imported.returncode == 0, imported.stderr
    assert run_qroi("ingest", "--no-headline", str(repo), "--db", str(db), "--quiet").returncode == 0
    kinds = stored()
    assert {p.message: kinds[sha][0] for sha, p in planted} == {p.message: p.kind for _, p in planted}
    linked = next(sha for sha, p in planted if p.bug_issue)
    assert kinds[linked][2].startswith("linked to a bug issue #21")


def test_a_store_labelled_by_the_older_rule_is_relabelled_once(tmp_path: Path) -> None:
    import sqlite3

    from qroi.sample_repos import noise
    from tests.conftest import run_qroi

    repo, planted = noise.build(tmp_path / "noise")
    db = tmp_path / "old.db"
    assert run_qroi("ingest", "--no-headline", str(repo), "--db", str(db), "--quiet").returncode == 0
    regex = bugfix_regex()
    conn = sqlite3.connect(db)
    with conn:  # what an older qroi stored: the message rule alone, no kinds, settings without the rule
        for sha, p in planted:
            conn.execute(
                "UPDATE commits SET is_bugfix = ?, kind = NULL, kind_rule = NULL WHERE sha = ?",
                (is_bugfix(p.message, regex), sha),
            )
        settings = json.loads(conn.execute("SELECT settings FROM delivery_state").fetchone()[0])
        del settings["bugfix_rule"]
        conn.execute("UPDATE delivery_state SET settings = ?", (json.dumps(settings),))
    conn.close()
    wrong = sum(is_bugfix(p.message, regex) != (p.kind_without_issues() == "fix") for _, p in planted)
    again = run_qroi("ingest", "--no-headline", str(repo), "--db", str(db))
    assert again.returncode == 0 and f"{wrong} commits re-flagged by the bug-fix rule" in again.stderr, (
        again.stderr
    )
    conn = sqlite3.connect(db)
    stored = {
        sha: (bool(fix), kind) for sha, fix, kind in conn.execute("SELECT sha, is_bugfix, kind FROM commits")
    }
    conn.close()
    truth = {sha: (p.kind_without_issues() == "fix", p.kind_without_issues()) for sha, p in planted}
    assert {sha: stored[sha] for sha, _ in planted} == truth
    assert "re-flagged" not in run_qroi("ingest", str(repo), "--db", str(db)).stderr
