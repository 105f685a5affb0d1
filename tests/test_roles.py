"""File roles: tests, docs, examples and tooling are told from product code by path, and rankings
default to the product (on real histories a test module led the hotspots)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from pathlib import Path

import pytest

from qroi.core import roles
from qroi.core.errors import QroiError
from qroi.read import hotspots as hotspot_reads
from qroi.read import queries
from qroi.store import database
from tests.conftest import git, run_qroi

# Layouts of well-known projects (paths as they appear in their histories), judged by hand.
JUDGED = {
    "src/flask/app.py": "product",
    "flask/testing.py": "product",  # a public module named testing, not a test
    "src/flask/testing.py": "product",
    "flask/testsuite/basic.py": "test",
    "tests/test_basic.py": "test",
    "tests/conftest.py": "test",
    "test/orm/test_query.py": "test",
    "lib/sqlalchemy/testing/fixtures.py": "test",
    "docs/conf.py": "docs",
    "doc/build/conf.py": "docs",
    "examples/tutorial/flaskr/db.py": "example",
    "examples/celery/src/task_app/__init__.py": "example",
    "setup.py": "build",
    "scripts/make-release.py": "build",
    "bench/astmetrics.py": "build",
    "src/pip/_vendor/requests/api.py": "vendored",
    "src/attr/_version.py": "generated",
    "proto/service_pb2.py": "generated",
    "requests/packages/urllib3/poolmanager.py": "product",  # shipped vendoring under a product name
    "src/click/core.py": "product",
    "codecov.yml": "build",  # tool configuration, not code the product runs
    ".github/workflows/ci.yml": "build",
    "Pipfile.lock": "build",
    "ext/requests-logo.png": "docs",  # pictures and a website kept beside the code
    "website/index.html": "docs",
    "src/pkg/templates/page.html": "product",  # templates shipped in a package are product
    "requests/cacert.pem": "product",
}


@pytest.mark.parametrize(("path", "role"), sorted(JUDGED.items()))
def test_role_of_real_layouts(path: str, role: str) -> None:
    assert roles.role_of(path) == role


def test_selection() -> None:
    assert roles.parse_selection(None) == {"product"}
    assert roles.parse_selection("all") == set(roles.names())
    assert roles.parse_selection("product, example") == {"product", "example"}
    with pytest.raises(QroiError, match="unknown file role tests; choose from all, product"):
        roles.parse_selection("tests")


def _commit(repo: Path, path: str, text: str, message: str) -> None:
    (repo / path).parent.mkdir(parents=True, exist_ok=True)
    (repo / path).write_text(text)
    env = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@x",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@x",
    }
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True)
    subprocess.run(
        ["git", "-C", str(repo), "commit", "-q", "-m", message],
        check=True,
        env={"PATH": "/usr/bin:/bin", **env},
    )


def _branchy(n: int) -> str:
    """A test module whose complexity grows with every commit, as test suites do."""
    cases = "".join(f"    if x == {i}:\n        return {i}\n" for i in range(n))
    return f"def test_cases(x):\n{cases}    return -1\n"


def test_a_churning_test_module_no_longer_leads_the_hotspots(make_repo, tmp_path: Path) -> None:
    """The trap: tests change with every fix and grow complex, so an all-files ranking puts them
    first; the product ranking must not, and --roles all must still show them."""
    repo = make_repo()
    for i in range(25):
        _commit(repo, "tests/test_everything.py", _branchy(20 + i), f"fix flaky test {i}")
    db = tmp_path / "r.db"
    assert run_qroi("ingest", "--no-headline", str(repo), "--db", str(db), "--quiet").returncode == 0
    engine = database.connect(str(db))
    everything = hotspot_reads.hotspots(engine, "repo", kept=frozenset(roles.names()))
    assert everything["path"].iloc[0] == "tests/test_everything.py"
    product = hotspot_reads.hotspots(engine, "repo")
    assert set(product["role"]) == {"product"}
    assert list(product["path"]) == list(everything[everything["role"] == "product"]["path"])
    default = run_qroi("summary", "repo", "--db", str(db))
    assert "product files" in default.stdout and "tests/test_everything.py" not in default.stdout
    every = run_qroi("summary", "repo", "--db", str(db), "--roles", "all")
    assert "tests/test_everything.py" in every.stdout
    bad = run_qroi("summary", "repo", "--db", str(db), "--roles", "tests")
    assert bad.returncode == 2 and "unknown file role tests" in bad.stderr
    exported = list(
        csv.DictReader(io.StringIO(run_qroi("export", "files", "-r", "repo", "--db", str(db)).stdout))
    )
    head = set(git(repo, "-c", "core.quotepath=off", "ls-files", "*.py").splitlines())
    assert {r["path"] for r in exported} <= head
    assert all(r["role"] == roles.role_of(r["path"]) for r in exported)
    assert {r["role"] for r in exported} >= {"product", "test"}
    assert queries.FILE_COLUMNS.index("role") == 2


def test_the_claim_test_uses_product_files_unless_told(make_repo, tmp_path: Path) -> None:
    import json

    from qroi.analysis.claim import claim_test

    repo = make_repo()
    db = tmp_path / "c.db"
    assert run_qroi("ingest", "--no-headline", str(repo), "--db", str(db), "--quiet").returncode == 0
    engine = database.connect(str(db))
    product = claim_test(engine, ["repo"], ["mi"], ["bugfix_commits"], n_boot=19)
    every = claim_test(engine, ["repo"], ["mi"], ["bugfix_commits"], n_boot=19, kept=frozenset(roles.names()))
    assert set(product.panel["role"]) == {"product"}
    assert set(every.panel["role"]) > {"product"}
    assert product.rows_every_role == every.rows_every_role == len(every.panel) > len(product.panel)
    assert list(product.panel.drop(columns="role").columns) == list(every.panel.drop(columns="role").columns)
    pd_product = every.panel[every.panel["role"] == "product"].reset_index(drop=True)
    assert pd_product.equals(product.panel)  # the filter takes rows, it changes none
    out = tmp_path / "r.json"
    cli = run_qroi("analyze", "repo", "--db", str(db), "--quality", "mi", "--outcome", "bugfix_commits",
                   "--boot", "19", "--json", str(out))  # fmt: skip
    assert cli.returncode == 0, cli.stderr
    assert (
        f"{len(product.panel):,} file-windows of product files ({len(every.panel):,} with every role"
        in cli.stderr
    )
    report = json.loads(out.read_text())
    assert report["file_roles"] == ["product"] and report["rows_every_role"] == len(every.panel)


PYPROJECT = """[project]
name = "mypkg"

[tool.qroi]
include = ["tools/gen/*"]
exclude = ["mypkg/_legacy/*"]

[tool.qroi.roles]
test = ["qa/*"]
"""


def _overridden_repo(root: Path) -> Path:
    """A project whose layout the shipped rules misread: checks under qa/ (tests), a generator under
    tools/ (product), a legacy copy (to leave out), with its own [tool.qroi] table saying so."""
    root.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    _commit(root, "pyproject.toml", PYPROJECT, "Add project")
    _commit(root, "mypkg/core.py", "def f(x):\n    return x\n", "Add core")
    _commit(root, "qa/check_core.py", "def check():\n    return 1\n", "Add checks")
    _commit(root, "tools/gen/cli.py", "def main():\n    return 0\n", "Add generator")
    _commit(root, "mypkg/_legacy/old.py", "def old():\n    return 2\n", "Keep old code")
    return root


def _roles_in(engine, repo: str) -> dict[str, str]:
    every = hotspot_reads.hotspots(engine, repo, kept=frozenset(roles.names()))
    return dict(zip(every["path"], every["role"], strict=True))


def test_a_tool_qroi_table_at_head_overrides_the_shipped_roles_everywhere(tmp_path: Path) -> None:
    repo = _overridden_repo(tmp_path / "proj")
    assert roles.role_of("qa/check_core.py") == "product" and roles.role_of("tools/gen/cli.py") == "build"
    (repo / "pyproject.toml").write_text("[tool.qroi]\nexclude = ['*']\n")  # an edit never committed
    db = tmp_path / "p.db"
    assert run_qroi("ingest", "--no-headline", str(repo), "--db", str(db), "--quiet").returncode == 0
    engine = database.connect(str(db))
    seen = {"mypkg/core.py": "product", "qa/check_core.py": "test", "tools/gen/cli.py": "product"}
    assert _roles_in(engine, "proj") == seen  # the legacy file is in no role, `all` included
    exported = csv.DictReader(io.StringIO(run_qroi("export", "files", "-r", "proj", "--db", str(db)).stdout))
    assert {r["path"]: r["role"] for r in exported} == {**seen, "mypkg/_legacy/old.py": "excluded"}
    summary = json.loads(run_qroi("summary", "proj", "--db", str(db), "--format", "json").stdout)
    assert {h["path"] for h in summary["hotspots"]} == {"mypkg/core.py", "tools/gen/cli.py"}
    narrowed = run_qroi(
        "summary", "proj", "--db", str(db), "--format", "json", "--exclude", "tools/*", "--include", "qa/*"
    )
    assert {h["path"] for h in json.loads(narrowed.stdout)["hotspots"]} == {
        "mypkg/core.py",
        "qa/check_core.py",
    }

    # The project changes its table: the next (incremental) ingest stores the new one.
    (repo / "pyproject.toml").write_text(PYPROJECT.replace('exclude = ["mypkg/_legacy/*"]\n', ""))
    _commit(repo, "pyproject.toml", (repo / "pyproject.toml").read_text(), "Analyse the legacy code too")
    assert run_qroi("ingest", "--no-headline", str(repo), "--db", str(db), "--quiet").returncode == 0
    assert _roles_in(engine, "proj")["mypkg/_legacy/old.py"] == "product"


def test_a_tool_qroi_table_qroi_cannot_read_is_one_line(tmp_path: Path) -> None:
    repo = tmp_path / "bad"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    _commit(repo, "pyproject.toml", "[tool.qroi.roles]\ntests = ['qa/*']\n", "Add project")
    failed = run_qroi("ingest", str(repo), "--db", str(tmp_path / "b.db"), "--quiet")
    assert failed.returncode == 2 and "Traceback" not in failed.stderr
    assert "unknown file role tests" in failed.stderr and len(failed.stderr.strip().splitlines()) == 1
    with pytest.raises(QroiError, match="list of path globs"):
        roles.from_pyproject("[tool.qroi]\ninclude = 3\n")
    assert not roles.from_pyproject("[tool.qroi\nnot toml")  # the project's broken file: no overrides
