"""`qroi payback REPO`: did quality work pay back? (design: `qroi.analysis.payback`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from qroi.cli import console
from qroi.core import roles
from qroi.core.errors import QroiError


def _fmt(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def payback_cmd(
    repo: Annotated[str, typer.Argument(help="Stored repository (see `qroi repos`).")],
    db: Annotated[
        str | None,
        typer.Option(
            "--db", envvar="QROI_DB", help="Store: SQLAlchemy URL or SQLite file path [default: qroi.db]."
        ),
    ] = None,
    window: Annotated[str, typer.Option(help="Window length of the panel (e.g. 3M, 6M).")] = "3M",
    pre: Annotated[int, typer.Option(min=2, help="Windows before the investment (pre-trend check).")] = 3,
    post: Annotated[int, typer.Option(min=1, help="Windows after the investment that are compared.")] = 4,
    controls: Annotated[int, typer.Option(min=1, help="Matched control files per invested file.")] = 3,
    min_gain: Annotated[
        float,
        typer.Option(
            min=0.01, max=0.99, help="Complexity-density drop that counts as a quality gain (share)."
        ),
    ] = 0.15,
    sesoi: Annotated[float, typer.Option(min=1.0001, help="Smallest effect of interest, as a ratio.")] = 1.1,
    hourly_cost: Annotated[
        float | None,
        typer.Option("--hourly-cost", min=0.0, help="Cost of an hour of work: prints a break-even."),
    ] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the result (per outcome: ratio, CI, verdict) here.")
    ] = None,
    file_roles: Annotated[
        str | None, typer.Option("--roles", help="File roles to include [default: product].")
    ] = None,
    include: Annotated[
        list[str] | None,
        typer.Option("--include", help="Path glob (repeatable) counted as product code (see File roles)."),
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option("--exclude", help="Path glob (repeatable) left out of every role (see File roles)."),
    ] = None,
) -> None:
    """Did quality investments pay back? Staggered difference-in-differences against matched files."""
    from qroi.analysis.payback import DesignOptions, payback_test
    from qroi.cli.commands import open_store

    if pre < 2:
        raise QroiError("--pre must be at least 2 (one window is the reference, one checks the trend)")
    engine = open_store(db)
    result = payback_test(
        engine,
        repo,
        window=window,
        opts=DesignOptions(pre=pre, post=post, controls=controls, sesoi=sesoi),
        min_gain=min_gain,
        kept=roles.parse_selection(file_roles),
        hourly_cost=hourly_cost,
        globs=roles.command_globs(include, exclude),
    )
    table = Table(title=f"{repo}: did quality work pay back? (invested vs matched files, after vs before)")
    for column in ("outcome", "ratio", "95% CI", "verdict", "pre-trend p", "naive before/after", "files"):
        table.add_column(column)
    for o in result.outcomes:
        table.add_row(
            o.label,
            _fmt(o.ratio),
            f"{_fmt(o.ci_low)}-{_fmt(o.ci_high)}" if o.ratio is not None else "-",
            o.verdict + (f" ({o.reason})" if o.reason else ""),
            _fmt(o.pretrend_p, 3),
            _fmt(o.naive_ratio),
            f"{o.n_invested} invested, {o.n_controls} controls",
        )
    console.out.print(table)
    sentence = result.sentence()
    console.out.print(sentence[0].upper() + sentence[1:] + ".", markup=False)
    even = result.break_even()
    if even is not None:
        spent = (
            f"Break-even at {hourly_cost:,.2f}/hour: the investments cost {even['cost']:,.0f} "
            f"({result.cost['author_days']} author-days x 8 h)"
        )
        avoided = (
            f"; an estimated {even['avoided_fixes']:.1f} bug fixes were avoided"
            f" [{even['avoided_fixes_ci'][0]:.1f} to {even['avoided_fixes_ci'][1]:.1f}], so "
        )
        console.out.print(
            spent + (avoided if even["paid_back"] else ", but ") + even["statement"], markup=False
        )
    for caveat in result.caveats:
        console.out.print(f"caveat: {caveat}", markup=False)
    if json_out:
        json_out.write_text(result.to_json())
    verdicts = ", ".join(f"{o.outcome} {o.verdict}" for o in result.outcomes)
    console.summary(
        f"payback of {repo}: {result.cost['commits']} investments in {result.cohorts} cohorts; {verdicts}"
    )
