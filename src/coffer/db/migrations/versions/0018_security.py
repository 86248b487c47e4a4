"""Security: client secret versions (token revocation) and the hash-chained audit log.

Revision ID: 0018_security
Revises: 0017_ledger_shape
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from coffer.db.migrations import shapes

revision = "0018_security"
down_revision = "0017_ledger_shape"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_clients") as batch:
        batch.add_column(
            sa.Column("secret_version", sa.Integer, nullable=False, server_default="1")
        )
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        shapes.time_column("created_at"),
        shapes.actor_column("actor"),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(200), nullable=True),
        sa.Column("address", sa.String(64), nullable=True),
        sa.Column("details", sa.Text, nullable=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
    )
    op.create_index("ix_audit_log_action", "audit_log", ["action", "seq"])
    op.create_index("ix_audit_log_actor", "audit_log", ["actor", "seq"])
    op.create_index("ix_audit_log_created_at", "audit_log", ["created_at"])
    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("next_seq", sa.BigInteger, nullable=False),
        sa.Column("head_hash", sa.LargeBinary(32), nullable=False),
    )
    op.bulk_insert(head, [{"id": 1, "next_seq": 1, "head_hash": bytes(32)}])


def downgrade() -> None:
    op.drop_table("audit_head")
    op.drop_index("ix_audit_log_created_at", "audit_log")
    op.drop_index("ix_audit_log_actor", "audit_log")
    op.drop_index("ix_audit_log_action", "audit_log")
    op.drop_table("audit_log")
    with op.batch_alter_table("api_clients") as batch:
        batch.drop_column("secret_version")
