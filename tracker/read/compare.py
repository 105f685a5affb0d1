"""Two revisions side by side: what got worse between them, and where (`qroi compare`, Compare page).

A revision is a release tag, any stored tag, a commit sha (or a unique prefix) or HEAD. Its tree
is rebuilt from the store alone by replaying the diffs of its first-parent chain (each commit's
changes, each merge's diff against its first parent), so both sides are read exactly as the store
holds them and every file figure is the blob's Radon score (`blobs`). Files are matched by path:
a file renamed between the two revisions shows as removed under its old path and added under
its new one.

Definitions, one each:
- a file's *hotspot score at a revision* is Tornhill's, as `qroi summary` ranks HEAD: commits in
  that revision's history (its ancestors, merges excluded: they have no changes) that touched the
  file, followed through its renames by its lineage (`qroi.read.lineage`, as the Hotspots page
  counts; *commits between* per file too), times its total cyclomatic complexity there. At HEAD it is the Hotspots page's score over
  all history. A *new hotspot* is in the top `TOP_HOTSPOTS` of the newer revision and was not in
  the older one's;
- a function *crossed the threshold* when its complexity at the newer revision is at least
  `C_OR_WORSE` (Radon rank C) and it was below that at the older one or did not exist there.
  Functions are matched by class and name (the n-th of same-named ones with the n-th);
- *commits between* are those in the newer revision's history and not in the older one's.
- Totals and folder figures sum the files of the kept roles; MI is weighted by sloc, as the
  repository-level `py_mi` is (all roles kept: the totals equal the `commits` table's `py_*`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine, select
from sqlmodel import col

from qroi.core import roles
from qroi.core.errors import QroiError
from qroi.core.metrics import C_OR_WORSE
from qroi.read import file_roles, lineage, sql
from qroi.read.folders import folder_of
from qroi.store import models
from qroi.store.database import chunks, repo_id

TOP_HOTSPOTS = 10
FILE_METRICS = ("sloc", "cc_total", "cc_max", "functions", "c_or_worse", "mi")
FILE_COLUMNS = [
    "repo",
    "path",
    "role",
    "status",
    *(f"{m}_{side}" for m in FILE_METRICS for side in ("old", "new")),
    *(f"{m}_delta" for m in FILE_METRICS),
    "commits_between",
    "bugfix_commits_between",
    "hotspot_rank_old",
    "hotspot_rank_new",
    "new_hotspot",
    "old_blob",
    "new_blob",
]
FOLDER_COLUMNS = [
    "repo",
    "folder",
    "files_old",
    "files_new",
    *(f"{m}_{side}" for m in ("sloc", "cc_total", "c_or_worse", "mi") for side in ("old", "new")),
    "sloc_delta",
    "cc_total_delta",
    "c_or_worse_delta",
    "mi_delta",
    "commits_between",
]
FUNCTION_COLUMNS = [
    "repo",
    "path",
    "class_name",
    "name",
    "lineno",
    "endline",
    "complexity_old",
    "complexity_new",
    "rank_new",
    "status",
]


@dataclass(frozen=True)
class Revision:
    """One side of a comparison: what the user named, the commit it resolved to, and when."""

    label: str
    sha: str
    committed_ts: int


@dataclass(frozen=True)
class Comparison:
    """Two revisions of one repository and what changed between them (definitions: module doc)."""

    repo: str
    old: Revision
    new: Revision
    kept: frozenset[str]
    totals: pd.DataFrame
    files: pd.DataFrame
    folders: pd.DataFrame
    functions: pd.DataFrame
    commits_between: int

    @property
    def worse_files(self) -> pd.DataFrame:
        """Files whose MI fell or whose total complexity rose, the largest MI loss first."""
        f = self.files
        worse = f[(f["mi_delta"] < 0) | (f["cc_total_delta"] > 0)]
        return worse.sort_values(
            ["mi_delta", "cc_total_delta", "path"], ascending=[True, False, True], na_position="last"
        )

    @property
    def new_hotspots(self) -> pd.DataFrame:
        return self.files[self.files["new_hotspot"]].sort_values("hotspot_rank_new")


def releases(engine: Engine, repo: str) -> pd.DataFrame:
    """The stored releases (tag, sha, released_ts), newest first: the picker's choices."""
    r = models.Release
    rid = repo_id(engine, repo)
    stmt = select(col(r.tag), col(r.sha), col(r.released_ts)).where(col(r.repo_id) == rid)
    return sql.frame(engine, stmt.order_by(col(r.released_ts).desc(), col(r.tag).desc()))


def default_pair(engine: Engine, repo: str) -> tuple[str, str]:
    """The last two releases (older first); with fewer, the last release (or the root) against HEAD."""
    tags = releases(engine, repo)
    if len(tags) >= 2:
        return str(tags["tag"].iloc[1]), str(tags["tag"].iloc[0])
    if len(tags) == 1:
        return str(tags["tag"].iloc[0]), "HEAD"
    _, _, root = _commits(engine, repo_id(engine, repo))
    return root, "HEAD"


def _commits(engine: Engine, rid: int) -> tuple[pd.DataFrame, str, str]:
    """All stored commits of a repository, HEAD's sha and the root's (oldest first)."""
    c = models.Commit
    stmt = select(
        *(col(x) for x in (c.id, c.sha, c.parents, c.generation, c.committed_ts, c.is_bugfix))
    ).where(col(c.repo_id) == rid)
    commits = sql.frame(engine, stmt.order_by(col(c.generation), col(c.committed_ts), col(c.sha)))
    if commits.empty:
        raise QroiError("the repository has no stored commits; run `qroi ingest` first")
    head = str(commits.loc[commits["generation"].idxmax(), "sha"])
    return commits, head, str(commits["sha"].iloc[0])


def resolve(engine: Engine, repo: str, ref: str) -> Revision:
    """A tag, a sha (or a unique prefix of at least 4 characters) or HEAD -> the stored commit."""
    rid = repo_id(engine, repo)
    commits, head, _ = _commits(engine, rid)
    text = ref.strip()
    with engine.connect() as conn:
        tagged = conn.execute(
            select(col(models.Tag.sha)).where(col(models.Tag.repo_id) == rid, col(models.Tag.name) == text)
        ).scalar()
    if text.upper() == "HEAD":
        sha = head
    elif tagged is not None:
        sha = tagged
    else:
        found = (
            commits["sha"][commits["sha"].str.startswith(text.lower())]
            if len(text) >= 4
            else commits["sha"].iloc[0:0]
        )
        if len(found) != 1:
            why = "is ambiguous" if len(found) > 1 else "is no stored tag or commit"
            raise QroiError(
                f"{ref!r} {why} in {repo} (name a tag from `qroi export releases`, a sha or HEAD)"
            )
        sha = str(found.iloc[0])
    row = commits[commits["sha"] == sha]
    if row.empty:
        raise QroiError(f"{ref!r} points at {sha[:10]}, which is not a stored commit of {repo}")
    return Revision(text, sha, int(row["committed_ts"].iloc[0]))


def _ancestors(commits: pd.DataFrame, sha: str) -> set[int]:
    """Ids of a commit and every stored commit it descends from."""
    parents = dict(zip(commits["sha"], commits["parents"], strict=True))
    ids = dict(zip(commits["sha"], commits["id"], strict=True))
    seen: set[str] = set()
    todo = [sha]
    while todo:
        current = todo.pop()
        if current in seen or current not in ids:
            continue
        seen.add(current)
        todo.extend(parents[current].split())
    return {ids[s] for s in seen}


def _replay(chain: list[int], diffs: dict[int, list]) -> dict[str, str]:
    """The Python path -> blob map after the last commit of a first-parent chain."""
    tree: dict[str, str] = {}
    for commit_id in chain:
        for path, old_path, kind, blob, is_python in diffs.get(commit_id, ()):
            if kind == "rename" and old_path:
                tree.pop(old_path, None)
            if kind == "delete" or not (is_python and blob):
                tree.pop(path, None)
            else:
                tree[path] = blob
    return tree


def _blob_scores(engine: Engine, blobs: set[str]) -> pd.DataFrame:
    b = models.Blob
    frames = [
        sql.frame(
            engine,
            select(col(b.blob), *(col(getattr(b, m)) for m in FILE_METRICS), col(b.error_kind)).where(
                col(b.blob).in_(part)
            ),
        )
        for part in chunks(sorted(blobs))
    ]
    full = [f for f in frames if len(f)]
    scores = (
        pd.concat(full, ignore_index=True)
        if full
        else pd.DataFrame(columns=["blob", *FILE_METRICS, "error_kind"])
    )
    return scores.set_index("blob")


def _touches(engine: Engine, rid: int) -> pd.DataFrame:
    """(commit_id, path) of every non-merge change, with the commit's bug-fix flag and time."""
    ch, c = models.Change, models.Commit
    stmt = (
        select(col(ch.commit_id), col(ch.path), col(c.is_bugfix), col(c.authored_ts))
        .join(c, col(c.id) == col(ch.commit_id))
        .where(col(ch.repo_id) == rid)
        .distinct()
    )
    return sql.bools(sql.frame(engine, stmt), "is_bugfix")


def _side(
    tree: dict[str, str], scores: pd.DataFrame, kept: frozenset[str], rules: tuple[roles.Role, ...]
) -> pd.DataFrame:
    """One revision's files of the kept roles with their blob's scores (unscored: metrics empty)."""
    rows = [(path, blob, roles.role_of(path, rules)) for path, blob in sorted(tree.items())]
    side = pd.DataFrame(rows, columns=["path", "blob", "role"])
    side = side[side["role"].isin(kept)]
    scored = scores.reindex(side["blob"])
    for m in FILE_METRICS:
        side[m] = scored[m].to_numpy()
    side.loc[scored["error_kind"].notna().to_numpy(), list(FILE_METRICS)] = None
    return side.set_index("path")


def _ranks(side: pd.DataFrame, counts: pd.Series) -> pd.Series:
    """Hotspot rank (1 = first) of each file: commits in the revision's history x total CC."""
    commits = counts.reindex(side.index).fillna(0)
    score = commits * side["cc_total"].astype("float64").fillna(0)
    ranked = (
        pd.DataFrame({"score": score, "commits": commits})
        .sort_index()
        .sort_values(["score", "commits"], ascending=[False, False], kind="mergesort")
    )
    ranked = ranked[ranked["score"] > 0]
    return pd.Series(range(1, len(ranked) + 1), index=ranked.index, dtype="int64")


def _weighted_mi(frame: pd.DataFrame) -> float | None:
    scored = frame[frame["mi"].notna()]
    sloc = scored["sloc"].astype("float64").sum()
    return float((scored["mi"] * scored["sloc"]).sum() / sloc) if sloc else None


def _totals(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for name, side in (("old", old), ("new", new)):
        rows.append(
            {
                "side": name,
                "files": len(side),
                "unscored": int(side["mi"].isna().sum()),
                "sloc": int(side["sloc"].fillna(0).sum()),
                "cc_total": int(side["cc_total"].fillna(0).sum()),
                "functions": int(side["functions"].fillna(0).sum()),
                "c_or_worse": int(side["c_or_worse"].fillna(0).sum()),
                "mi": _weighted_mi(side),
            }
        )
    return pd.DataFrame(rows).set_index("side")


def _matched_functions(engine: Engine, blobs: set[str]) -> dict[str, dict[tuple[str | None, str, int], dict]]:
    """Per blob, its functions keyed by (class, name, n-th of that name)."""
    fn = models.Function
    out: dict[str, dict[tuple[str | None, str, int], dict]] = defaultdict(dict)
    with engine.connect() as conn:
        for part in chunks(sorted(blobs)):
            rows = conn.execute(
                select(
                    *(
                        col(x)
                        for x in (
                            fn.blob,
                            fn.class_name,
                            fn.name,
                            fn.lineno,
                            fn.endline,
                            fn.complexity,
                            fn.rank,
                        )
                    )
                )
                .where(col(fn.blob).in_(part))
                .order_by(col(fn.blob), col(fn.lineno), col(fn.id))
            ).mappings()
            seen: dict[tuple[str, str | None, str], int] = defaultdict(int)
            for row in rows:
                key = (row["blob"], row["class_name"], row["name"])
                out[row["blob"]][(row["class_name"], row["name"], seen[key])] = dict(row)
                seen[key] += 1
    return out


def _crossed(repo: str, files: pd.DataFrame, engine: Engine) -> pd.DataFrame:
    """Functions at the newer revision at or past `C_OR_WORSE` that were below it (or absent) before."""
    changed = files[files["new_blob"].notna() & (files["old_blob"] != files["new_blob"])]
    blobs = set(changed["new_blob"]) | set(changed["old_blob"].dropna())
    functions = _matched_functions(engine, blobs)
    rows = []
    for row in changed.itertuples():
        before = functions.get(row.old_blob, {}) if isinstance(row.old_blob, str) else {}
        for key, now in functions.get(row.new_blob, {}).items():
            was = before.get(key)
            if now["complexity"] < C_OR_WORSE or (was is not None and was["complexity"] >= C_OR_WORSE):
                continue
            rows.append(
                {
                    "repo": repo,
                    "path": row.path,
                    "class_name": now["class_name"],
                    "name": now["name"],
                    "lineno": now["lineno"],
                    "endline": now["endline"],
                    "complexity_old": None if was is None else was["complexity"],
                    "complexity_new": now["complexity"],
                    "rank_new": now["rank"],
                    "status": "new" if was is None else "rose",
                }
            )
    frame = pd.DataFrame(rows, columns=FUNCTION_COLUMNS)
    frame["complexity_old"] = frame["complexity_old"].astype("Int64")
    return frame.sort_values(
        ["complexity_new", "path", "lineno"], ascending=[False, True, True], kind="mergesort"
    )


def _folders(repo: str, files: pd.DataFrame, depth: int) -> pd.DataFrame:
    if files.empty:
        return pd.DataFrame(columns=FOLDER_COLUMNS)
    keyed = files.assign(folder=[folder_of(p, depth) for p in files["path"]])
    rows = []
    for folder, g in keyed.groupby("folder", sort=True):
        row: dict[str, object] = {"repo": repo, "folder": folder}
        for side in ("old", "new"):
            present = g[g["status"] != ("added" if side == "old" else "removed")]
            row[f"files_{side}"] = len(present)
            for m in ("sloc", "cc_total", "c_or_worse"):
                row[f"{m}_{side}"] = int(present[f"{m}_{side}"].fillna(0).sum())
            row[f"mi_{side}"] = _weighted_mi(
                present.rename(columns={f"mi_{side}": "mi", f"sloc_{side}": "sloc"})
            )
        for m in ("sloc", "cc_total", "c_or_worse"):
            row[f"{m}_delta"] = int(row[f"{m}_new"]) - int(row[f"{m}_old"])  # type: ignore[call-overload]
        mi_old, mi_new = row["mi_old"], row["mi_new"]
        row["mi_delta"] = None if mi_old is None or mi_new is None else float(mi_new) - float(mi_old)  # type: ignore[arg-type]
        row["commits_between"] = int(g["commits_between"].sum())
        rows.append(row)
    return pd.DataFrame(rows, columns=FOLDER_COLUMNS)


def compare(
    engine: Engine,
    repo: str,
    old_ref: str | None = None,
    new_ref: str | None = None,
    kept: frozenset[str] | None = None,
    depth: int = 2,
) -> Comparison:
    """Compare two revisions of a stored repository (default: its last two releases)."""
    kept = kept or frozenset({roles.PRODUCT})
    if old_ref is None or new_ref is None:
        default_old, default_new = default_pair(engine, repo)
        old_ref, new_ref = old_ref or default_old, new_ref or default_new
    old, new = resolve(engine, repo, old_ref), resolve(engine, repo, new_ref)
    rid = repo_id(engine, repo)
    commits, _, _ = _commits(engine, rid)
    diffs = lineage.diffs_of(engine, rid)
    trees = {
        name: _replay(lineage.mainline_of(commits, rev.sha), diffs)
        for name, rev in (("old", old), ("new", new))
    }
    scores = _blob_scores(engine, set(trees["old"].values()) | set(trees["new"].values()))
    rules = file_roles.rules(engine, repo)  # the roles every reader shows ([tool.qroi] included)
    sides = {name: _side(tree, scores, kept, rules) for name, tree in trees.items()}
    history = {name: _ancestors(commits, rev.sha) for name, rev in (("old", old), ("new", new))}
    between = history["new"] - history["old"]
    touches = _touches(engine, rid)
    lineage_of = lineage.of_repo(engine, repo)
    touched = [lineage_of(p, int(t)) for p, t in zip(touches["path"], touches["authored_ts"], strict=True)]
    at = {}
    for name, rev in (("old", old), ("new", new)):
        path_of = {lineage_of(p, rev.committed_ts): p for p in sides[name].index}
        at[name] = pd.Series([path_of.get(x) for x in touched], dtype="object")
    counts = {
        name: touches.assign(path=at[name].to_numpy())[touches["commit_id"].isin(history[name])]
        .groupby("path")["commit_id"]
        .nunique()
        for name in at
    }
    ranks = {name: _ranks(sides[name], counts[name]) for name in sides}
    # Between: under the file's newer path, else its older one (a file removed), else as changed.
    shown = at["new"].fillna(at["old"]).fillna(touches["path"].reset_index(drop=True))
    span = touches.assign(path=shown.to_numpy())[touches["commit_id"].isin(between)]

    paths = sorted(set(sides["old"].index) | set(sides["new"].index))
    files = pd.DataFrame({"repo": repo, "path": paths})
    files["role"] = [roles.role_of(p, rules) for p in paths]
    for name in ("old", "new"):
        side = sides[name].reindex(paths)
        files[f"{name}_blob"] = side["blob"].to_numpy()
        for m in FILE_METRICS:
            files[f"{m}_{name}"] = side[m].astype("float64").to_numpy()
        files[f"hotspot_rank_{name}"] = ranks[name].reindex(paths).astype("Int64").array
    files["status"] = [
        "added" if pd.isna(o) else "removed" if pd.isna(n) else "unchanged" if o == n else "changed"
        for o, n in zip(files["old_blob"], files["new_blob"], strict=True)
    ]
    for m in FILE_METRICS:
        files[f"{m}_delta"] = files[f"{m}_new"] - files[f"{m}_old"]
    files["commits_between"] = (
        files["path"].map(span.groupby("path")["commit_id"].nunique()).fillna(0).astype(int)
    )
    fixes = span[span["is_bugfix"]].groupby("path")["commit_id"].nunique()
    files["bugfix_commits_between"] = files["path"].map(fixes).fillna(0).astype(int)
    top_new = files["hotspot_rank_new"].fillna(TOP_HOTSPOTS + 1) <= TOP_HOTSPOTS
    top_old = files["hotspot_rank_old"].fillna(TOP_HOTSPOTS + 1) <= TOP_HOTSPOTS
    files["new_hotspot"] = (top_new & ~top_old).astype(bool)
    for m in ("sloc", "cc_total", "cc_max", "functions", "c_or_worse"):
        for column in (f"{m}_old", f"{m}_new", f"{m}_delta"):
            files[column] = files[column].round().astype("Int64")
    files = files[FILE_COLUMNS]
    return Comparison(
        repo=repo,
        old=old,
        new=new,
        kept=kept,
        totals=_totals(sides["old"], sides["new"]),
        files=files,
        folders=_folders(repo, files, depth),
        functions=_crossed(repo, files, engine),
        commits_between=len(between),
    )
