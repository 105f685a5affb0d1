"""Stored scores and per-commit quality equal Radon run directly on checkouts of the history."""

from __future__ import annotations

import functools
import json
import subprocess
import tokenize
from pathlib import Path

import pandas as pd
import pytest
from radon.complexity import cc_visit
from radon.metrics import h_visit, mi_visit
from radon.raw import analyze
from radon.visitors import ComplexityVisitor, Function
from sqlalchemy import Engine, select

from qroi.read import queries
from qroi.scoring.scorer import score_blob
from qroi.store import models
from tests.conftest import git, python_source


@functools.cache
def _radon(code: str) -> dict[str, object]:
    """Radon's own entry points, each parsing the source itself (cached: blobs repeat across commits)."""
    raw = analyze(code)
    functions = [b for b in cc_visit(code) if isinstance(b, Function)]
    return {
        "loc": raw.loc,
        "lloc": raw.lloc,
        "sloc": raw.sloc,
        "comments": raw.comments,
        "multi": raw.multi,
        "blank": raw.blank,
        "cc_total": ComplexityVisitor.from_code(code).total_complexity,
        "functions": len(functions),
        "c_or_worse": sum(b.complexity >= 11 for b in functions),
        "mi": mi_visit(code, True),
        "halstead_volume": h_visit(code).total.volume,
        "cc_max": max((b.complexity for b in functions), default=None),
    }


def _regular_python_files(repo: Path, rev: str) -> dict[str, str]:
    out = git(repo, "ls-tree", "-r", "-z", rev)
    files = {}
    for entry in filter(None, out.split("\0")):
        meta, path = entry.split("\t", 1)
        mode, kind, blob = meta.split()
        if kind == "blob" and mode in ("100644", "100755") and path.endswith(".py"):
            files[path] = blob
    return files


def test_head_scores_equal_radon_on_a_checkout(demo_repo: Path, demo_engine: Engine) -> None:
    files = queries.head_files(demo_engine, "widget").set_index("path")
    on_disk = _regular_python_files(demo_repo, "HEAD")
    assert set(files.index) == set(on_disk)
    compared = unparsable = 0
    for path in on_disk:
        row = files.loc[path]
        try:
            with tokenize.open(demo_repo / path) as handle:  # how Python itself reads a source file
                code = handle.read()
            expected = _radon(code)
        except (SyntaxError, UnicodeDecodeError, RecursionError):
            unparsable += 1
            assert isinstance(row["parse_error"], str) or row["translated"], path
            continue
        for key, value in expected.items():
            assert pd.isna(row[key]) if value is None else row[key] == value, (path, key)
        assert pd.isna(row["parse_error"])
        compared += 1
    assert compared > 20


def test_hostile_files_are_flagged_never_zero(demo_repo: Path, demo_engine: Engine) -> None:
    hostile = json.loads((demo_repo / ".git" / "qroi-truth.json").read_text())["notes"]["hostile"]
    expected_kind = {"latin1_no_cookie": "decode", "syntax_error": "syntax", "deep_nesting": "too_deep"}
    with demo_engine.connect() as conn:
        for case in hostile:
            if not case["path"].endswith(".py") or case["mode"] == "120000":
                continue
            blob = git(demo_repo, "rev-parse", f"{case['commit']}:{case['path']}").strip()
            row = conn.execute(select(models.Blob).where(models.Blob.blob == blob)).mappings().one()
            if case["kind"] == "python2":
                assert row["translated"] and row["error_kind"] is None and row["sloc"] > 0
            elif case["kind"] in expected_kind:
                assert row["error_kind"] == expected_kind[case["kind"]], case
                assert row["error"] and row["sloc"] is None and row["mi"] is None and row["cc_total"] is None
            else:
                assert row["error_kind"] is None, case
        symlink_blobs = (
            conn.execute(
                select(models.Change.new_blob).where(models.Change.path == "scripts/widget_latest.py")
            )
            .scalars()
            .all()
        )
        assert symlink_blobs
        assert not conn.execute(select(models.Blob).where(models.Blob.blob.in_(symlink_blobs))).first()


def _from_scratch(repo: Path, sha: str) -> dict[str, object]:
    totals = {
        "py_files": 0,
        "py_unscored": 0,
        "py_sloc": 0,
        "py_cc_total": 0,
        "py_functions": 0,
        "py_c_or_worse": 0,
    }
    weighted = 0.0
    for blob in _regular_python_files(repo, sha).values():
        totals["py_files"] += 1
        data = git_bytes(repo, blob)
        try:
            values = _radon(python_source(data))
        except (SyntaxError, UnicodeDecodeError, RecursionError):
            translated = score_blob(blob, data)  # Python 2 sources are scored after translation
            if translated.error_kind:
                totals["py_unscored"] += 1
                continue
            values = translated.metrics
        totals["py_sloc"] += values["sloc"]
        totals["py_cc_total"] += values["cc_total"]
        totals["py_functions"] += values["functions"]
        totals["py_c_or_worse"] += values["c_or_worse"]
        weighted += values["mi"] * values["sloc"]
    totals["py_mi"] = weighted / totals["py_sloc"] if totals["py_sloc"] else None
    return totals


def git_bytes(repo: Path, blob: str) -> bytes:
    return subprocess.run(
        ["git", "-C", str(repo), "cat-file", "blob", blob], capture_output=True, check=True
    ).stdout


def test_quality_after_each_sampled_commit_equals_from_scratch(demo_repo: Path, demo_engine: Engine) -> None:
    commits = queries.commits(demo_engine, "widget")
    merges = commits[commits["is_merge"]]["sha"].tolist()
    sample = (
        commits["sha"].iloc[:: max(1, len(commits) // 8)].tolist() + merges[:3] + [commits["sha"].iloc[-1]]
    )
    by_sha = commits.set_index("sha")
    for sha in dict.fromkeys(sample):
        expected = _from_scratch(demo_repo, sha)
        row = by_sha.loc[sha]
        for key, value in expected.items():
            if key == "py_mi" and value is not None:
                assert row[key] == pytest.approx(value, rel=1e-6, abs=1e-6), (sha, key)
            else:
                assert row[key] == value, (sha, key)
