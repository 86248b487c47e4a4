"""Schema of loyalty redemptions: the Idempotency-Key is unique per platform (one platform's
key never collides with another's).

Revision ID: 0036_loyalty_keys
Revises: 0035_web_domains
"""

from __future__ import annotations

from alembic import op

revision = "0036_loyalty_keys"
down_revision = "0035_web_domains"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":  # unnamed there: named by reflection
        with op.batch_alter_table(
            "loyalty_movements",
            recreate="always",
            naming_convention={"uq": "uq_%(table_name)s_%(column_0_name)s"},
        ) as batch:
            batch.drop_constraint("uq_loyalty_movements_idempotency_key", type_="unique")
    else:
        op.drop_constraint(
            "loyalty_movements_idempotency_key_key", "loyalty_movements", type_="unique"
        )
    op.create_index(
        "ux_loyalty_movements_idempotency_key",
        "loyalty_movements",
        ["platform_id", "idempotency_key"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("ux_loyalty_movements_idempotency_key", table_name="loyalty_movements")
    with op.batch_alter_table("loyalty_movements") as batch:
        batch.create_unique_constraint("loyalty_movements_idempotency_key_key", ["idempotency_key"])
