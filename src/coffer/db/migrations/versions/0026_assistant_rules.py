"""Schema of assistant_rules: a rule's name, its match mode (all or any condition), its
position within its stage and when it last changed. FX pricing per platform: fx_pricing
gets platform_id (existing rows are the default platform's) and the primary key
(platform_id, pair, tier).

Revision ID: 0026_assistant_rules
Revises: 0025_policies
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from coffer.db.migrations import shapes

revision = "0026_assistant_rules"
down_revision = "0025_policies"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("assistant_rules") as batch:
        batch.add_column(sa.Column("name", sa.String(200), nullable=False, server_default=""))
        batch.add_column(
            sa.Column("match_all", sa.Boolean, nullable=False, server_default=sa.true())
        )
        batch.add_column(sa.Column("position", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(shapes.time_column("updated_at", nullable=True))
    shapes.rekey_by_platform(
        "fx_pricing", _pricing_columns(), ["pair", "tier"], key_name="pk_fx_pricing"
    )


def _pricing_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("pair", sa.String(7), nullable=False),
        sa.Column("tier", sa.String(40), nullable=False),
        sa.Column("spread_bps", sa.Integer, nullable=False),
        sa.Column("fee_bps", sa.Integer, nullable=False),
        shapes.amount_column("fee_fixed"),
        shapes.time_column("updated_at"),
    ]


def downgrade() -> None:
    shapes.rekey_single("fx_pricing", _pricing_columns(), ["pair", "tier"])
    with op.batch_alter_table("assistant_rules") as batch:
        batch.drop_column("updated_at")
        batch.drop_column("position")
        batch.drop_column("match_all")
        batch.drop_column("name")
