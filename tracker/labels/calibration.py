"""Label precision measured, not assumed: a stratified sample of commits for a person to judge,
and the judgements stored.

`sample` draws from the commits' stored kinds (the strata): half the sample from the fixes, whose
precision every defect outcome inherits, and the rest spread over the other kinds in proportion to
their size (at least one each while the budget lasts), since the fixes they hide set the recall.
Each row carries its stratum's size, so `qroi.analysis.label_error` can weight the judgements back
to the whole history. A judgement is a kind (what the commit really is) or `ok` (the label is right).
"""

from __future__ import annotations

import math
import random
import time
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import pandas as pd
from sqlalchemy import Engine, delete, func, select
from sqlmodel import col

from qroi.core.errors import QroiError
from qroi.labels import kinds
from qroi.store import database, models
from qroi.store.database import transaction

SAMPLE_COLUMNS = ["sha", "kind", "rule", "stratum_size", "diffstat", "files", "message", "judgement"]
OK = "ok"
MAX_FILES = 30


def allocate(sizes: dict[str, int], n: int) -> dict[str, int]:
    """How many commits to draw from each kind: half from the fixes, the rest proportionally."""
    take = {k: 0 for k in sizes}
    take_fix = min(sizes.get(kinds.FIX, 0), math.ceil(n / 2))
    if kinds.FIX in take:
        take[kinds.FIX] = take_fix
    others = {k: v for k, v in sizes.items() if k != kinds.FIX and v}
    budget = n - take_fix
    total = sum(others.values())
    for k in sorted(others, key=lambda k: -others[k]):  # one each first, largest strata first
        if budget <= 0:
            break
        take[k], budget = 1, budget - 1
    while budget > 0 and any(take[k] < others[k] for k in others):
        k = max((k for k in others if take[k] < others[k]), key=lambda k: others[k] / total - take[k] / n)
        take[k], budget = take[k] + 1, budget - 1
    return take


def sample(engine: Engine, repo: str, n: int, seed: int = 0) -> list[dict[str, Any]]:
    """A stratified random sample of `n` classified non-merge commits, with what a judge needs."""
    if n < 1:
        raise QroiError("--n must be at least 1")
    rid = database.repo_id(engine, repo)
    c, ch = models.Commit, models.Change
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                col(c.id),
                col(c.sha),
                col(c.kind),
                col(c.kind_rule),
                col(c.message),
                col(c.insertions),
                col(c.deletions),
                col(c.files_changed),
            )
            .where(col(c.repo_id) == rid, ~col(c.is_merge), col(c.kind).is_not(None))
            .order_by(col(c.generation), col(c.sha))
        ).all()
        if not rows:
            raise QroiError(f"{repo}: no classified commits; run `qroi ingest` first")
        strata: dict[str, list[Any]] = defaultdict(list)
        for row in rows:
            strata[row.kind].append(row)
        rng = random.Random(seed)
        take = allocate({k: len(v) for k, v in strata.items()}, n)
        chosen = [(row, len(strata[k])) for k in sorted(strata) for row in rng.sample(strata[k], take[k])]
        paths: dict[int, list[str]] = defaultdict(list)
        for part in database.chunks([row.id for row, _ in chosen]):
            for cid, path in conn.execute(
                select(col(ch.commit_id), col(ch.path)).where(col(ch.commit_id).in_(part))
            ):
                paths[cid].append(path)
    out = []
    for row, size in chosen:
        files = sorted(paths[row.id])
        more = f" (+{len(files) - MAX_FILES} more)" if len(files) > MAX_FILES else ""
        out.append(
            {
                "sha": row.sha,
                "kind": row.kind,
                "rule": row.kind_rule,
                "stratum_size": size,
                "diffstat": f"{row.files_changed} files, +{row.insertions} -{row.deletions}",
                "files": " ".join(files[:MAX_FILES]) + more,
                "message": row.message,
                "judgement": "",
            }
        )
    return out


def _judged(value: str, labelled: str, line: int) -> str | None:
    text = value.strip().lower()
    if not text:
        return None
    if text == OK:
        return labelled
    if text not in kinds.KINDS:
        raise QroiError(f"line {line}: judgement {value!r} is not ok or a kind ({', '.join(kinds.KINDS)})")
    return text


def store(engine: Engine, repo: str, rows: Iterable[dict[str, str]]) -> int:
    """Store the judged rows of a sample file (blank judgements are skipped); how many were stored.

    All or nothing: every row is checked first. Judging a commit again replaces its judgement.
    """
    rid = database.repo_id(engine, repo)
    c, j = models.Commit, models.LabelJudgement
    with engine.connect() as conn:
        ids = {
            sha: cid for sha, cid in conn.execute(select(col(c.sha), col(c.id)).where(col(c.repo_id) == rid))
        }
    records = []
    for line, row in enumerate(rows, start=2):
        missing = [k for k in ("sha", "kind", "stratum_size", "judgement") if k not in row]
        if missing:
            raise QroiError(
                f"line {line}: no {', '.join(missing)} column (write the file with `qroi labels sample`)"
            )
        labelled = str(row["kind"]).strip().lstrip("'")
        judged = _judged(str(row["judgement"] or ""), labelled, line)
        if judged is None:
            continue
        sha = str(row["sha"]).strip().lstrip("'")
        if sha not in ids:
            raise QroiError(f"line {line}: commit {sha[:12]} is not stored for {repo}")
        try:
            size = int(str(row["stratum_size"]).strip())
        except ValueError as exc:
            raise QroiError(
                f"line {line}: stratum_size {row['stratum_size']!r} is not a whole number"
            ) from exc
        if labelled not in kinds.KINDS or size < 1:
            raise QroiError(
                f"line {line}: kind {labelled!r} or stratum_size {size} is not one the sample wrote"
            )
        records.append(
            {
                "commit_id": ids[sha],
                "repo_id": rid,
                "labelled": labelled,
                "judged": judged,
                "stratum_size": size,
                "judged_ts": int(time.time()),
            }
        )
    if not records:
        raise QroiError(
            "no judgements in the file: fill the judgement column (ok, or the commit's real kind)"
        )
    with transaction(engine) as conn:
        for part in database.chunks([r["commit_id"] for r in records]):
            conn.execute(delete(j).where(col(j.commit_id).in_(part)))
        database.insert_rows(conn, j.__table__, records)
    return len(records)


def judgements(engine: Engine, repo: str) -> pd.DataFrame:
    """The stored judgements of a repository, with each commit's current kind (`kind`)."""
    rid = database.repo_id(engine, repo)
    c, j = models.Commit, models.LabelJudgement
    stmt = (
        select(col(c.sha), col(c.kind), col(j.labelled), col(j.judged), col(j.stratum_size))
        .join(c, col(c.id) == col(j.commit_id))
        .where(col(j.repo_id) == rid)
    )
    with engine.connect() as conn:
        frame = pd.DataFrame(
            conn.execute(stmt).all(), columns=["sha", "kind", "labelled", "judged", "stratum_size"]
        )
    return frame


def count(engine: Engine, repo: str) -> int:
    """How many judgements are stored for a repository."""
    rid = database.repo_id(engine, repo)
    j = models.LabelJudgement
    with engine.connect() as conn:
        return int(
            conn.execute(select(func.count()).select_from(j).where(col(j.repo_id) == rid)).scalar() or 0
        )
