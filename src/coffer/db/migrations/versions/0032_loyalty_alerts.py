"""Loyalty: which movements earn (``earn_on``), clawbacks of refunded payments (their
source and the points forgiven); assistant alerts keep their kind and body so the wallet
app can list them.

Revision ID: 0032_loyalty_alerts
Revises: 0031_policies
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from coffer.db.migrations import shapes

revision = "0032_loyalty_alerts"
down_revision = "0031_policies"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("loyalty_programs", sa.Column("earn_on", sa.Text(), nullable=True))
    op.add_column("loyalty_movements", shapes.ref_column("source_id", nullable=True))
    op.add_column("loyalty_movements", sa.Column("forgiven", sa.BigInteger(), nullable=True))
    op.create_index("ix_loyalty_movements_source", "loyalty_movements", ["source_id"])
    op.add_column("assistant_alerts_sent", sa.Column("kind", sa.String(32), nullable=True))
    op.add_column("assistant_alerts_sent", sa.Column("body", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("assistant_alerts_sent") as batch:
        batch.drop_column("body")
        batch.drop_column("kind")
    op.drop_index("ix_loyalty_movements_source", table_name="loyalty_movements")
    with op.batch_alter_table("loyalty_movements") as batch:
        batch.drop_column("forgiven")
        batch.drop_column("source_id")
    with op.batch_alter_table("loyalty_programs") as batch:
        batch.drop_column("earn_on")
