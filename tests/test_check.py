"""`qroi check` on the `pull_request` sample repository: the gate, its SARIF, its PR comment.

The SARIF files are validated against the SARIF 2.1.0 JSON schema shipped next to this file
(`sarif-schema-2.1.0.json`, OASIS's published schema); nothing is downloaded.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from radon.complexity import cc_visit

from qroi.analysis.claim import claim_test
from qroi.check.compare import CheckOptions, run_check
from qroi.check.sarif import FINGERPRINT_KEY, sarif
from qroi.sample_repos import truth
from qroi.sample_repos.build import build
from qroi.sample_repos.scenarios.pull_request import HOTSPOT, PRICING, TEN_FILES
from qroi.store import database
from tests.conftest import git, ingested, run_qroi

SCHEMA = json.loads((Path(__file__).with_name("sarif-schema-2.1.0.json")).read_text(encoding="utf-8"))


def validate(doc: dict[str, Any]) -> None:
    jsonschema.Draft4Validator.check_schema(SCHEMA)
    jsonschema.Draft4Validator(SCHEMA).validate(doc)


def planted(repo: Path, branch: str) -> dict[str, Any]:
    return next(n for n in truth.load(repo)["notes"]["pull_request"] if n["branch"] == branch)


@pytest.fixture(scope="module")
def pr_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build("pull_request", tmp_path_factory.mktemp("repos") / "shop")


@pytest.fixture(scope="module")
def pr_db(tmp_path_factory: pytest.TempPathFactory, pr_repo: Path) -> Path:
    return ingested(pr_repo, tmp_path_factory.mktemp("stores"), "shop.db")


def results(sarif: Path) -> list[dict[str, Any]]:
    doc = json.loads(sarif.read_bytes())
    validate(doc)
    return doc["runs"][0]["results"]


def test_complex_function_on_a_hotspot_fails_the_gate(pr_repo: Path, pr_db: Path, tmp_path: Path) -> None:
    fact = planted(pr_repo, PRICING)
    sarif, comment = tmp_path / "check.sarif", tmp_path / "comment.md"
    done = run_qroi(
        "check", str(pr_repo), "--base", "main", "--head", PRICING, "--fail-on", "new",
        "--db", str(pr_db), "--sarif", str(sarif), "--markdown", str(comment),
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    found = results(sarif)
    complex_ = [r for r in found if r["ruleId"] == "QROI001"]
    assert len(complex_) == 1 and complex_[0]["level"] == "error"
    where = complex_[0]["locations"][0]["physicalLocation"]
    assert where["artifactLocation"]["uri"] == fact["path"] == HOTSPOT
    assert where["region"]["startLine"] == fact["line"]
    # The complexity reported is Radon's own for the head's file.
    head_text = git(pr_repo, "show", f"{PRICING}:{HOTSPOT}")
    radon_cc = next(b.complexity for b in cc_visit(head_text) if b.name == fact["function"])
    assert f"{fact['function']} has cyclomatic complexity {radon_cc} " in complex_[0]["message"]["text"]
    # The copied block is reported where it was pasted, not at the original it copies.
    copies = [r for r in found if r["ruleId"] == "QROI004"]
    assert [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in copies] == [
        fact["copied_line"]
    ]
    # The store says the file is the top hotspot, and what the claim test found, as the claim test says it.
    notes = [r for r in found if r["ruleId"] == "QROI005"]
    assert len(notes) == 1 and notes[0]["level"] == "note"
    assert notes[0]["message"]["text"].startswith("hotspot #1 of ")
    engine = database.connect(str(pr_db))
    claim = claim_test(engine, ["shop"], ["cc_max"], ["defects"], n_boot=0).report.hypotheses[0]
    engine.dispose()
    assert (claim.reason or claim.verdict or "") in notes[0]["message"]["text"]
    text = comment.read_text(encoding="utf-8")
    assert text.startswith("### qroi check fails (--fail-on new)")
    assert f"`{HOTSPOT}:{fact['line']}`" in text
    assert "1 of 1 changed paths are Python files; 2 new findings" in text
    assert "fails --fail-on new" in done.stderr.splitlines()[-1]


def test_unchanged_head_passes(pr_repo: Path, tmp_path: Path) -> None:
    sarif = tmp_path / "same.sarif"
    done = run_qroi("check", str(pr_repo), "--base", "main", "--head", "main", "--sarif", str(sarif))
    assert done.returncode == 0, done.stderr
    assert results(sarif) == []
    assert "0 Python files of 0 changed paths" in done.stderr


def test_fail_on_never_reports_without_failing(pr_repo: Path) -> None:
    done = run_qroi("check", str(pr_repo), "--base", "main", "--head", PRICING, "--fail-on", "never")
    assert done.returncode == 0, done.stderr
    assert "QROI001" in done.stdout and "passes --fail-on never" in done.stderr


def test_worse_is_stricter_than_new_and_worktree_is_checked(tmp_path: Path) -> None:
    repo = build("pull_request", tmp_path / "shop")
    git(repo, "checkout", "-q", PRICING)
    cart = repo / HOTSPOT
    cart.write_text(
        cart.read_text(encoding="utf-8").replace(
            "    while amount < 0:\n", "    if amount > 1000:\n        amount = 1000\n    while amount < 0:\n"
        ),
        encoding="utf-8",
    )
    args = ("check", str(repo), "--base", PRICING, "--head", "WORKTREE")
    new = run_qroi(*args, "--fail-on", "new")
    worse = run_qroi(*args, "--fail-on", "worse")
    assert new.returncode == 0, new.stderr
    assert worse.returncode == 1, worse.stderr
    assert "price_rules got more complex: 13 -> 14" in worse.stdout
    report = run_check(repo, PRICING, "WORKTREE")
    assert [(f.rule, f.level) for f in report.findings] == [("QROI002", "worse")]


def test_untracked_file_in_the_worktree_is_checked(tmp_path: Path) -> None:
    repo = build("pull_request", tmp_path / "shop")
    source = git(repo, "show", f"{PRICING}:{HOTSPOT}")
    (repo / "src" / "widget" / "pricing.py").write_text(source, encoding="utf-8")
    report = run_check(repo, "main", "WORKTREE")
    assert [f.status for f in report.files] == ["A"]
    assert {f.rule for f in report.findings} == {"QROI001", "QROI004"}


def test_fingerprints_survive_a_push_that_moves_the_code(tmp_path: Path) -> None:
    repo = build("pull_request", tmp_path / "shop")
    before = run_check(repo, "main", PRICING)
    git(repo, "checkout", "-q", PRICING)
    cart = repo / HOTSPOT
    cart.write_text('"""The cart."""\n\nTAX = 0.21\n' + cart.read_text(encoding="utf-8"), encoding="utf-8")
    git(
        repo,
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@example.com",
        "commit",
        "-q",
        "-am",
        "Add a tax constant",
    )
    after = run_check(repo, "main", "HEAD")
    assert [(f.rule, f.fingerprint) for f in before.findings] == [
        (f.rule, f.fingerprint) for f in after.findings
    ]
    assert [f.line + 3 for f in before.findings] == [f.line for f in after.findings]
    prints = [
        [r["partialFingerprints"][FINGERPRINT_KEY] for r in sarif(report)["runs"][0]["results"]]
        for report in (before, after)
    ]
    assert prints[0] == prints[1] and len(set(prints[0])) == len(before.findings) == 2


def test_a_renamed_file_is_compared_with_its_old_self(tmp_path: Path) -> None:
    repo = build("pull_request", tmp_path / "shop")
    git(repo, "checkout", "-q", PRICING)
    git(repo, "mv", HOTSPOT, "src/widget/basket.py")
    report = run_check(repo, PRICING, "WORKTREE")
    assert [(f.path, f.old_path, f.status) for f in report.files] == [("src/widget/basket.py", HOTSPOT, "R")]
    assert report.findings == []


def test_ten_file_change(pr_repo: Path) -> None:
    fact = planted(pr_repo, TEN_FILES)
    report = run_check(pr_repo, "main", TEN_FILES, CheckOptions(rank="A"))
    assert sorted(f.path for f in report.files) == sorted(fact["paths"])
    assert sorted({f.path for f in report.findings if f.rule == "QROI001"}) == sorted(fact["paths"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "--base is required"),
        (("--base", "no-such-branch"), "no such branch or revision 'no-such-branch'"),
        (("--base", "main", "--rank", "G"), "--rank must be one of A, B, C, D, E, F"),
        (("--base", "main", "--fail-on", "sometimes"), "Invalid value for '--fail-on'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(pr_repo: Path, args: tuple[str, ...], message: str) -> None:
    done = run_qroi("check", str(pr_repo), *args)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_not_a_repository(tmp_path: Path) -> None:
    done = run_qroi("check", str(tmp_path), "--base", "main")
    assert done.returncode == 2
    assert done.stderr.strip() == f"qroi: error: not a git repository: {tmp_path}"
