"""`qroi dashboard` as a process: stopping it stops its Streamlit server too.

Supervisors, `timeout` and `kill` send SIGTERM to the pid they started, not to its process group;
a server left behind keeps the port and the store open with nobody to stop it.
"""

from __future__ import annotations

import os
import signal
import socket
from pathlib import Path

import pytest

from bench.browser import free_port, start_dashboard, wait_for_health

pytestmark = pytest.mark.xdist_group("dashboard-process")


def _group_alive(pgid: int) -> bool:
    """Whether any process of the group still exists (signal 0 checks without sending anything)."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_sigterm_to_qroi_dashboard_stops_its_streamlit_server(demo_db: Path, tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "server.log"
    with log.open("w") as out:
        # A session of its own, so that whatever the command leaves behind can be found (and
        # cleaned up) by its process group, and the signal below reaches only the command's pid.
        proc = start_dashboard(demo_db, port, tmp_path, out)
    try:
        assert wait_for_health(proc, f"http://127.0.0.1:{port}"), log.read_text()
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
        assert not _group_alive(proc.pid), "a process of `qroi dashboard` outlived it"
        assert not _listening(port), f"port {port} is still served after `qroi dashboard` stopped"
    finally:
        if _group_alive(proc.pid):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
