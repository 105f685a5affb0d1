"""What a repository's AI-era tables were last computed with, read without pandas.

The ingest (`qroi.ai.ai_step`) needs these settings to know what to recompute, and the read side
(`qroi.read.ai_frames`) to know the churn window; keeping them here keeps the ingest's imports
light (no pandas: it costs a third of `qroi`'s start-up).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Engine, inspect, select

from qroi.store import models

DEFAULT_CHURN_DAYS = 14.0
"""Days after a line is written within which changing or deleting it counts as churn (GitClear's two weeks)."""


def has_tables(engine: Engine) -> bool:
    """Whether the store has the AI-era tables (a store of an older qroi gains them on its next ingest)."""
    return inspect(engine).has_table(models.CommitLineOps.__tablename__)


def stored_settings(engine: Engine, rid: int) -> dict[str, Any]:
    """The settings the repository's AI-era tables were last computed with ({} before the first time)."""
    if not has_tables(engine):
        return {}
    with engine.connect() as conn:
        text = conn.execute(select(models.AiState.settings).where(models.AiState.repo_id == rid)).scalar()
    return json.loads(text) if text else {}
