"""Alembic environment: migrations run on the connection `qroi.store.migrate` hands over.

qroi never reads alembic.ini: the store URL comes from `--db`/`QROI_DB`, so the connection is
passed in `config.attributes["connection"]`. SQLite needs batch mode for ALTER TABLE.
"""

from alembic import context
from sqlmodel import SQLModel

import qroi.store.models  # noqa: F401  (registers the tables on SQLModel.metadata)

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
