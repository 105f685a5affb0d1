"""Reading statements into frames, the way the exploring views do (pandas' own reader).

Every statement is parameterized and filters on indexed columns: commits by (repo_id,
committed_ts), changes by (repo_id, path) or commit_id, functions by blob, so a 20,000-commit
store answers in milliseconds per page. Time filters are `qroi.core.calendar.Period`s of
committed time: the index on committed time serves them, and committed time (not authored
time) is when a change actually landed on a branch.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine, inspect
from sqlalchemy.sql import Select


def frame(engine: Engine, stmt: Select) -> pd.DataFrame:
    """A statement's rows as a DataFrame (pandas' reader: NULL integers come back as floats)."""
    with engine.connect() as conn:
        return pd.read_sql(stmt, conn)


def bools(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """SQLite hands booleans back as 0/1 through pandas; make them real booleans."""
    for col in columns:
        if col in frame:
            frame[col] = frame[col].fillna(False).astype(bool)
    return frame


def has_table(engine: Engine, name: str) -> bool:
    """Whether the store has a table: a store written before delivery signals existed lacks theirs."""
    return inspect(engine).has_table(name)
