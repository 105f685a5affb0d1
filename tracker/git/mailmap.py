""".mailmap: one person, one identity, as git itself resolves it.

Authors often commit under several names and addresses (a laptop, a typo, a new employer); a
repository's `.mailmap` says which are the same person. Every per-author signal (experience,
ownership, number of developers) is wrong without it, so identities are resolved when commits are
mined, by git's own `%aN`/`%aE`/`%cN`/`%cE` placeholders, never by a re-implementation.

Which mailmap: the `.mailmap` committed at the ingested revision (`mailmap.blob`), never the
work tree's nor the user's `mailmap.file`, so that a bare clone, a dirty checkout and a fresh
ingest all store the same identities. git also reads `./.mailmap` from its working directory in a
non-bare repository, so git runs with the git directory as its working directory.

When the mailmap at HEAD changes between ingests, the identities of the stored commits are
re-resolved from `identities` (`qroi.delivery.identities`), so an incremental store equals a fresh one.
"""

from __future__ import annotations

from qroi.git import headers
from qroi.git.run import run_git

FIELDS = ("%aN", "%aE", "%cN", "%cE")
RAW_FIELDS = ("%an", "%ae", "%cn", "%ce")


def config(rev: str) -> list[str]:
    """`git -c` arguments that make `rev`'s committed `.mailmap` the only one git reads."""
    return ["-c", "mailmap.file=", "-c", f"mailmap.blob={rev}:.mailmap"]


def identity_fields(enabled: bool) -> tuple[str, str, str, str]:
    """Author name/email and committer name/email placeholders, mailmap-aware when enabled."""
    return FIELDS if enabled else RAW_FIELDS


def key(git_dir: str, rev: str, enabled: bool) -> str:
    """What identities depend on: 'off', or the blob id of the `.mailmap` at `rev` ('none' if absent)."""
    if not enabled:
        return "off"
    proc = run_git(["rev-parse", "--verify", "--quiet", f"{rev}:.mailmap"], git_dir=git_dir, check=False)
    return proc.stdout.decode().strip() if proc.returncode == 0 else "none"


def identities(git_dir: str, rev: str, enabled: bool) -> dict[str, tuple[str, str, str, str]]:
    """Each commit reachable from `rev` -> (author name, author email, committer name, committer email)."""
    fmt = "%x00".join(("%H", *identity_fields(enabled))) + "%x00"
    # git reads ./.mailmap of a non-bare repository from its working directory: run it in the git dir.
    args = [*config(rev), "--git-dir", git_dir, "log", "--no-use-mailmap", f"--format={fmt}", rev]
    proc = run_git(args, what=f"git log failed in {git_dir}", cwd=git_dir)
    found = {}
    fields = proc.stdout.split(b"\0")
    for start in range(0, len(fields) - 4, 5):
        sha, an, ae, cn, ce = (headers.decoded(f) for f in fields[start : start + 5])
        found[sha.strip()] = (an, ae, cn, ce)  # decoded as the walk decodes them (qroi.git.headers)
    return found
