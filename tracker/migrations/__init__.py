"""Alembic migrations of the store's schema; `tracker.migrate` runs them."""
