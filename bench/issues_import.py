"""Benchmark `qroi issues import` for the sizes a large tracker export has.

Usage: python bench/issues_import.py [--sizes 10000,40000,200000]

Per size, a GitHub REST JSON export and a generic CSV export with that many issues are imported
into a fresh SQLite store (parse, validate, one transaction), one after the other in the same
invocation. The smallest size is the baseline: the table prints seconds, issues per second and the
per-issue cost relative to the baseline. Linear import keeps that ratio near 1x; the quadratic
line counting this replaced made 40k issues cost 3.5x the per-issue time of 10k and 200k run for
more than ten minutes.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qroi.delivery import issues_import
from qroi.store import database
from qroi.store.models import Repo


def _github(n: int) -> str:
    items = [
        {
            "number": i,
            "title": f"Issue {i}",
            "state": "closed" if i % 3 else "open",
            "created_at": "2021-03-01T10:00:00Z",
            "closed_at": "2021-03-04T10:00:00Z" if i % 3 else None,
            "labels": [{"name": "bug" if i % 2 else "enhancement"}],
        }
        for i in range(1, n + 1)
    ]
    return json.dumps(items, indent=2)


def _csv(n: int) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["id", "type", "created_at", "closed_at", "labels", "title"])
    for i in range(1, n + 1):
        writer.writerow([i, "Bug" if i % 2 else "Story", "2021-03-01", "2021-03-04", "a;b", f"Issue {i}"])
    return buffer.getvalue()


def _import_seconds(text: str, name: str, workdir: Path) -> float:
    db = workdir / f"{name}.db"
    engine = database.connect(str(db))
    database.init_schema(engine)
    with database.transaction(engine) as conn:
        conn.execute(Repo.__table__.insert().values(name="bench", source="bench"))
    path = workdir / name
    path.write_text(text, encoding="utf-8")
    start = time.perf_counter()
    issues_import.import_file(engine, "bench", path)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,40000,200000")
    sizes = [int(s) for s in parser.parse_args().sizes.split(",")]
    print(f"{'format':<8}{'issues':>10}{'seconds':>10}{'issues/s':>11}{'per issue vs first':>20}")
    with tempfile.TemporaryDirectory() as tmp:
        for fmt, build in (("github", _github), ("csv", _csv)):
            baseline = None
            for n in sizes:
                seconds = _import_seconds(
                    build(n), f"{fmt}-{n}.{'json' if fmt == 'github' else 'csv'}", Path(tmp)
                )
                per_issue = seconds / n
                baseline = baseline or per_issue
                print(f"{fmt:<8}{n:>10,}{seconds:>10.2f}{n / seconds:>11,.0f}{per_issue / baseline:>19.2f}x")
    print(f"imported {len(sizes) * 2} exports, largest {max(sizes):,} issues")


if __name__ == "__main__":
    main()
