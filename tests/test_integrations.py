"""The GitHub Action and the pre-commit hook, run as their hosts run them, on a sample repository.

The action's `run:` steps are executed in order with bash exactly as the runner does
(`bash --noprofile --norc -eo pipefail`), with the variables a runner sets (GITHUB_OUTPUT,
GITHUB_PATH, GITHUB_STEP_SUMMARY, GITHUB_EVENT_PATH, RUNNER_TEMP...) and the expressions of their
`env:` blocks evaluated from a pull_request event; only the upload step (`uses:`
github/codeql-action) is skipped, since it needs GitHub itself.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from qroi.sample_repos import truth
from qroi.sample_repos.build import build
from qroi.sample_repos.scenarios.pull_request import HOTSPOT, PRICING
from tests.conftest import ROOT, git

SCHEMA = json.loads((Path(__file__).with_name("sarif-schema-2.1.0.json")).read_text(encoding="utf-8"))
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
TERM = re.compile(r"(inputs|github|steps)((?:\.[A-Za-z0-9_-]+)+)")


def evaluate(text: str, context: dict[str, Any]) -> str:
    """`${{ a || b }}` with dotted lookups into inputs/github/steps; anything else fails the test."""

    def one(match: re.Match[str]) -> str:
        for term in match.group(1).split("||"):
            found = TERM.fullmatch(term.strip())
            assert found, f"expression the test cannot evaluate: {match.group(1)!r}"
            value: Any = context[found.group(1)]
            for key in found.group(2).strip(".").split("."):
                value = value.get(key) if isinstance(value, dict) else None
            if value:
                return str(value)
        return ""

    return EXPRESSION.sub(one, text)


def run_action(repo: Path, tmp: Path, base_sha: str, head_sha: str) -> tuple[list[int], dict[str, str], Path]:
    """Run action.yml's run steps; returns each step's exit status, the outputs, and the workspace."""
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    inputs = {name: spec.get("default", "") for name, spec in action["inputs"].items()}
    event = {"pull_request": {"base": {"sha": base_sha}, "head": {"sha": head_sha}}}
    (tmp / "event.json").write_text(json.dumps(event), encoding="utf-8")
    files = {name: tmp / name for name in ("output", "path", "summary")}
    for f in files.values():
        f.write_text("", encoding="utf-8")
    (tmp / "runner").mkdir()
    env = {
        **{k: v for k, v in os.environ.items() if k != "QROI_DB"},
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": str(repo),
        "GITHUB_ACTION_PATH": str(ROOT),
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(tmp / "event.json"),
        "GITHUB_SHA": head_sha,
        "GITHUB_PATH": str(files["path"]),
        "GITHUB_STEP_SUMMARY": str(files["summary"]),
        "RUNNER_TEMP": str(tmp / "runner"),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    context: dict[str, Any] = {"inputs": inputs, "github": {"event": event, "sha": head_sha}, "steps": {}}
    statuses = []
    for step in action["runs"]["steps"]:
        if "uses" in step:
            assert step["uses"].startswith("github/codeql-action/upload-sarif@")
            continue
        assert "${{" not in step["run"], "run scripts read only environment variables"
        assert step["shell"] == "bash"
        files["output"].write_text("", encoding="utf-8")
        step_env = {
            **env,
            "GITHUB_OUTPUT": str(files["output"]),
            **{k: evaluate(str(v), context) for k, v in step.get("env", {}).items()},
        }
        added = [line for line in files["path"].read_text(encoding="utf-8").splitlines() if line]
        step_env["PATH"] = os.pathsep.join([*reversed(added), step_env["PATH"]])
        script = tmp / "step.sh"
        script.write_text(step["run"], encoding="utf-8")
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=repo, env=step_env
        )
        statuses.append(done.returncode)
        outputs = dict(
            line.split("=", 1)
            for line in files["output"].read_text(encoding="utf-8").splitlines()
            if "=" in line
        )
        if "id" in step:
            context["steps"][step["id"]] = {"outputs": outputs}
    outputs = {name: evaluate(spec["value"], context) for name, spec in action["outputs"].items()}
    outputs["summary"] = files["summary"].read_text(encoding="utf-8")
    return statuses, outputs, repo


@pytest.fixture(scope="module")
def pr_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build("pull_request", tmp_path_factory.mktemp("repos") / "shop")


def test_action_gates_a_pull_request(pr_repo: Path, tmp_path: Path) -> None:
    base, head = (git(pr_repo, "rev-parse", rev).strip() for rev in ("main", PRICING))
    statuses, outputs, workspace = run_action(pr_repo, tmp_path, base, head)
    assert statuses == [0, 0, 1]  # install (qroi already on PATH), check, the failing gate
    assert outputs["exit-code"] == "1"
    doc = json.loads((workspace / outputs["sarif"]).read_bytes())
    jsonschema.Draft4Validator(SCHEMA).validate(doc)
    fact = next(n for n in truth.load(pr_repo)["notes"]["pull_request"] if n["branch"] == PRICING)
    complex_ = [r for r in doc["runs"][0]["results"] if r["ruleId"] == "QROI001"]
    region = complex_[0]["locations"][0]["physicalLocation"]
    assert region["artifactLocation"]["uri"] == HOTSPOT and region["region"]["startLine"] == fact["line"]
    assert outputs["summary"].startswith("### qroi check fails (--fail-on new)")


def test_action_passes_an_unchanged_head(pr_repo: Path, tmp_path: Path) -> None:
    base = git(pr_repo, "rev-parse", "main").strip()
    statuses, outputs, workspace = run_action(pr_repo, tmp_path, base, base)
    assert statuses == [0, 0, 0]
    assert outputs["exit-code"] == "0"
    assert json.loads((workspace / outputs["sarif"]).read_bytes())["runs"][0]["results"] == []


def test_pre_commit_hook_gates_the_work_tree(tmp_path: Path) -> None:
    repo = build("pull_request", tmp_path / "shop")
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    hook = next(h for h in hooks if h["id"] == "qroi-check")
    assert hook["pass_filenames"] is False and hook["language"] == "python"
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    command = shlex.split(hook["entry"])
    clean = subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True)
    assert clean.returncode == 0, clean.stderr
    (repo / HOTSPOT).write_bytes(git_bytes(repo, f"{PRICING}:{HOTSPOT}"))
    dirty = subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True)
    assert dirty.returncode == 1, dirty.stderr
    assert "price_rules" in dirty.stdout


def git_bytes(repo: Path, spec: str) -> bytes:
    return subprocess.run(["git", "-C", str(repo), "show", spec], capture_output=True, check=True).stdout
