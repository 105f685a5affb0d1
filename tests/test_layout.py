"""qroi installs as one package, `qroi`, and its layers import only downward.

The wheel is built from this checkout and installed, without `-e`, into a fresh virtualenv whose
dependencies come from the project's own environment (a `.pth` line: nothing is downloaded).
There the console script, `python -m qroi`, an ingest, an export and the dashboard's health check
run, and import-linter checks the contracts of pyproject.toml against the installed package:
that is the layout users get, and the only one where `qroi.dashboard` is a folder inside `qroi`.
"""

from __future__ import annotations

import csv
import os
import shutil
import signal
import site
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.xdist_group("wheel")

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # A copy of the working tree: setuptools builds in ./build, where files deleted since an
    # earlier build would otherwise ride along into the wheel.
    tree = out / "tree"
    skip = shutil.ignore_patterns(
        ".git", ".venv", "build", "artifacts", "demo", "__pycache__", "*.egg-info", "*.db"
    )
    shutil.copytree(ROOT, tree, ignore=skip)
    pip_wheel = ["pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(tree)]
    built = subprocess.run(
        [sys.executable, "-m", *pip_wheel],
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stderr
    (found,) = out.glob("qroi-*.whl")
    return found


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with only the wheel installed; dependencies are read from this environment."""
    env_dir = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], check=True)
    python = env_dir / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # The project's site-packages as a plain path: its packages import, its .pth hooks (the
    # editable install of this checkout) do not run.
    Path(purelib, "project-deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    installed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "--no-index",
            "-q",
            str(wheel),
        ],
        capture_output=True,
        text=True,
    )
    assert installed.returncode == 0, installed.stderr
    return env_dir


def run(venv: Path, *args: str, cwd: Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "QROI_DB")}
    return subprocess.run(
        [str(venv / "bin" / args[0]), *args[1:]], capture_output=True, text=True, cwd=cwd, env=env, **kwargs
    )


def test_the_wheel_holds_one_top_level_package(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        tops = {name.split("/", 1)[0] for name in zf.namelist()}
        names = set(zf.namelist())
    assert tops == {"qroi", f"{wheel.name.split('-')[0]}-{wheel.name.split('-')[1]}.dist-info"}
    # Exactly this tree's modules, nothing left over from an earlier build ...
    sources = {f"qroi/{p.relative_to(ROOT / 'tracker')}" for p in (ROOT / "tracker").rglob("*.py")}
    sources |= {
        f"qroi/{p.relative_to(ROOT)}" for d in ("dashboard", "sample_repos") for p in (ROOT / d).rglob("*.py")
    }
    assert {n for n in names if n.endswith(".py")} == sources
    # ... and the data files and the dashboard's assets travel with the code.
    assert {
        "qroi/ai/ai_assistance.toml",
        "qroi/dashboard/app.py",
        "qroi/dashboard/.streamlit/config.toml",
        "qroi/dashboard/icon.png",
        "qroi/sample_repos/build.py",
    } <= names


def test_the_installed_package_ingests_exports_and_serves(venv: Path, tmp_path: Path) -> None:
    where = run(venv, "python", "-c", "import qroi; print(qroi.__file__)", cwd=tmp_path)
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()).is_relative_to(venv), where.stdout
    assert "ingest" in run(venv, "qroi", "--help", cwd=tmp_path).stdout
    assert "ingest" in run(venv, "python", "-m", "qroi", "--help", cwd=tmp_path).stdout

    demo = tmp_path / "widget"
    built = run(
        venv, "python", "-m", "qroi.sample_repos.build", "demo", str(demo), "--commits", "120", cwd=tmp_path
    )
    assert built.returncode == 0, built.stderr
    db = tmp_path / "q.db"
    ingested = run(venv, "qroi", "ingest", str(demo), "--db", str(db), cwd=tmp_path, timeout=600)
    assert ingested.returncode == 0, ingested.stderr
    out = tmp_path / "commits.csv"
    exported = run(
        venv,
        "qroi",
        "export",
        "commits",
        "--repo",
        "widget",
        "--db",
        str(db),
        "--out",
        str(out),
        cwd=tmp_path,
    )
    assert exported.returncode == 0, exported.stderr
    with out.open(newline="") as fh:
        rows = list(csv.reader(fh))
    reachable = subprocess.run(
        ["git", "-C", str(demo), "rev-list", "--count", "HEAD"], capture_output=True, text=True
    )
    assert len(rows) - 1 == int(reachable.stdout)

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [str(venv / "bin" / "qroi"), "dashboard", "--db", str(db), "--port", str(port)],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        health = None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as resp:
                    health = resp.read().decode()
                    break
            except OSError:
                time.sleep(0.3)
        assert health == "ok", (
            server.stderr.read().decode() if server.poll() is not None else "no answer in 60 s"
        )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def test_import_contracts_hold_on_the_installed_package(venv: Path) -> None:
    """An upward import (say, the store importing the dashboard) fails here, so it fails CI."""
    linted = run(
        venv,
        "python",
        "-c",
        "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports(no_cache=True, no_logo=True))",
        cwd=ROOT,
    )
    assert linted.returncode == 0, linted.stdout + linted.stderr
    assert "0 broken" in linted.stdout


def test_the_dashboard_data_layer_loads_neither_radon_nor_the_miner_nor_the_scorer() -> None:
    probe = (
        "import sys, logging; logging.disable(logging.CRITICAL)\n"
        "import qroi.dashboard.data, qroi.dashboard.filters, qroi.dashboard.charts\n"
        "print(sorted(m for m in sys.modules if m == 'radon' or m.startswith(('radon.', 'qroi.git', "
        "'qroi.scoring', 'qroi.ingest', 'qroi.delivery', 'qroi.ai.'))))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_every_metric_the_scorer_stores_has_a_meaning_in_the_registry() -> None:
    from qroi.core.metrics import METRICS
    from qroi.scoring.scorer import METRICS as STORED

    assert set(STORED) <= set(METRICS)
