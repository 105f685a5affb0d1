"""The README's CLI reference documents every command and every option the CLI has."""

from __future__ import annotations

import re

import typer

from qroi.cli.commands import app
from tests.conftest import ROOT, run_qroi


def _sections() -> dict[str, str]:
    readme = (ROOT / "README.md").read_text()
    parts = re.split(r"^### `qroi ", readme, flags=re.MULTILINE)[1:]
    return {part.split()[0].rstrip("`"): re.split(r"^##", part, flags=re.MULTILINE)[0] for part in parts}


def _commands(group, prefix: str = ""):  # type: ignore[no-untyped-def]
    for name, command in group.commands.items():
        full = f"{prefix}{name}"
        if hasattr(command, "commands"):
            yield from _commands(command, f"{full} ")
        else:
            yield full, command


def test_every_option_is_documented() -> None:
    sections = _sections()
    root = typer.main.get_command(app)
    seen = []
    for name, command in _commands(root):
        key = name.split()[0] if name not in sections else name
        assert name in sections or key in sections, f"README has no section for `qroi {name}`"
        text = sections.get(name) or sections[key]
        for param in command.params:
            for opt in param.opts:
                if opt.startswith("-") and opt != "--help":
                    assert f"`{opt}" in text, f"`qroi {name}` option {opt} is not in the README"
        seen.append(name)
    assert {"ingest", "repos", "summary", "export"} <= set(seen)


def test_help_works_for_every_command() -> None:
    root = typer.main.get_command(app)
    for name, _ in _commands(root):
        result = run_qroi(*name.split(), "--help")
        assert result.returncode == 0 and "Usage:" in result.stdout, name
