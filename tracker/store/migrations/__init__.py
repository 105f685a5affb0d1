"""Alembic migrations of the store's schema; `qroi.store.migrate` runs them."""
