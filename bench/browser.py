"""What the dashboard's browser test and its benchmark share: Debian's Chromium, a free loopback
port, and waiting for a freshly started `qroi dashboard` to answer.

No side effects on import, so tests can use it (they already import bench helpers).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import IO, Any

CHROMIUM = "/usr/bin/chromium"
"""Debian's Chromium (`make browser`): Playwright must never download a browser here."""
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
"""No outside traffic of Chromium's own, so the test can fail on any request off the server."""


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_dashboard(db: Path, port: int, cwd: Path | str, out: IO[Any] | int) -> subprocess.Popen:
    """`qroi dashboard --db DB --port PORT` as a user starts it, in a session of its own (so its
    process group can be found and stopped), without the caller's QROI_/STREAMLIT_ settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QROI_", "STREAMLIT_"))}
    return subprocess.Popen(
        [sys.executable, "-m", "qroi", "dashboard", "--db", str(db), "--port", str(port)],
        cwd=cwd,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_for_health(proc: subprocess.Popen, url: str, seconds: float = 60) -> bool:
    """Poll Streamlit's health endpoint until it says ok; False if the server exits or time runs out."""
    deadline = time.monotonic() + seconds
    while proc.poll() is None and time.monotonic() <= deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                return True
        except OSError:
            time.sleep(0.2)
    return False
