"""Quality investments: the commits `qroi payback` treats as quality work, and what they cost.

An investment is a non-merge commit that changes a Python file, is behaviour-neutral, and is
either

- of kind refactor (the stored change kind, `qroi.labels.kinds`: one definition of "refactor"
  for the labels, the exports and this test), or
- a quality gain: it lowers the file's complexity density (Radon's total cyclomatic complexity
  per 100 source lines) by at least `min_gain` (default 15%) while keeping at least half of the
  file's source lines (a deletion is not an improvement).

Behaviour-neutral is read from the stored kind too (`is_behaviour_neutral`): not a fix (by message
or linked bug issue), not a revert, and not a feature by a feature signal (a feature verb or a
`feat:` prefix); a commit the kinds call feature only because it changes product files with no
other signal stays neutral. Git cannot prove that a commit kept behaviour; these signals only
exclude the commits that say they changed it. Commits not yet classified (kind NULL) are none.

Cost: the investment commits' changed lines (added + deleted, every file they touch) and their
author-days (distinct author and UTC calendar day pairs).
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine, select
from sqlmodel import col

from qroi.labels import kind_names as kinds
from qroi.read import queries
from qroi.store import models
from qroi.store.database import chunks, repo_id

DEFAULT_MIN_GAIN = 0.15
INVESTMENT_COLUMNS = [
    "commit_id",
    "sha",
    "path",
    "authored_ts",
    "author_email",
    "rule",
    "density_before",
    "density_after",
    "changed_lines",
]


def is_behaviour_neutral(kind: str | None, rule: str | None) -> bool:
    """No stored signal that the commit changed behaviour (see the module doc)."""
    if kind == kinds.FEATURE:
        return rule == kinds.UNSIGNALLED_RULE
    return kind is not None and kind not in (kinds.FIX, kinds.REVERT, kinds.MERGE)


def _densities(engine: Engine, blobs: set[str]) -> dict[str, tuple[float, float]]:
    """Blob -> (complexity per 100 sloc, sloc) for scored blobs with code."""
    b = models.Blob
    out = {}
    with engine.connect() as conn:
        for part in chunks(sorted(blobs)):
            for blob, cc, sloc in conn.execute(
                select(col(b.blob), col(b.cc_total), col(b.sloc)).where(
                    col(b.blob).in_(part), col(b.error_kind).is_(None)
                )
            ):
                if sloc:
                    out[blob] = (100.0 * (cc or 0) / sloc, float(sloc))
    return out


def investments(engine: Engine, repo: str, min_gain: float = DEFAULT_MIN_GAIN) -> pd.DataFrame:
    """One row per (investment commit, Python file it changed), as in `INVESTMENT_COLUMNS`."""
    rid = repo_id(engine, repo)
    c = models.Commit
    with engine.connect() as conn:
        meta = pd.DataFrame(
            conn.execute(
                select(col(c.id), col(c.kind), col(c.kind_rule)).where(
                    col(c.repo_id) == rid, ~col(c.is_merge)
                )
            ).all(),
            columns=["commit_id", "kind", "kind_rule"],
        )
    ch = queries.changes(engine, repo)
    if ch.empty or meta.empty:
        return pd.DataFrame(columns=INVESTMENT_COLUMNS)
    lines = (ch["added"].fillna(0) + ch["deleted"].fillna(0)).groupby(ch["commit_id"]).sum()
    meta = meta[[is_behaviour_neutral(k, r) for k, r in zip(meta["kind"], meta["kind_rule"], strict=True)]]
    meta = meta.assign(refactor=meta["kind"] == kinds.REFACTOR)
    py = ch[ch["is_python"] & (ch["change_type"] == "modify")].merge(meta, on="commit_id")
    scores = _densities(engine, set(py["old_blob"].dropna()) | set(py["new_blob"].dropna()))
    before = [scores.get(b) for b in py["old_blob"]]
    after = [scores.get(b) for b in py["new_blob"]]
    py = py.assign(
        density_before=[s[0] if s else None for s in before],
        density_after=[s[0] if s else None for s in after],
        kept=[bool(s and t and t[1] >= 0.5 * s[1]) for s, t in zip(before, after, strict=True)],
    )
    gain = (
        py["kept"]
        & (py["density_after"] <= (1 - min_gain) * py["density_before"])
        & (py["density_before"] > 0)
    )
    py = py[py["refactor"] | gain].copy()
    py["rule"] = ["refactor" if r else "quality gain" for r in py["refactor"]]
    py["changed_lines"] = py["commit_id"].map(lines).astype("int64")
    return py[INVESTMENT_COLUMNS].reset_index(drop=True)


def cost(found: pd.DataFrame) -> dict[str, int]:
    """Commits, changed lines and author-days of a set of investment rows."""
    commits = found.drop_duplicates("commit_id")
    days = pd.to_datetime(commits["authored_ts"], unit="s", utc=True).dt.strftime("%Y-%m-%d")
    return {
        "commits": len(commits),
        "files": int(found["path"].nunique()),
        "changed_lines": int(commits["changed_lines"].sum()),
        "author_days": int(pd.Series(list(zip(commits["author_email"], days, strict=True))).nunique()),
    }
