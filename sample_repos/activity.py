"""Random but plausible development work on the simulated `widget` project.

Most commits touch one to three files, a few sweep five to ten, files are added, deleted and moved,
feature branches fork and merge back (sometimes after the trunk moved on), and commits are now and
then reverted. Scenarios call `fill_until` between their scripted events; every choice comes from
the seeded generator so the history replays exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from random import Random
from typing import Any

from qroi.sample_repos.corpus import Corpus
from qroi.sample_repos.edits import Edit, add_function, edit_unit, remove_function, unit_name
from qroi.sample_repos.history import GITHUB, TRUNK, Commit, History
from qroi.sample_repos.messages import Message, Messages
from qroi.sample_repos.project import Module, Project

PACKAGE = "widget"
SUBPACKAGES = ("core", "io", "text", "util", "cli", "net", "plugins", "storage", "report", "web")
NAME_SUFFIXES = ("", "_utils", "_helpers", "_impl", "_compat", "_tools", "_base")
DOCS = ("README.md", "CHANGELOG.md", "docs/index.md", "docs/usage.md", "docs/api.md")
EDIT_KINDS = ("tweak", "branch", "rename", "add_function", "remove_function")
EDIT_WEIGHTS = (30, 25, 17, 15, 8)
MAX_UNITS = 12
BRANCH_TOPICS = ("parser", "export", "cache", "cli", "plugins", "docs", "retry", "unicode", "storage", "ui")


@dataclass(frozen=True)
class Weights:
    """How often each kind of random commit happens; scenarios can tune them."""

    edit: int = 58
    add_file: int = 10
    delete_file: int = 3
    move_file: int = 4
    docs: int = 6
    tests: int = 6
    sweep: int = 4


def module_name(path: str) -> str:
    return path.rsplit("/", 1)[-1].removesuffix(".py")


def tests_for(module: str) -> str:
    """Tests mirror the package layout: src/widget/io/x.py is tested by tests/io/test_x.py."""
    parts = module.split("/")
    folder = parts[2] if len(parts) == 4 and parts[:2] == ["src", PACKAGE] else "misc"
    return f"tests/{folder}/test_{module_name(module)}.py"


def package_init(subpackage: str) -> str:
    return f'"""The {PACKAGE}.{subpackage} package."""\n'


class Activity:
    """Generates commits on a History from a corpus; `target_files` caps project growth over time."""

    def __init__(
        self,
        history: History,
        corpus: Corpus,
        rng: Random,
        messages: Messages,
        *,
        target_files: Callable[[int], int] = lambda count: min(350, 25 + count // 10),
        weights: Weights | None = None,
        branch_rate: float = 0.1,
        revert_rate: float = 0.0,
    ) -> None:
        self.h = history
        self.corpus = corpus
        self.rng = rng
        self.messages = messages
        self.target_files = target_files
        self.weights = weights or Weights()
        self.branch_rate = branch_rate
        self.revert_rate = revert_rate
        self.used_paths: set[str] = set()
        self.branches_made = 0
        self.pull_requests = 40
        self._pending_renames: list[dict[str, object]] = []
        self._sources: tuple[Project | None, int, list[str]] = (None, -1, [])

    def scaffold(self, modules: int = 4) -> None:
        """Stage a first project: metadata, docs, the package and a few modules."""
        tree = self.h.tree
        tree.write("README.md", f"# {PACKAGE}\n\nA small library for widgets.\n")
        tree.write("CHANGELOG.md", "# Changelog\n")
        tree.write("docs/index.md", f"# {PACKAGE}\n\nStart with the usage guide.\n")
        tree.write(".gitignore", "__pycache__/\n*.egg-info/\n")
        tree.write(
            "setup.cfg",
            f"[metadata]\nname = {PACKAGE}\nversion = 0.0.1\n\n[options]\npackage_dir =\n    = src\n"
            "packages = find:\npython_requires = >=3.8\n",
        )
        tree.write(f"src/{PACKAGE}/__init__.py", f'"""{PACKAGE}: a small library for widgets."""\n')
        for _ in range(modules):
            self.add_module(self.rng.choice(SUBPACKAGES[:3]))

    # -- files ------------------------------------------------------------------------------

    def new_module(self) -> Module:
        """A module of two to seven consecutive real units from one stdlib file, with its imports."""
        source, picked = self.corpus.units(self.rng, self.rng.randint(2, 7))
        imports = source.imports[: self.rng.randint(0, len(source.imports))]
        doc = f"{source.name.replace('_', ' ').capitalize()} support for {PACKAGE}."
        return Module(doc, imports, tuple(unit.text for unit in picked))

    def fresh_path(self, subpackage: str, stem: str) -> str:
        """A module path never used before in this history, so branches never add the same path."""
        base = f"src/{PACKAGE}/{subpackage}/{stem}"
        path, n = f"{base}.py", 2
        while path in self.used_paths:
            path, n = f"{base}_{n}.py", n + 1
        self.used_paths.add(path)
        return path

    def ensure_package(self, subpackage: str) -> None:
        init = f"src/{PACKAGE}/{subpackage}/__init__.py"
        if init not in self.h.tree.files:
            self.h.tree.write(init, package_init(subpackage))

    def add_module(self, subpackage: str | None = None) -> str:
        """Stage a new module in a (possibly new) subpackage; returns its path."""
        sizes = len(SUBPACKAGES[: 3 + len(self.h.tree.files) // 25])
        subpackage = subpackage or self.rng.choice(SUBPACKAGES[:sizes])
        module = self.new_module()
        stem = module.doc.split(" ")[0].lower() + self.rng.choice(NAME_SUFFIXES)
        path = self.fresh_path(subpackage, stem)
        self.ensure_package(subpackage)
        self.h.tree.write(path, module)
        return path

    def add_tests(self, target: str) -> str:
        """A test module for `target` with one trivial test per top-level unit."""
        module = self.h.tree.module(target)
        assert module is not None
        dotted = target.removeprefix("src/").removesuffix(".py").replace("/", ".")
        names = list(dict.fromkeys(unit_name(unit) for unit in module.units))
        tests = tuple(f"def test_{name.lower()}():\n    assert {name} is not None\n" for name in names)
        imports = (f"from {dotted} import {', '.join(names)}",) if names else ()
        path = tests_for(target)
        self.h.tree.write(path, Module(f"Tests for {dotted}.", imports, tests))
        return path

    def edit_python(self, path: str, kind: str | None = None) -> Edit | None:
        """Apply one random code edit to a module, trying other kinds when one does not apply."""
        module = self.h.tree.module(path)
        if module is None:
            return None
        kinds = list(EDIT_KINDS)
        self.rng.shuffle(kinds)
        first = kind or self.rng.choices(EDIT_KINDS, EDIT_WEIGHTS)[0]
        if first == "add_function" and len(module.units) > MAX_UNITS:
            first = "remove_function"  # keep modules from growing without bound in long histories
        for choice in [first] + [k for k in kinds if k != first]:
            if choice == "add_function":
                edit = add_function(module, self.corpus.unit(self.rng), self.rng)
            elif choice == "remove_function":
                edit = remove_function(module, self.rng)
            else:
                edit = edit_unit(module, choice, self.rng)
            if edit is not None:
                self.h.tree.write(path, edit.module)
                return edit
        return None

    # -- commits ----------------------------------------------------------------------------

    def _candidates(self, avoid: AbstractSet[str]) -> list[str]:
        """Source modules (not tests) outside `avoid`; recomputed only when the module set changes."""
        tree = self.h.tree
        cached_tree, version, sources = self._sources
        if cached_tree is not tree or version != tree.modules_version:
            sources = [p for p in tree.python_paths() if not p.startswith("tests/")]
            self._sources = (tree, tree.modules_version, sources)
        return [p for p in sources if p not in avoid] if avoid else sources

    def _kind(self) -> str:
        w = self.weights
        below = len(self.h.tree.files) < self.target_files(self.h.count)
        table = {
            "edit": w.edit,
            "add_file": w.add_file * 2 if below else w.add_file // 3,
            "delete_file": w.delete_file if below else w.delete_file * 4,
            "move_file": w.move_file,
            "docs": w.docs,
            "tests": w.tests,
            "sweep": w.sweep,
        }
        return self.rng.choices(list(table), list(table.values()))[0]

    def stage_random(self, avoid: AbstractSet[str] = frozenset()) -> Message:
        """Stage one random change in the current tree and return its commit message."""
        rng = self.rng
        modules = self._candidates(avoid)
        kind = self._kind() if len(modules) >= 4 else "add_file"
        if kind == "add_file":
            path = self.add_module()
            if rng.random() < 0.3:
                self.add_tests(path)
            return self.messages.describe("add_file", module_name(path))
        if kind == "delete_file":
            path = rng.choice(modules)
            self.h.tree.remove(path)
            tests = tests_for(path)
            if tests in self.h.tree.files and tests not in avoid:
                self.h.tree.remove(tests)
            return self.messages.describe("delete_file", module_name(path))
        if kind == "move_file":
            return self.move(rng.choice(modules), edit=rng.random() < 0.5)
        if kind == "docs":
            return self._docs(rng.choice(modules), avoid)
        if kind == "tests":
            target = rng.choice(modules)
            tests = tests_for(target)
            if tests in avoid:
                return self._edit_files([target], avoid)
            if tests in self.h.tree.files:
                self.edit_python(tests, rng.choice(("branch", "tweak", "rename")))
            else:
                self.add_tests(target)
            return self.messages.describe("tests", module_name(target))
        if kind == "sweep":
            paths = rng.sample(modules, min(len(modules), rng.randint(5, 10)))
            for path in paths:
                self.edit_python(path, rng.choice(("rename", "tweak")))
            return self.messages.describe("sweep", module_name(paths[0]), detail=str(len(paths)))
        count = rng.choices((1, 2, 3), (70, 20, 10))[0]
        return self._edit_files(rng.sample(modules, min(count, len(modules))), avoid)

    def _edit_files(self, paths: list[str], avoid: AbstractSet[str]) -> Message:
        edits = [edit for edit in (self.edit_python(path) for path in paths) if edit is not None]
        if not edits:
            return self._docs(paths[0], avoid)
        first = edits[0]
        return self.messages.describe(first.kind, module_name(paths[0]), first.target, first.detail)

    def move(self, path: str, edit: bool) -> Message:
        """Move a module to another subpackage (a rename git detects), optionally editing it too."""
        here = path.split("/")[2] if path.startswith(f"src/{PACKAGE}/") else ""
        there = self.rng.choice([s for s in SUBPACKAGES[:6] if s != here])
        new = self.fresh_path(there, module_name(path))
        self.ensure_package(there)
        self.h.tree.move(path, new)
        edited = edit and self.edit_python(new, self.rng.choice(("tweak", "branch"))) is not None
        self._pending_renames.append({"old": path, "new": new, "edited": edited})
        return self.messages.describe("move_file", module_name(path), detail=f"{PACKAGE}.{there}")

    def _docs(self, path: str, avoid: AbstractSet[str]) -> Message:
        free = [doc for doc in DOCS if doc not in avoid]
        if not free:
            return self.messages.describe("add_file", module_name(self.add_module()))
        doc = self.rng.choice(free)
        entry = self.h.tree.files.get(doc)
        text = entry.data.decode("utf-8") if entry else f"# {doc.rsplit('/', 1)[-1][:-3].title()}\n"
        mod = module_name(path)
        text += f"\n## {mod}\n\nNotes on `{PACKAGE}` module `{mod}` (revision {self.h.count}).\n"
        self.h.tree.write(doc, text)
        return self.messages.describe("docs", mod)

    def release(self, version: str, notes: str = "") -> Commit:
        """Bump the version in setup.cfg and CHANGELOG.md and commit it as the maintainer."""
        tree = self.h.tree
        cfg = tree.files["setup.cfg"].data.decode("utf-8")
        cfg = "\n".join(
            f"version = {version}" if line.startswith("version =") else line for line in cfg.split("\n")
        )
        tree.write("setup.cfg", cfg)
        log = tree.files["CHANGELOG.md"].data.decode("utf-8")
        head, _, rest = log.partition("\n")
        tree.write("CHANGELOG.md", f"{head}\n\n## {version}\n\n{notes or '- maintenance release'}\n{rest}")
        return self.h.commit(f"Release {version}\n", author=self.h.maintainer)

    def touch_code(self, count: int = 1) -> list[Edit]:
        """Stage random edits to `count` modules, for scripted commits that bring their own message."""
        modules = self._candidates(frozenset())
        edits = (self.edit_python(path) for path in self.rng.sample(modules, min(count, len(modules))))
        return [edit for edit in edits if edit is not None]

    def commit(self, message: Message | str, **people: Any) -> Commit:
        """Commit what is staged, recording the renames staged by `move` against the new commit."""
        commit = self.h.commit(message, **people)
        for rename in self._pending_renames:
            self.h.note("renames", commit=commit, **rename)
        self._pending_renames.clear()
        return commit

    def step(self, avoid: AbstractSet[str] = frozenset()) -> Commit:
        """One random commit on the current branch, touching no path in `avoid`."""
        return self.commit(self.stage_random(avoid))

    # -- branches and reverts ---------------------------------------------------------------

    def feature(
        self,
        budget: int,
        *,
        length: int | None = None,
        trunk_commits: int | None = None,
        style: str | None = None,
    ) -> Commit:
        """A feature branch merged back into the trunk, using at most `budget` commits in all.

        `trunk_commits` commits land on the trunk meanwhile (so the merge is a real three-way one);
        each side avoids the paths the other touched, so merges never conflict. `style` is "pr"
        (GitHub pull-request merge), "merge" (git merge --no-ff) or "ff" (fast-forward, no merge
        commit; only when the trunk did not move). Returns the merge commit (or the new tip).
        """
        rng = self.rng
        length = length or rng.randint(2, max(2, min(6, budget - 2)))
        if trunk_commits is None:
            trunk_commits = min(budget - length - 1, rng.choice((0, 0, 1, 2, 3)))
        plan = ["branch"] * length
        for _ in range(trunk_commits):
            plan.insert(rng.randint(1, len(plan)), "trunk")
        self.branches_made += 1
        name = f"feature/{rng.choice(BRANCH_TOPICS)}-{self.branches_made}"
        self.h.branch(name, TRUNK)
        touched: dict[str, set[str]] = {"branch": set(), "trunk": set()}
        for side in plan:
            self.h.switch(name if side == "branch" else TRUNK)
            commit = self.step(avoid=touched["trunk" if side == "branch" else "branch"])
            touched[side].update(commit.changes)
        self.h.switch(TRUNK)
        if style is None:
            style = "ff" if not trunk_commits and rng.random() < 0.15 else rng.choice(("pr", "pr", "merge"))
        if style == "ff":
            return self.h.merge(name, fast_forward=True)
        if style == "pr":
            self.pull_requests += rng.randint(1, 4)
            title = f"Merge pull request #{self.pull_requests} from acme/{name.replace('/', '-')}"
            topic = name.split("/")[1].split("-")[0]
            return self.h.merge(name, message=f"{title}\n\nWork on {topic}\n", committer=GITHUB)
        return self.h.merge(name)

    def revertable(self, depth: int = 15) -> list[Commit]:
        """Recent trunk commits that can be reverted cleanly (no later commit touched their paths)."""
        found = []
        commit: Commit | None = self.h.head
        committed = self.h.branch_state.committed
        for _ in range(depth):
            if commit is None or not commit.parents:
                break
            clean = all(committed.get(path) == after for path, (_, after) in commit.changes.items())
            if len(commit.parents) == 1 and commit.revert_of is None and commit.changes and clean:
                found.append(commit)
            commit = commit.parents[0]
        return found

    def revert_one(self) -> Commit | None:
        candidates = self.revertable()
        return self.h.revert(self.rng.choice(candidates)) if candidates else None

    def fill_until(self, target: int) -> None:
        """Random work on the trunk until the history has exactly `target` commits."""
        while self.h.count < target:
            remaining = target - self.h.count
            roll = self.rng.random()
            if remaining >= 4 and roll < self.branch_rate:
                self.feature(remaining)
            elif roll > 1 - self.revert_rate and self.revert_one() is not None:
                continue
            else:
                self.step()
