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
re-resolved (one `git log`, rows updated where they differ), so an incremental store equals a
fresh one.
"""

from __future__ import annotations

import subprocess

from sqlalchemy import Engine, select

from qroi.core.errors import QroiError
from qroi.store import models
from qroi.store.database import transaction, update_rows

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
    proc = subprocess.run(
        ["git", "--git-dir", git_dir, "rev-parse", "--verify", "--quiet", f"{rev}:.mailmap"],
        capture_output=True,
        text=True,
    )
    return proc.stdout.strip() if proc.returncode == 0 else "none"


def _identities(git_dir: str, rev: str, enabled: bool) -> dict[str, tuple[str, str, str, str]]:
    fmt = "%x00".join(("%H", *identity_fields(enabled))) + "%x00"
    proc = subprocess.run(
        ["git", *config(rev), "--git-dir", git_dir, "log", "--no-use-mailmap", f"--format={fmt}", rev],
        capture_output=True,
        cwd=git_dir,
    )
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise QroiError(f"git log failed in {git_dir}: {detail[-1] if detail else proc.returncode}")
    found = {}
    fields = proc.stdout.decode("utf-8", "replace").split("\0")
    for start in range(0, len(fields) - 4, 5):
        sha, an, ae, cn, ce = fields[start : start + 5]
        found[sha.strip()] = (an, ae, cn, ce)
    return found


IDENTITY_COLUMNS = ("author_name", "author_email", "committer_name", "committer_email")
"""The `commits` columns a .mailmap rewrites, in the order `_identities` gives them."""


def reresolve(engine: Engine, git_dir: str, repo_id: int, rev: str, enabled: bool) -> int:
    """Re-resolve the identities of stored commits reachable from `rev`; returns rows changed."""
    wanted = _identities(git_dir, rev, enabled)
    c = models.Commit.__table__.c
    changed = []
    with engine.connect() as conn:
        rows = conn.execute(select(c.id, c.sha, *(c[name] for name in IDENTITY_COLUMNS)).where(c.repo_id == repo_id))
        for cid, sha, *stored in rows:
            new = wanted.get(sha)
            if new is not None and new != tuple(stored):
                changed.append(dict(zip(("id", *IDENTITY_COLUMNS), (cid, *new), strict=True)))
    if changed:
        with transaction(engine) as conn:
            update_rows(conn, models.Commit.__table__, "id", changed, IDENTITY_COLUMNS)
    return len(changed)
