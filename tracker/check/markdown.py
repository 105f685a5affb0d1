"""A check as a short pull-request comment: the verdict, a table of findings, the store's context."""

from __future__ import annotations

from qroi.check.compare import CheckReport
from qroi.check.findings import FAIL_ON

MAX_ROWS = 50
"""A comment lists at most this many findings (the SARIF file has them all)."""
LABEL = {"new": "new", "worse": "worse", "info": "note"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _rev(name: str, sha: str) -> str:
    return f"`{name}`" if sha in (name, "WORKTREE") else f"`{name}` ({sha[:12]})"


def markdown(report: CheckReport, fail_on: str) -> str:
    """The comment text (GitHub-flavoured Markdown)."""
    failed = report.failed(fail_on)
    gate = "fails" if failed else "passes"
    rule = f"--fail-on {fail_on}" if FAIL_ON[fail_on] else "--fail-on never"
    lines = [
        f"### qroi check {gate} ({rule})",
        "",
        f"{_rev(report.base, report.base_sha)} .. {_rev(report.head, report.head_sha)}:"
        f" {len(report.files)} of {report.changed_paths} changed paths are Python files;"
        f" {report.count('new')} new findings, {report.count('worse')} made worse"
        f" (functions at rank {report.options.rank} or worse, MI drops over {report.options.mi_drop:g} points).",
        "",
    ]
    if report.findings:
        lines += ["| | rule | where | finding |", "|---|---|---|---|"]
        for f in report.findings[:MAX_ROWS]:
            lines.append(
                f"| {LABEL[f.level]} | {f.rule} {f.rule_name} | `{_cell(f.path)}:{f.line}` | {_cell(f.message)} |"
            )
        if len(report.findings) > MAX_ROWS:
            lines.append(f"\n{len(report.findings) - MAX_ROWS} more findings in the SARIF file.")
        lines.append("")
    for delta in report.files:
        if delta.error:
            lines.append(f"- `{_cell(delta.path)}` could not be scored: {_cell(delta.error)}")
    if report.context is not None:
        lines += ["", f"Store: `{report.context.repo}`. {_cell(report.context.claim)}"]
    return "\n".join(lines).rstrip() + "\n"
