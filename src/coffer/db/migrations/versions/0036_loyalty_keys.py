"""Schema of loyalty redemptions: the Idempotency-Key is unique per platform (one platform's
key never collides with another's).

Revision ID: 0036_loyalty_keys
Revises: 0035_web_domains
"""

from __future__ import annotations

from alembic import op

from coffer.db.migrations import shapes

revision = "0036_loyalty_keys"
down_revision = "0035_web_domains"
branch_labels = None
depends_on = None


def upgrade() -> None:
    shapes.unique_per_platform("loyalty_movements", "idempotency_key")


def downgrade() -> None:
    op.drop_index("ux_loyalty_movements_idempotency_key", table_name="loyalty_movements")
    with op.batch_alter_table("loyalty_movements") as batch:
        batch.create_unique_constraint("loyalty_movements_idempotency_key_key", ["idempotency_key"])
