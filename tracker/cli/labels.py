"""`qroi labels sample` and `qroi labels calibrate`: measure how right the change kinds are.

A person judges a stratified sample of commits (`qroi.labels.calibration`); from then on
`qroi analyze` prints the measured precision and recall of the fix label under every verdict,
and what a defect verdict would be with the labels corrected (`qroi.analysis.label_error`).
"""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from sqlalchemy import Engine

from qroi.cli import console
from qroi.core.errors import QroiError

if TYPE_CHECKING:
    from qroi.analysis.claim import ClaimResult

app = typer.Typer(
    no_args_is_help=True,
    rich_markup_mode=None,
    help="Change kinds judged by people: a sample to judge, and the judgements stored.",
)
DbOption = Annotated[
    str | None,
    typer.Option(
        "--db", envvar="QROI_DB", help="Store: SQLAlchemy URL or SQLite file path [default: qroi.db]."
    ),
]
RepoArgument = Annotated[str, typer.Argument(help="Name of a stored repository (see `qroi repos`).")]
DEFECT_OUTCOME = "bugfix_commits"


def _store(db: str | None, write: bool = False) -> Engine:
    from qroi.cli.commands import open_store  # the CLI's one way to open a store

    return open_store(db, write=write)


@app.command("sample")
def sample_cmd(
    repo: RepoArgument,
    out: Annotated[Path, typer.Option("--out", "-o", help="CSV file to write (judge it, then calibrate).")],
    n: Annotated[int, typer.Option("--n", help="How many commits to sample (half from the fixes).")] = 50,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same sample.")] = 0,
    db: DbOption = None,
) -> None:
    """Write a stratified random sample of commits with an empty judgement column."""
    import pandas as pd

    from qroi.labels import calibration
    from qroi.read import export

    rows = calibration.sample(_store(db), repo, n, seed)
    export.write(pd.DataFrame(rows, columns=calibration.SAMPLE_COLUMNS), str(out))
    kinds = sorted({r["kind"] for r in rows})
    console.summary(
        f"sampled {len(rows):,} commits of {repo} over {len(kinds)} kinds into {out}; fill `judgement` with "
        f"ok or the real kind, then run `qroi labels calibrate {repo} {out}`"
    )


@app.command("calibrate")
def calibrate_cmd(
    repo: RepoArgument,
    file: Annotated[Path, typer.Argument(help="A sample file written by `qroi labels sample`, judged.")],
    db: DbOption = None,
) -> None:
    """Store the judgements of a sample file; print the measured precision and recall of the fix label."""
    from qroi.analysis import label_error
    from qroi.labels import calibration

    try:
        with file.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise QroiError(f"cannot read {file}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise QroiError(f"{file} is not UTF-8 text") from exc
    engine = _store(db, write=True)
    stored = calibration.store(engine, repo, rows)
    measured = label_error.measure(calibration.judgements(engine, repo))
    assert measured is not None  # at least the rows just stored
    console.summary(
        f"stored {stored:,} judgements for {repo} ({measured.judged:,} in all); fix label precision "
        f"{measured.precision.text()}, recall {measured.recall.text()}"
    )


def render_calibration(engine: Engine, result: ClaimResult, out: Console) -> None:
    """Under the verdicts: the fix label's measured precision and recall, and the defect verdicts'
    sensitivity to that misclassification (or how to measure it)."""
    from qroi.analysis import label_error
    from qroi.analysis.engine import analyze_hypothesis
    from qroi.labels import calibration

    for repo in result.repos:
        defect = [h for h in result.reports[repo].hypotheses if h.spec.outcome == DEFECT_OUTCOME]
        if not defect:
            continue
        measured = label_error.measure(calibration.judgements(engine, repo))
        if measured is None:
            out.print(
                f"{repo}: the fix label is not calibrated (precision and recall unmeasured): judge a sample with "
                f"`qroi labels sample {repo} --out FILE`, then `qroi labels calibrate {repo} FILE`.",
                style="dim",
                markup=False,
            )
            continue
        out.print(
            f"{repo}: fix label measured on {measured.judged} judged commits: precision "
            f"{measured.precision.text()}, recall {measured.recall.text()} (Wilson 95%, sample-weighted).",
            markup=False,
        )
        panel = result.panel[result.panel["repo"] == repo].reset_index(drop=True)
        corrected = label_error.corrected_fixes(panel, measured)
        for h in defect:
            if corrected is None or h.adjusted is None or h.adjusted.ratio is None:
                out.print(f"  sensitivity of {h.name}: not computable", style="dim", markup=False)
                continue
            spec = replace(h.spec, n_boot=0)
            again = analyze_hypothesis(panel.assign(**{DEFECT_OUTCOME: corrected}), spec)
            fixed = again.adjusted
            if fixed is None or fixed.ratio is None:
                out.print(
                    f"  sensitivity of {h.name}: the corrected fit failed ({again.reason})", markup=False
                )
                continue
            out.print(
                f"  sensitivity of {h.name}: {fixed.ratio:.2f} [{fixed.ci_low:.2f}-{fixed.ci_high:.2f}] with the "
                f"fix labels corrected for the measured misclassification (was {h.adjusted.ratio:.2f}; "
                "expected true fixes = precision x labelled + false-omission rate x unlabelled, Wald 95%)",
                markup=False,
            )
