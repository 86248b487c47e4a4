"""The database's identity: one row (``database_identity``) holding a random id made once,
when this revision runs, and kept by every backup and restore of the database. The
directory witness keeps each database's checkpoints under that id, so two databases with
ledgers of the same name never share a witness file.

Revision ID: 0039_database_identity
Revises: 0038_policy_counters
"""

from __future__ import annotations

import time
import uuid

import sqlalchemy as sa
from alembic import op

revision = "0039_database_identity"
down_revision = "0038_policy_counters"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "database_identity",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("database_id", sa.String(32), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
    )
    op.bulk_insert(
        table,
        [{"id": 1, "database_id": uuid.uuid4().hex, "created_at": int(time.time() * 1_000_000)}],
    )


def downgrade() -> None:
    op.drop_table("database_identity")
