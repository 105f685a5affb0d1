"""Running git: one way to call it, one way to say it failed.

Every step talks to git through subprocesses (a streamed `git log`, `diff-tree`, `blame`,
`cat-file`, clones). They share two rules: a user's git configuration must not change what git
prints (`NEUTRAL_CONFIG`), and a failure becomes one line, what qroi tried and git's own last
words on stderr, never a traceback (`failure`).
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Mapping, Sequence

from qroi.core.errors import QroiError

NULL_SHA = "0" * 40
"""git's name for "no object" (the old side of an added file, the new side of a deleted one)."""

NEUTRAL_CONFIG = (
    "log.showSignature=false",
    "diff.noprefix=false",
    "diff.relative=false",
    "core.quotepath=off",
)
"""Settings a user's git config could use to change what `git log` and `git diff` print."""


def neutral_config() -> list[str]:
    """`git -c` arguments that keep a user's git config from changing what git prints."""
    return [arg for setting in NEUTRAL_CONFIG for arg in ("-c", setting)]


def failure(
    what: str, stderr: bytes | str, returncode: int, clean: Callable[[str], str] | None = None
) -> QroiError:
    """The one-line error for a failed git call: `what` was attempted, then git's last stderr line.

    `clean` rewrites that line before it is shown (e.g. to redact a credential from a URL).
    """
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    detail = lines[-1] if lines else f"exit {returncode}"
    return QroiError(f"{what}: {clean(detail) if clean else detail}")


def run_git(
    args: Sequence[str],
    *,
    git_dir: str | None = None,
    what: str | None = None,
    input: bytes | None = None,
    env: Mapping[str, str] | None = None,
    cwd: str | None = None,
    timeout: float | None = None,
    check: bool = True,
    clean: Callable[[str], str] | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """Run `git [--git-dir DIR] ARGS` to completion and capture its output.

    With `check` (the default), a non-zero exit raises `failure(what, ...)`; `what` defaults to
    "git <subcommand> failed in <git dir>", and `clean` rewrites git's line as in `failure`. Without
    it, the caller reads the return code (for questions git answers by exit status, such as
    `rev-parse --verify`).
    """
    cmd = ["git", *(["--git-dir", git_dir] if git_dir else []), *args]
    proc = subprocess.run(cmd, input=input, capture_output=True, env=env, cwd=cwd, timeout=timeout)
    if check and proc.returncode != 0:
        subcommand = next((a for a in args if not a.startswith("-") and "=" not in a), "git")
        where = f" in {git_dir}" if git_dir else ""
        raise failure(what or f"git {subcommand} failed{where}", proc.stderr, proc.returncode, clean)
    return proc
