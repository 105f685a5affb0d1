"""A local git repository, opened with GitPython, and the few questions the pipeline asks it.

GitPython keeps one persistent `git cat-file --batch` process per repository, so reading the
thousands of blobs a history holds costs one pipe round-trip each, not a process each.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import git

from qroi.core.errors import QroiError
from qroi.core.files import is_python_path
from qroi.git.run import run_git


@dataclass(frozen=True)
class TagInfo:
    name: str
    sha: str
    tagged_ts: int
    annotated: bool


class GitRepo:
    """Read-only access to one repository (normal, bare or shallow)."""

    def __init__(self, path: Path) -> None:
        try:
            self._repo = git.Repo(path, search_parent_directories=False)
        except git.NoSuchPathError as exc:
            raise QroiError(f"no such path: {path}") from exc
        except git.InvalidGitRepositoryError as exc:
            raise QroiError(f"not a git repository: {path}") from exc
        self.git_dir = str(Path(self._repo.git_dir).resolve())

    def close(self) -> None:
        self._repo.close()

    def __enter__(self) -> GitRepo:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def is_shallow(self) -> bool:
        return (Path(self.git_dir) / "shallow").exists()

    def _run(self, *args: str) -> str:
        return run_git(args, git_dir=self.git_dir).stdout.decode("utf-8", "replace")

    def resolve(self, rev: str) -> str:
        """The commit sha `rev` names; a clear error for an empty repo or an unknown branch."""
        proc = run_git(
            ["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], git_dir=self.git_dir, check=False
        )
        if proc.returncode != 0:
            if rev == "HEAD" and not self._has_any_commit():
                raise QroiError(f"repository has no commits: {self.git_dir}")
            raise QroiError(f"no such branch or revision {rev!r} in {self.git_dir}")
        return proc.stdout.decode().strip()

    def _has_any_commit(self) -> bool:
        return bool(self._run("rev-list", "-n", "1", "--all").strip())

    def count(self, rev: str, exclude: Iterable[str] = ()) -> int:
        """How many commits a walk of `rev` minus `exclude` will yield (for progress and ETA)."""
        wanted = "".join(f"^{sha}\n" for sha in exclude).encode()
        proc = run_git(
            ["rev-list", "--count", "--stdin", rev], git_dir=self.git_dir, input=wanted, check=False
        )
        return int(proc.stdout.strip() or 0) if proc.returncode == 0 else 0

    def reachable(self, rev: str) -> set[str]:
        """Every commit `rev`'s history holds now (after a rewrite or an unshallow, not as stored)."""
        return set(self._run("rev-list", rev).split())

    def parents(self, shas: Iterable[str]) -> dict[str, tuple[str, ...]]:
        """Each given commit's parents as git sees them now: a shallow boundary has none."""
        wanted = "".join(f"{sha}\n" for sha in shas).encode()
        if not wanted:
            return {}
        proc = run_git(["rev-list", "--parents", "--no-walk", "--stdin"], git_dir=self.git_dir, input=wanted)
        lines = (line.split() for line in proc.stdout.decode().splitlines())
        return {line[0]: tuple(line[1:]) for line in lines if line}

    def existing(self, shas: Iterable[str]) -> list[str]:
        """The given shas that still exist here (history can be rewritten between ingests)."""
        present = []
        for sha in shas:
            try:
                if self._repo.git.get_object_header(sha)[1] == b"commit":
                    present.append(sha)
            except ValueError:
                continue
        return present

    def file_at(self, commit: str, path: str) -> bytes | None:
        """The bytes of `path` in the tree of `commit` (not the work tree), None if it has none."""
        proc = run_git(["cat-file", "blob", f"{commit}:{path}"], git_dir=self.git_dir, check=False)
        return proc.stdout if proc.returncode == 0 else None

    def read_blob(self, sha: str) -> bytes:
        return self._repo.git.get_object_data(sha)[3]

    def python_files(
        self, commit: str, accept: Callable[[str], bool] = is_python_path
    ) -> Iterator[tuple[str, str]]:
        """(path, blob) of every regular Python file (or other file `accept` takes) in the tree of `commit`."""
        proc = run_git(["ls-tree", "-r", "-z", "--full-tree", commit], git_dir=self.git_dir, check=False)
        if proc.returncode != 0:
            raise QroiError(
                f"cannot read the tree of {commit} in {self.git_dir}: the repository may be damaged"
            )
        for entry in proc.stdout.split(b"\0"):
            if not entry:
                continue
            meta, _, raw_path = entry.partition(b"\t")
            mode, kind, blob = meta.decode().split(" ")
            path = raw_path.decode("utf-8", "backslashreplace")
            if kind == "blob" and mode in ("100644", "100755") and accept(path):
                yield path, blob

    def tags(self) -> list[TagInfo]:
        """Tags that point (directly or through an annotated tag) at a commit."""
        fmt = "%(refname:strip=2)%00%(objecttype)%00%(objectname)%00%(*objecttype)%00%(*objectname)%00%(creatordate:unix)"
        tags = []
        for line in self._run("for-each-ref", f"--format={fmt}", "refs/tags").splitlines():
            name, kind, obj, peeled_kind, peeled, ts = line.split("\0")
            if kind == "commit":
                tags.append(TagInfo(name, obj, int(ts or 0), annotated=False))
            elif kind == "tag" and peeled_kind == "commit":
                tags.append(TagInfo(name, peeled, int(ts or 0), annotated=True))
        return tags
