"""The hostile corpus: repositories, stores and issue files that broke qroi, run as a user would.

Usage: python tests/adversarial.py [--keep DIR]

Each case builds its input in a temporary folder (repositories with `sample_repos/`, stores with
a real ingest, issue files by hand), runs one `qroi` command as a new process, and checks what a
user must get: the expected exit status, at most one error line and no traceback, and, where the
case must not write, a store whose bytes are unchanged. It prints one row per case (case, exit
status, the last line of stderr, store unchanged) and a one-line summary; it exits 1 if any case
failed. tests/test_adversarial.py runs it in the suite.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qroi.sample_repos import odd_headers  # noqa: E402
from qroi.sample_repos.build import build  # noqa: E402


@dataclass(frozen=True)
class Case:
    """One hostile input: how to make it, the command's arguments, and what must happen."""

    name: str
    make: Callable[[Path, Path], list[str]]  # (work dir, a good store) -> qroi arguments
    codes: tuple[int, ...]  # accepted exit statuses
    store_unchanged: bool = True  # the good store's bytes must not change


@dataclass
class Outcome:
    case: str
    code: int
    line: str
    unchanged: bool | None
    ok: bool


def _sql(path: Path, *statements: str) -> None:
    conn = sqlite3.connect(path)
    with conn:
        for statement in statements:
            conn.execute(statement)
    conn.close()


def _store_copy(work: Path, store: Path, name: str) -> Path:
    copy = work / name
    shutil.copy(store, copy)
    return copy


def _issues(work: Path, name: str, text: str | bytes) -> Path:
    path = work / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def _import(name: str, text: str | bytes) -> Callable[[Path, Path], list[str]]:
    return lambda work, store: [
        "issues",
        "import",
        str(_issues(work, name, text)),
        "-r",
        "widget",
        "--db",
        str(store),
    ]


def _on_store(prepare: Callable[[Path], None], *command: str) -> Callable[[Path, Path], list[str]]:
    """A command on a damaged copy of the store (the good store itself stays untouched)."""

    def make(work: Path, store: Path) -> list[str]:
        copy = _store_copy(work, store, "damaged.db")
        prepare(copy)
        return [*command, "--db", str(copy)]

    return make


def _foreign(path: Path) -> None:
    path.unlink()
    _sql(
        path,
        "CREATE TABLE repos (id INTEGER PRIMARY KEY, url TEXT)",
        "CREATE TABLE commits (id INTEGER, hash TEXT)",
    )


def _good_repo(store: Path) -> Path:
    """The demo repository the good store holds (run_all builds it beside the store, once).

    Cases that only read a repository use it rather than build the demo again."""
    return store.parent / "widget"


def _repo_case(make_repo: Callable[[Path, Path], Path], *extra: str) -> Callable[[Path, Path], list[str]]:
    return lambda work, store: [
        "ingest",
        str(make_repo(work, store)),
        "--db",
        str(work / "fresh.db"),
        "--quiet",
        *extra,
    ]


def _shallow(work: Path, store: Path) -> Path:
    source = _good_repo(store)
    subprocess.run(["git", "clone", "-q", "--depth", "7", source.as_uri(), str(work / "shallow")], check=True)
    return work / "shallow"


def _no_python(work: Path) -> Path:
    repo = work / "docs-only"
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    (repo / "README.md").write_text("# docs\n")
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True)
    env = {
        "GIT_AUTHOR_NAME": "a",
        "GIT_AUTHOR_EMAIL": "a@x",
        "GIT_COMMITTER_NAME": "a",
        "GIT_COMMITTER_EMAIL": "a@x",
    }
    subprocess.run(
        ["git", "-C", str(repo), "commit", "-q", "-m", "docs"],
        check=True,
        env={"PATH": "/usr/bin:/bin", **env},
    )
    return repo


NESTED = '[{"number": 1, "created_at": "2021-03-01T00:00:00Z", "x": ' + "[" * 100_000 + "]" * 100_000 + "}]"
CASES = (
    # repositories: each must ingest (a fresh store), whatever its shape
    Case("repo: odd commit headers (+051800, -9999, empty author, CR)", _repo_case(lambda w, s: odd_headers.build(w / "odd")), (0,)),
    Case("repo: shallow clone (depth 7, merges cut)", _repo_case(_shallow), (0,)),
    Case("repo: no Python file at all", _repo_case(lambda w, s: _no_python(w)), (0,)),
    Case("repo: hostile --name '../x; DROP TABLE repos'", _repo_case(lambda w, s: _good_repo(s), "--name", "../x; DROP TABLE repos"), (0, 2)),
    Case("repo: not a repository", lambda w, s: ["ingest", str(w), "--db", str(s)], (2,)),
    Case("repo: unknown branch", lambda w, s: ["ingest", str(_good_repo(s)), "--branch", "nope", "--db", str(s)], (2,)),
    # stores: each must be refused (or read) without writing to the good store
    Case("store: random bytes", _on_store(lambda p: p.write_bytes(b"\x00garbage" * 999), "repos"), (2,)),
    Case("store: truncated", _on_store(lambda p: p.write_bytes(p.read_bytes()[:9000]), "summary", "widget"), (2,)),
    Case("store: another application's tables", _on_store(_foreign, "ingest", str(ROOT / "sample_repos")), (2,)),
    Case("store: a newer qroi's revision", _on_store(lambda p: _sql(p, "UPDATE alembic_version SET version_num='9999_x'"), "ingest", "."), (2,)),
    Case("store: interrupted ingest (no HEAD) beside a good one", _on_store(lambda p: _sql(p, "INSERT INTO repos (name, source) VALUES ('half', '/x')"), "repos"), (0,)),
    Case("store: malformed URL '://'", lambda w, s: ["repos", "--db", "://"], (2,)),
    Case("store: bad port", lambda w, s: ["repos", "--db", "postgresql://u@:99999/x"], (2,)),
    Case("store: unknown driver", lambda w, s: ["repos", "--db", "mysql+nope://x"], (2,)),
    Case("store: missing file", lambda w, s: ["summary", "widget", "--db", str(w / "none.db")], (2,)),
    # issue files: each must be refused with its line, importing nothing
    Case("issues: open quote swallows rows", _import("open.csv", 'id,created_at,title\n1,2021-03-01,"open\n2,2021-03-02,x\n'), (2,)),
    Case("issues: far-future date", _import("future.csv", "id,created_at\n1,9999-12-31T23:59:59-23:59\n"), (2,)),
    Case("issues: 5,000-digit number", _import("digits.csv", "id,created_at\n" + "9" * 5000 + ",2021-03-01\n"), (2,)),
    Case("issues: JSON nested 100,000 deep", _import("nested.json", NESTED), (2,)),
    Case("issues: binary file", _import("binary.json", bytes(range(256)) * 8), (2,)),
    Case("issues: empty file", _import("empty.csv", ""), (2,)),
    Case("issues: labels of the wrong type", _import("types.json", json.dumps([{"number": 1, "created_at": "2021-03-01T00:00:00Z", "labels": 7}])), (0, 2)),
    Case("issues: row wider than its header", _import("wide.csv", "id,created_at\n1,2021-03-01,extra\n"), (2,)),
    Case("command: empty --host", lambda w, s: ["dashboard", "--host", "", "--db", str(s)], (2,)),
    Case("command: unknown export table", lambda w, s: ["export", "nope", "-r", "widget", "--db", str(s)], (2,)),
)  # fmt: skip


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _one_clear_line(lines: list[str]) -> bool:
    """qroi's one error line, or click's usage block for a mistyped command (it ends in one)."""
    if len(lines) == 1:
        return lines[0].startswith("qroi: error: ")
    return bool(lines) and lines[0].startswith("Usage: ") and lines[-1].startswith("Error: ")


def run_case(case: Case, work: Path, store: Path) -> Outcome:
    work.mkdir(parents=True)
    before = _digest(store)
    args = case.make(work, store)
    done = subprocess.run(
        [sys.executable, "-m", "qroi", *args], capture_output=True, text=True, cwd=work, timeout=600,
        env={"PATH": "/usr/bin:/bin", "HOME": str(work), "QROI_CACHE": str(work / "cache")},
    )  # fmt: skip
    lines = done.stderr.strip().splitlines()
    unchanged = _digest(store) == before if case.store_unchanged else None
    ok = (
        done.returncode in case.codes
        and "Traceback" not in done.stderr + done.stdout
        and (done.returncode == 0 or _one_clear_line(lines))
        and unchanged is not False
    )
    return Outcome(case.name, done.returncode, lines[-1][:110] if lines else "", unchanged, ok)


def run_all(folder: Path) -> list[Outcome]:
    """Every case against one good store (the demo repository, ingested once)."""
    store = folder / "good.db"
    repo = build("demo", folder / "widget")
    subprocess.run(
        [sys.executable, "-m", "qroi", "ingest", "--no-headline", str(repo), "--db", str(store), "--quiet"],
        check=True,
        cwd=folder,
    )
    return [run_case(case, folder / f"case{i:02d}", store) for i, case in enumerate(CASES)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="build the cases in this folder and keep them")
    args = parser.parse_args()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        outcomes = run_all(args.keep)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            outcomes = run_all(Path(tmp))
    width = max(len(o.case) for o in outcomes)
    print(f"{'case':<{width}}  exit  store unchanged  result  message")
    for o in outcomes:
        kept = "-" if o.unchanged is None else ("yes" if o.unchanged else "NO")
        print(f"{o.case:<{width}}  {o.code:>4}  {kept:>15}  {'ok' if o.ok else 'FAIL':>6}  {o.line}")
    failed = [o for o in outcomes if not o.ok]
    print(
        f"adversarial corpus: {len(outcomes) - len(failed)} of {len(outcomes)} cases handled, {len(failed)} failed"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
