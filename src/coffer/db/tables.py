"""Tables of the database itself (not of a domain): its identity."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

# One row (id 1): a random id made once with the database (migration 0041). It travels
# with the data (backups, restores, moves to another host), unlike a host name, a file
# path or PostgreSQL's cluster identifier; the directory witness files checkpoints under it.
database_identity = sa.Table(
    "database_identity",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),  # always 1
    sa.Column("database_id", sa.String(32), nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
)
