"""The sample repositories every other test relies on: deterministic, valid, and as planted.

Each check asks git first and the manifest second, so a manifest that drifts from the repository
it describes fails here rather than in the product's tests.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path
from random import Random

import pytest

from qroi.sample_repos import truth
from qroi.sample_repos.build import BuildError, build, git_env
from qroi.sample_repos.corpus import Corpus, _parsed
from qroi.sample_repos.edits import UNIT_EDITS
from qroi.sample_repos.shapes import shape_of

ROOT = Path(__file__).resolve().parent.parent
ISSUE_STYLES = (
    "#12",
    "GH-12",
    "fixes #12",
    "Closes #7",
    "resolves #3",
    "PROJ-123",
    "https://github.com/acme/widget/issues/12",
)


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], env=git_env(repo), capture_output=True, check=True)
    return done.stdout.decode("utf-8", "surrogateescape")


def blobs(repo: Path, shas: list[str]) -> dict[str, bytes]:
    """Read many blobs through one `git cat-file --batch`."""
    done = subprocess.run(
        ["git", "-C", str(repo), "cat-file", "--batch"],
        input="".join(f"{sha}\n" for sha in shas).encode(),
        capture_output=True,
        check=True,
    )
    out, pos, found = done.stdout, 0, {}
    for sha in shas:
        header_end = out.index(b"\n", pos)
        size = int(out[pos:header_end].split()[2])
        found[sha] = out[header_end + 1 : header_end + 1 + size]
        pos = header_end + 1 + size + 1
    return found


def tree(repo: Path, rev: str = "HEAD") -> dict[str, tuple[str, str]]:
    """path -> (mode, sha) for every file at `rev`."""
    entries = {}
    for record in git(repo, "ls-tree", "-r", "-z", rev).split("\0"):
        if record:
            meta, path = record.split("\t", 1)
            mode, _, sha = meta.split()
            entries[path] = (mode, sha)
    return entries


def messages(repo: Path) -> dict[str, str]:
    raw = git(repo, "log", "--format=%H%x00%B%x01")
    return dict(item.strip("\n").split("\0", 1) for item in raw.split("\x01") if item.strip())


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build("demo", tmp_path_factory.mktemp("demo") / "repo")


@pytest.fixture(scope="module")
def manifest(demo: Path) -> dict:
    return truth.load(demo)


def test_same_name_seed_and_size_give_the_same_history(demo: Path, tmp_path: Path) -> None:
    again = build("demo", tmp_path / "again")
    assert git(again, "show-ref") == git(demo, "show-ref")
    assert (again / ".git" / truth.FILENAME).read_bytes() == (demo / ".git" / truth.FILENAME).read_bytes()
    other = build("demo", tmp_path / "other", commits=120, seed=1)
    assert git(other, "rev-parse", "HEAD") != git(demo, "rev-parse", "HEAD")


def test_demo_is_a_clean_checked_out_repository(demo: Path, manifest: dict) -> None:
    subprocess.run(
        ["git", "-C", str(demo), "fsck", "--strict", "--no-dangling"], check=True, capture_output=True
    )
    assert git(demo, "symbolic-ref", "HEAD").strip() == "refs/heads/main"
    assert git(demo, "status", "--porcelain") == ""
    assert int(git(demo, "rev-list", "--count", "HEAD")) == manifest["commits"] == 300
    assert manifest["head"] == git(demo, "rev-parse", "HEAD").strip()
    assert git(demo, "for-each-ref", "refs/heads", "--format=%(refname)").split() == ["refs/heads/main"]


def test_merges_include_multi_commit_branches_and_a_moved_trunk(demo: Path, manifest: dict) -> None:
    merges = git(demo, "rev-list", "--merges", "HEAD").split()
    assert sorted(merges) == sorted(m["commit"] for m in manifest["merges"])
    assert len(merges) >= 3
    moved = multi = 0
    for merge in merges:
        first, second = git(demo, "rev-parse", f"{merge}^1", f"{merge}^2").split()
        base = git(demo, "merge-base", first, second).strip()
        moved += base != first
        multi += int(git(demo, "rev-list", "--count", f"{first}..{second}")) >= 2
    assert moved >= 1 and multi >= 1
    assert [m["trunk_moved"] for m in manifest["merges"]].count(True) == moved


def test_tags_are_lightweight_and_annotated_semver_plus_one_other(demo: Path, manifest: dict) -> None:
    kinds = dict(
        line.split()
        for line in git(
            demo, "for-each-ref", "refs/tags", "--format=%(refname:short) %(objecttype)"
        ).splitlines()
    )
    assert {"v0.1.0", "v0.2.0", "v0.2.1", "before-big-refactor"} <= set(kinds)
    assert "commit" in kinds.values() and "tag" in kinds.values()
    for name, fact in manifest["tags"].items():
        assert fact["annotated"] == (kinds[name] == "tag")
        assert git(demo, "rev-parse", f"{name}^{{commit}}").strip() == fact["target"]


def test_renames_across_directories_are_detected_pure_and_edited(demo: Path, manifest: dict) -> None:
    renames = [
        line.split("\t")
        for line in git(demo, "log", "-M", "--name-status", "--format=").splitlines()
        if line.startswith("R")
    ]
    across = [
        (score, old, new) for score, old, new in renames if old.rsplit("/", 1)[0] != new.rsplit("/", 1)[0]
    ]
    assert any(score == "R100" for score, _, _ in across)
    assert any(score != "R100" for score, _, _ in across)
    seen = {(old, new) for _, old, new in renames}
    planted = manifest["notes"]["renames"]
    assert planted and {(r["old"], r["new"]) for r in planted if not r["edited"]} <= seen


def test_reverts_name_real_commits_and_undo_them(demo: Path, manifest: dict) -> None:
    texts = messages(demo)
    reverts = {sha: text for sha, text in texts.items() if text.startswith('Revert "')}
    assert len(reverts) >= 2 and set(reverts) == set(manifest["reverts"])
    for sha, text in reverts.items():
        reverted = manifest["reverts"][sha]
        subject = texts[reverted].split("\n", 1)[0]
        assert text == f'Revert "{subject}"\n\nThis reverts commit {reverted}.'
        subprocess.run(["git", "-C", str(demo), "merge-base", "--is-ancestor", reverted, sha], check=True)
        paths = git(demo, "diff-tree", "--no-commit-id", "-r", "--name-only", reverted).split()
        assert git(demo, "diff", f"{reverted}^", sha, "--", *paths) == ""


def test_authors_time_zones_and_dates_look_like_a_team(demo: Path) -> None:
    rows = [
        line.split("\t") for line in git(demo, "log", "--format=%an\t%ae\t%cn\t%ce\t%ai\t%at").splitlines()
    ]
    assert len({email for _, email, *_ in rows}) >= 5
    assert any(not name.isascii() for name, *_ in rows)
    assert {date.rsplit(" ", 1)[1] for *_, date, _ in rows} >= {
        "+0100",
        "-0700",
        "+0530",
        "+0000",
        "+0900",
        "-0300",
    }
    assert any(author != committer for author, _, committer, *_ in rows)
    stamps = [int(stamp) for *_, stamp in rows]
    assert 540 < (max(stamps) - min(stamps)) / 86400 < 1100


def test_messages_carry_every_issue_style_and_tricky_words(demo: Path, manifest: dict) -> None:
    texts = messages(demo)
    planted = [ref["text"] for refs in manifest["issue_refs"].values() for ref in refs]
    assert set(ISSUE_STYLES) <= set(planted)
    for sha, refs in manifest["issue_refs"].items():
        assert all(ref["text"] in texts[sha] for ref in refs)
    bugfix = set(manifest["bugfix_commits"])
    subjects = {sha: text.split("\n", 1)[0] for sha, text in texts.items()}
    for prefix in ("Fix crash in", "bugfix:", "hotfix"):
        assert any(subjects[sha].startswith(prefix) for sha in bugfix)
    tricky = [
        sha for sha, s in subjects.items() if s.endswith(("Add prefix handling", "Refactor debugger UI"))
    ]
    assert len(tricky) >= 2 and not set(tricky) & bugfix
    cases = {note["case"]: note["commit"] for note in manifest["notes"]["message_cases"]}
    assert texts[cases["empty_message"]] == ""
    assert texts[cases["multiline"]].count("\n") >= 5


def test_hostile_files_are_in_the_tree_as_described(demo: Path, manifest: dict) -> None:
    files = tree(demo)
    planted = manifest["notes"]["hostile"]
    assert {h["kind"] for h in planted} >= {
        "python2",
        "syntax_error",
        "latin1_no_cookie",
        "latin1_cookie",
        "binary",
        "empty",
        "huge_literal",
        "deep_nesting",
        "crlf",
        "unicode_path",
        "space_path",
        "symlink",
        "executable",
    }
    contents = blobs(demo, [files[h["path"]][1] for h in planted])
    for item in planted:
        mode, sha = files[item["path"]]
        assert mode == item["mode"]
        try:
            ast.parse(contents[sha])
            parses = True
        except (SyntaxError, ValueError):
            parses = False
        assert parses == item["parses"], item["path"]
    by_kind = {h["kind"]: contents[files[h["path"]][1]] for h in planted}
    assert by_kind["huge_literal"].count(b"\n") >= 3000
    assert b"\r\n" in by_kind["crlf"] and by_kind["empty"] == b""
    assert by_kind["binary"].startswith(b"\x89PNG")
    with pytest.raises(UnicodeDecodeError):
        by_kind["latin1_no_cookie"].decode("utf-8")
    assert (demo / "scripts" / "widget_latest.py").is_symlink()
    assert (demo / "src" / "données" / "modèle.py").is_file()


def test_every_other_python_blob_in_history_parses(demo: Path, manifest: dict) -> None:
    hostile = {h["path"] for h in manifest["notes"]["hostile"] if not h["parses"]}
    seen: dict[str, str] = {}
    for line in git(demo, "log", "--all", "--raw", "--no-renames", "--no-abbrev", "--format=").splitlines():
        meta, _, path = line.partition("\t")
        fields = meta.split()
        if path.endswith(".py") and path not in hostile and fields[1] != "120000" and set(fields[3]) != {"0"}:
            seen[fields[3]] = path
    assert len(seen) > 100
    for sha, data in blobs(demo, sorted(seen)).items():
        ast.parse(data, filename=seen[sha])


def test_files_repeat_their_blobs_across_commits(demo: Path) -> None:
    commits = git(demo, "rev-list", "--first-parent", "HEAD").split()[100:160]  # a consecutive stretch
    instances, distinct, changed = 0, set(), 0
    for commit in commits:
        py = {path: sha for path, (_, sha) in tree(demo, commit).items() if path.endswith(".py")}
        instances += len(py)
        distinct.update(py.values())
        changed += sum(
            p.endswith(".py")
            for p in git(demo, "diff-tree", "--no-commit-id", "-r", "--name-only", commit).split()
        )
    assert instances > 5 * len(distinct)
    assert changed / instances < 0.1


def test_deleted_file_comes_back_at_the_same_path(demo: Path, manifest: dict) -> None:
    (note,) = manifest["notes"]["readded"]
    assert note["path"] not in tree(demo, note["deleted_in"])
    assert tree(demo, note["readded_in"])[note["path"]] == tree(demo, f"{note['deleted_in']}^")[note["path"]]


def test_unit_edits_stay_valid_python_and_predict_their_own_shape() -> None:
    """Edits skip re-parsing for speed, so check what they promise: valid code, correct shape."""
    corpus, rng, applied = Corpus(), Random(7), 0
    for path in corpus.paths:
        for unit in _parsed(path).units:
            text, found = unit.text, shape_of(ast.parse(unit.text).body[0], unit.text)
            for kind in ["branch", "rename", "tweak"] * 3:
                change = UNIT_EDITS[kind](text, found, rng)
                if change is None:
                    continue
                applied += 1
                assert change.text != text
                fresh = shape_of(ast.parse(change.text).body[0], change.text)
                assert change.shape == fresh, (kind, change.text)
                text, found = change.text, change.shape
    assert applied > 1000


def test_refuses_a_non_empty_destination(tmp_path: Path) -> None:
    keep = tmp_path / "keep.txt"
    keep.write_text("mine")
    with pytest.raises(BuildError, match="not empty"):
        build("demo", tmp_path)
    assert keep.read_text() == "mine" and sorted(tmp_path.iterdir()) == [keep]
    done = subprocess.run(
        [sys.executable, "-m", "qroi.sample_repos.build", "demo", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1


def test_cli_and_bare_builds(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "qroi.sample_repos.build",
            "large",
            str(tmp_path / "cli"),
            "--commits",
            "150",
            "--seed",
            "3",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.startswith("built large (seed 3): 150 commits") and done.stdout.count("\n") == 1
    assert git(tmp_path / "cli", "rev-list", "--count", "HEAD").strip() == "150"
    bare = build("demo", tmp_path / "bare.git", commits=120, bare=True)
    assert git(bare, "rev-parse", "--is-bare-repository").strip() == "true"
    assert truth.load(bare)["head"] == git(bare, "rev-parse", "HEAD").strip()


def test_large_builds_three_thousand_commits(tmp_path: Path) -> None:
    repo = build("large", tmp_path / "large", commits=3000)
    subprocess.run(
        ["git", "-C", str(repo), "fsck", "--strict", "--no-dangling"], check=True, capture_output=True
    )
    assert git(repo, "rev-list", "--count", "HEAD").strip() == "3000"
    assert int(git(repo, "rev-list", "--merges", "--count", "HEAD")) >= 20
    assert len(git(repo, "tag").split()) >= 10
    python_files = [path for path in tree(repo) if path.endswith(".py")]
    assert 100 <= len(python_files) <= 400
