"""Clone URLs really work, and a token in a URL leaves no trace anywhere qroi writes."""

from __future__ import annotations

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
    def log_message(self, *args: object) -> None:
        pass


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
    first = run_qroi("ingest", url, "--db", str(db), env=env)
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
    written = _all_bytes(db.parent, cache)  # the store (with WAL) and the cached clone, config included
    assert TOKEN.encode() not in written
    assert b"zq-deploy-user" not in written


def test_file_url(demo_repo: Path, tmp_path: Path) -> None:
    db = tmp_path / "f.db"
    result = run_qroi("ingest", demo_repo.as_uri(), "--db", str(db), env={"QROI_CACHE": str(tmp_path / "c")})
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


def test_credential_helpers() -> None:
    assert (
        strip_credentials("https://user:tok@github.com/acme/widget.git")
        == "https://github.com/acme/widget.git"
    )
    assert strip_credentials("https://tok@github.com/acme/widget") == "https://github.com/acme/widget"
    assert strip_credentials("ssh://git@host/acme/widget.git") == "ssh://git@host/acme/widget.git"
    assert strip_credentials("ssh://git:pw@host/x.git") == "ssh://host/x.git"
    assert (
        redact("fatal: https://u:p%40ss@h/x failed for p@ss", "https://u:p%40ss@h/x")
        == "fatal: https://***@h/x failed for ***"
    )
    assert name_from("https://github.com/acme/widget.git") == "widget"
    assert name_from("git@github.com:acme/widget.git") == "widget"
