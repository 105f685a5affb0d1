"""Score a Jupyter notebook as Radon does: its code cells joined into one Python source.

Radon's harvester (`radon cc|raw|mi|hal --include-ipynb`) reads a notebook with nbformat, keeps the
code cells' sources, joins them with a newline, drops every line that starts with `%` (IPython
magics) and scores the result as one file; line numbers are lines of that joined source. This
does the same with the standard library's JSON reader (nbformat's v4 reader only parses the JSON
and joins a cell's list of lines), then hands the text to the one scorer, so a notebook's numbers
are Radon's. A file that is not a v4-style notebook (bad JSON, no `cells`) is flagged with the
kind `notebook`, never fatal; a notebook whose joined code is not Python (a `!shell` line) fails
as any source does (`syntax`), as it does in Radon.
"""

from __future__ import annotations

import json

from qroi.core.files import is_notebook_path
from qroi.scoring.scorer import DEFAULT_BUDGET_SECONDS, DEFAULT_MAX_BYTES, BlobScore, score_blob

__all__ = ["NotebookError", "code_of", "is_notebook_path", "score_notebook", "score_source"]


class NotebookError(ValueError):
    """The bytes are not a notebook Radon could read."""


def _text(source: object) -> str:
    if isinstance(source, str):
        return source
    if isinstance(source, list) and all(isinstance(s, str) for s in source):
        return "".join(source)
    raise NotebookError("a code cell's source is neither text nor a list of lines")


def code_of(data: bytes) -> str:
    """The Python source Radon scores for a notebook: code cells joined, magic lines dropped."""
    try:
        notebook = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise NotebookError(f"not notebook JSON: {exc}") from exc
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list):
        raise NotebookError("no list of cells (not an nbformat 4 notebook)")
    code = [_text(c.get("source", "")) for c in cells if isinstance(c, dict) and c.get("cell_type") == "code"]
    joined = "\n".join(code)
    return "\n".join(line for line in joined.split("\n") if not line.startswith("%"))


def score_notebook(
    blob: str,
    data: bytes,
    budget: float | None = DEFAULT_BUDGET_SECONDS,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> BlobScore:
    """A notebook's scores (its joined code cells), or the kind `notebook` when it is malformed."""
    if len(data) > max_bytes:
        return score_blob(blob, data, budget, max_bytes)  # the scorer's own too_large verdict
    try:
        code = code_of(data)
    except NotebookError as exc:
        return BlobScore(blob=blob, size_bytes=len(data), error_kind="notebook", error=str(exc)[:300])
    result = score_blob(blob, code.encode("utf-8"), budget, max_bytes)
    result.size_bytes = len(data)
    return result


def score_source(
    blob: str,
    data: bytes,
    notebook: bool,
    budget: float | None = DEFAULT_BUDGET_SECONDS,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> BlobScore:
    """A blob's scores as a notebook or as Python source: its bytes alone do not say which it is."""
    return (score_notebook if notebook else score_blob)(blob, data, budget, max_bytes)
