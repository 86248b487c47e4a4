"""Engine creation for SQLite and PostgreSQL, and migrations (Alembic) run on open."""

from coffer.db.engine import Backend, create_engine, normalize_url, raw_connect
from coffer.db.migrate import upgrade

__all__ = ["Backend", "create_engine", "normalize_url", "raw_connect", "upgrade"]
