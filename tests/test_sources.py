"""Clone URLs really work, and a token in a URL leaves no trace anywhere qroi writes."""

from __future__ import annotations

import base64
import functools
import http.server
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from qroi.git.sources import name_from, redact, strip_credentials
from tests.conftest import run_qroi

TOKEN = "s3cr3t-T0KEN-4242"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files; on every request it also reads every process's command line, as `ps` does,
    while the git process that sent the request is alive."""

    seen: list[str] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - the http.server hook's name
        type(self).seen.append(self.headers.get("Authorization", ""))
        for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
            try:
                type(self).seen.append(cmdline.read_bytes().replace(b"\0", b" ").decode("utf-8", "replace"))
            except OSError:
                continue
        super().do_GET()


@pytest.fixture
def served(demo_repo: Path, tmp_path: Path) -> Iterator[str]:
    """The demo repository as a bare repo over git's dumb HTTP protocol on a loopback port."""
    root = tmp_path / "srv"
    root.mkdir()
    bare = root / "widget.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(demo_repo), str(bare)], check=True)
    subprocess.run(["git", "-C", str(bare), "update-server-info"], check=True)
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _all_bytes(*roots: Path) -> bytes:
    return b"".join(p.read_bytes() for root in roots for p in sorted(root.rglob("*")) if p.is_file())


def test_http_url_with_token_is_cloned_and_forgotten(served: str, tmp_path: Path, demo_repo: Path) -> None:
    url = f"http://zq-deploy-user:{TOKEN}@{served}/widget.git"
    cache, db = tmp_path / "cache", tmp_path / "store" / "q.db"
    db.parent.mkdir()
    env = {"QROI_CACHE": str(cache)}
    first = run_qroi("ingest", "--no-headline", url, "--db", str(db), env=env)
    assert first.returncode == 0, first.stderr
    expected = subprocess.run(
        ["git", "-C", str(demo_repo), "rev-list", "--count", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert f"{int(expected):,} new commits" in first.stderr
    again = run_qroi("ingest", url, "--db", str(db), env=env)
    assert again.returncode == 0 and "up to date" in again.stderr
    outputs = [first.stdout, first.stderr, again.stdout, again.stderr]
    repos = run_qroi("repos", "--db", str(db))
    assert f"http://{served}/widget.git" in repos.stdout
    outputs += [repos.stdout, repos.stderr]
    for table in ("commits", "changes", "files", "functions"):
        out = run_qroi("export", table, "--repo", "widget", "--db", str(db))
        assert out.returncode == 0, out.stderr
        outputs += [out.stdout, out.stderr]
    for text in outputs:
        assert TOKEN not in text and "zq-deploy-user" not in text
    basic = base64.b64encode(f"zq-deploy-user:{TOKEN}".encode()).decode()
    assert f"Basic {basic}" in _QuietHandler.seen  # git sent the credential...
    # qroi's own command line holds the URL as the user typed it; git's must not.
    command_lines = [
        line for line in _QuietHandler.seen if not line.startswith("Basic ") and "-m qroi" not in line
    ]
    assert any("clone" in line and served in line for line in command_lines)  # ...while ps could look
    assert not [line for line in command_lines if basic in line or TOKEN in line]
    written = _all_bytes(db.parent, cache)  # the store (with WAL) and the cached clone, config included
    assert TOKEN.encode() not in written
    assert b"zq-deploy-user" not in written


def test_file_url(demo_repo: Path, tmp_path: Path) -> None:
    db = tmp_path / "f.db"
    result = run_qroi(
        "ingest",
        "--no-headline",
        demo_repo.as_uri(),
        "--db",
        str(db),
        env={"QROI_CACHE": str(tmp_path / "c")},
    )
    assert result.returncode == 0, result.stderr
    assert "ingested widget:" in result.stderr


def test_unreachable_url_is_one_clear_line(served: str, tmp_path: Path) -> None:
    result = run_qroi(
        "ingest",
        f"http://bob:{TOKEN}@{served}/missing.git",
        "--db",
        str(tmp_path / "x.db"),
        env={"QROI_CACHE": str(tmp_path / "c")},
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("qroi: error: could not fetch")
    assert TOKEN not in result.stderr and "Traceback" not in result.stderr


def test_secrets_in_file_urls_and_queries_are_never_shown(served: str, tmp_path: Path) -> None:
    env = {"QROI_CACHE": str(tmp_path / "c")}
    missing = run_qroi(
        "ingest", f"file://bob:{TOKEN}@localhost/nowhere/x.git", "--db", str(tmp_path / "a.db"), env=env
    )
    assert missing.returncode == 2 and "could not fetch file://localhost/nowhere/x.git" in missing.stderr
    query = f"http://{served}/missing.git?private_token={TOKEN}&ref=main"
    failed = run_qroi("ingest", query, "--db", str(tmp_path / "b.db"), env=env)
    assert failed.returncode == 2 and f"http://{served}/missing.git?ref=main" in failed.stderr
    listed = tmp_path / "repos.txt"
    listed.write_text(f"{query}\nfile://bob:{TOKEN}@localhost/nowhere/y.git\n")
    fleet = run_qroi("ingest", "--from", str(listed), "--db", str(tmp_path / "c.db"), env=env)
    assert fleet.returncode != 0 and "missing.git" in fleet.stdout + fleet.stderr
    for result in (missing, failed, fleet):
        assert TOKEN not in result.stdout + result.stderr and "bob" not in result.stdout + result.stderr


def test_credential_helpers() -> None:
    assert (
        strip_credentials("https://user:tok@github.com/acme/widget.git")
        == "https://github.com/acme/widget.git"
    )
    assert strip_credentials("https://tok@github.com/acme/widget") == "https://github.com/acme/widget"
    assert strip_credentials("ssh://git@host/acme/widget.git") == "ssh://git@host/acme/widget.git"
    assert strip_credentials("ssh://git:pw@host/x.git") == "ssh://host/x.git"
    assert strip_credentials("file://u:pw@localhost/x.git") == "file://localhost/x.git"
    assert strip_credentials("https://h/x.git?private_token=abc&ref=1") == "https://h/x.git?ref=1"
    assert strip_credentials("https://h/x.git?access_token=abc") == "https://h/x.git"
    assert (
        redact("bad https://h/x?private_token=abc", "https://h/x?private_token=abc")
        == "bad https://h/x?private_token=***"
    )
    assert (
        redact("fatal: https://u:p%40ss@h/x failed for p@ss", "https://u:p%40ss@h/x")
        == "fatal: https://***@h/x failed for ***"
    )
    assert name_from("https://github.com/acme/widget.git") == "widget"
    assert name_from("git@github.com:acme/widget.git") == "widget"
