"""The steps after scoring: delivery signals and the AI-era lens, overlapped on two cores.

Why: both used to run one after the other on one core once scoring was done (on an 18k-commit
history, 663 s and 352 s). The AI step's costly part, its walk over the history (line
operations, churn, tree shares), reads nothing the delivery step writes *provided the stored
history is final*: the delivery step may re-resolve identities (a changed `.mailmap`) or re-label
bug fixes (a changed rule) before it computes anything, and the walk reads authors. So the walk
runs in a forked process beside the delivery step when neither can happen (a history mined whole
by this run, or settings unchanged since the last run), and waits otherwise. The AI step's
remaining part (declarations, which read identities; the release points, which the delivery step
stores; the one write) runs after the delivery step, in this process, so the store ends up
exactly as after a sequential run. The walk's process only reads the store; it dies with this
one (PR_SET_PDEATHSIG, and it is a daemon), and ignores Ctrl-C, which this process handles.
"""

from __future__ import annotations

import multiprocessing
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from qroi.ai import ai_step
from qroi.core.errors import QroiError
from qroi.core.parallel import default_workers
from qroi.delivery import delivery_step
from qroi.git import mailmap
from qroi.git.repository import GitRepo
from qroi.labels import kinds, messages
from qroi.scoring.pool import die_with_parent


def history_is_final(
    git: GitRepo,
    head: str,
    options: delivery_step.DeliveryOptions,
    remembered: dict[str, Any],
    mined_whole: bool,
) -> bool:
    """Whether the delivery step will leave the stored commits as they are.

    It re-resolves identities when the `.mailmap` key differs from the remembered one and
    re-labels fixes when the bug-fix pattern or rule does (`delivery_step.refresh`); on a history
    this run mined whole, both give what mining stored (same `.mailmap` blob, same rule)."""
    if mined_whole:
        return True
    if not remembered:
        return False
    enabled = delivery_step.mailmap_enabled(options.mailmap, remembered)
    pattern = delivery_step.bugfix_pattern(options, remembered)
    return (
        remembered.get("mailmap") == mailmap.key(git.git_dir, head, enabled)
        and remembered.get("bugfix_pattern", messages.DEFAULT_BUGFIX_PATTERN) == pattern
        and remembered.get("bugfix_rule") == kinds.VERSION
    )


def _walk_in_child(
    send: Connection, engine: Engine, git_dir: str, repo_id: int, head: str, options: ai_step.AiOptions
) -> None:
    die_with_parent()
    engine.dispose(close=False)  # the parent's pooled connections stay the parent's
    try:
        with GitRepo(Path(git_dir)) as git:
            send.send((True, ai_step.walk(engine, git, repo_id, head, options)))
    except BaseException as exc:  # reported to the parent, which raises it
        send.send((False, exc))
    finally:
        send.close()


def run(
    engine: Engine,
    git: GitRepo,
    repo_id: int,
    head: str,
    delivery_options: delivery_step.DeliveryOptions,
    ai_options: ai_step.AiOptions,
    workers: int | None,
    overlap: bool,
) -> tuple[delivery_step.DeliveryReport, ai_step.AiReport, bool]:
    """Both steps, and whether they overlapped: with `overlap` (see `history_is_final`) and more
    than one worker allowed, the AI walk runs beside the delivery step."""
    if not overlap or (workers or default_workers()) < 2:
        delivery = delivery_step.refresh(engine, git, repo_id, head, delivery_options, workers)
        return delivery, ai_step.refresh(engine, git, repo_id, head, ai_options, delivery.history), False
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(
        target=_walk_in_child, args=(send, engine, git.git_dir, repo_id, head, ai_options), daemon=True
    )
    child.start()
    send.close()
    try:
        delivery = delivery_step.refresh(engine, git, repo_id, head, delivery_options, workers)
        try:
            ok, walked = receive.recv()
        except EOFError:
            raise QroiError("the AI-era step's process ended without a result") from None
        if not ok:
            raise walked
        child.join()
    finally:
        receive.close()
        if child.is_alive():
            child.kill()
            child.join()
    return delivery, ai_step.finish(engine, git, repo_id, head, ai_options, walked, delivery.history), True
