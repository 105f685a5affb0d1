"""What a change touched: the files that differ between two commits, or a commit and the work tree.

`qroi check` compares a pull request's head (or the uncommitted work tree, for a pre-commit hook)
with its base. git pairs renamed files (`-M`), so a moved module is compared with its old self
rather than reported as all new; untracked files count in the work tree, since a pre-commit hook
must see the module a developer is about to add.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from qroi.core.errors import QroiError
from qroi.git.run import run_git

WORKTREE = "WORKTREE"
"""The head that means "the files on disk now", as in `qroi check --head WORKTREE`."""


@dataclass(frozen=True)
class ChangedFile:
    """One path a change touched: `status` is git's letter (A, M, D, R, C, T); `old_path` the base name."""

    path: str
    old_path: str | None
    status: str


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "backslashreplace")


def changed_files(git_dir: str, base: str, head: str, work_tree: str | None = None) -> list[ChangedFile]:
    """Files that differ between commit `base` and commit `head` (or the work tree for WORKTREE)."""
    args = ["diff", "--name-status", "-z", "-M", "--no-ext-diff", base]
    prefix: list[str] = []
    if head == WORKTREE:
        if work_tree is None:
            raise QroiError(f"--head {WORKTREE} needs a repository with a work tree, not {git_dir}")
        prefix = [f"--work-tree={work_tree}"]
    else:
        args.append(head)
    proc = run_git([*prefix, *args], git_dir=git_dir, cwd=work_tree)
    fields = proc.stdout.split(b"\0")
    found: list[ChangedFile] = []
    i = 0
    while i < len(fields) and fields[i]:
        status = fields[i].decode()
        if status[0] in "RC":
            found.append(ChangedFile(_decode(fields[i + 2]), _decode(fields[i + 1]), status[0]))
            i += 3
        else:
            path = _decode(fields[i + 1])
            found.append(ChangedFile(path, None if status[0] == "A" else path, status[0]))
            i += 2
    if head == WORKTREE:
        untracked = run_git(
            [*prefix, "ls-files", "--others", "--exclude-standard", "-z"], git_dir=git_dir, cwd=work_tree
        )
        found += [ChangedFile(_decode(p), None, "A") for p in untracked.stdout.split(b"\0") if p]
    return sorted(found, key=lambda f: f.path)


def read_work_file(work_tree: str, path: str) -> bytes | None:
    """A file's bytes in the work tree, None when it is not a regular file there (deleted, a link)."""
    full = Path(work_tree) / path
    if full.is_symlink() or not full.is_file():
        return None
    return full.read_bytes()
