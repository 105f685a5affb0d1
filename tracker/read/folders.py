"""The tree by folder: where change and complexity sit, and who knows each part (CodeScene's map).

Built from the `qroi export files` table (Python files at HEAD with their history, owner and
owner share), so every figure is one already defined there, summed or ranked per folder:

- a *knowledge island* is a file whose owner (the author of most of its commits) made at least
  `ISLAND_SHARE` of them: if that person leaves, nobody else knows it;
- a folder's *bus factor* is the fewest owners whose files together hold more than half of the
  folder's source lines (owners ranked by the lines of the files they own): the people who would
  have to leave before most of the folder lost the one who knows it best.
"""

from __future__ import annotations

import pandas as pd

ISLAND_SHARE = 0.8
FOLDER_COLUMNS = [
    "repo",
    "folder",
    "files",
    "sloc",
    "commits",
    "bugfix_commits",
    "mi",
    "cc_total",
    "owners",
    "main_owner",
    "main_owner_sloc_share",
    "bus_factor",
    "knowledge_islands",
]


def folder_of(path: str, depth: int) -> str:
    """The first `depth` folders of a path ('.' for a file at the top)."""
    parts = path.split("/")[:-1][:depth]
    return "/".join(parts) if parts else "."


def bus_factor(owned_sloc: pd.Series) -> int:
    """Fewest owners whose files hold more than half the lines (`owned_sloc`: lines per owner)."""
    total = owned_sloc.sum()
    if total <= 0:
        return 0
    ranked = owned_sloc.sort_values(ascending=False).cumsum()
    return int((ranked <= total / 2).sum() + 1)


def by_folder(files: pd.DataFrame, depth: int = 2) -> pd.DataFrame:
    """Per repository and folder: size, change, sloc-weighted MI and ownership of the files at HEAD."""
    if files.empty:
        return pd.DataFrame(columns=FOLDER_COLUMNS)
    f = files.assign(
        folder=[folder_of(p, depth) for p in files["path"]],
        sloc=files["sloc"].fillna(0),
        weighted_mi=files["mi"] * files["sloc"].fillna(0),
        scored_sloc=files["sloc"].where(files["mi"].notna(), 0).fillna(0),
        island=(files["owner_share"] >= ISLAND_SHARE) & files["owner"].notna(),
    )
    rows = []
    for (repo, folder), g in f.groupby(["repo", "folder"], sort=True):
        owned = g.groupby("owner")["sloc"].sum()
        top = owned.sort_values(ascending=False, kind="mergesort")
        rows.append(
            {
                "repo": repo,
                "folder": folder,
                "files": len(g),
                "sloc": int(g["sloc"].sum()),
                "commits": int(g["commits"].sum()),
                "bugfix_commits": int(g["bugfix_commits"].sum()),
                "mi": g["weighted_mi"].sum() / g["scored_sloc"].sum() if g["scored_sloc"].sum() else None,
                "cc_total": int(g["cc_total"].fillna(0).sum()),
                "owners": int(g["owner"].nunique()),
                "main_owner": top.index[0] if len(top) else None,
                "main_owner_sloc_share": top.iloc[0] / g["sloc"].sum()
                if len(top) and g["sloc"].sum()
                else None,
                "bus_factor": bus_factor(owned),
                "knowledge_islands": int(g["island"].sum()),
            }
        )
    return pd.DataFrame(rows, columns=FOLDER_COLUMNS)
