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

from coffer.db.types import Amount

DEFAULT = "plat_default"

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
        batch.add_column(sa.Column("updated_at", sa.BigInteger, nullable=True))
    _pricing_table("fx_pricing_by_platform", with_platform=True)
    op.execute(
        "INSERT INTO fx_pricing_by_platform (platform_id, pair, tier, spread_bps, fee_bps,"
        f" fee_fixed, updated_at) SELECT '{DEFAULT}', pair, tier, spread_bps, fee_bps,"
        " fee_fixed, updated_at FROM fx_pricing"
    )
    op.drop_table("fx_pricing")
    op.rename_table("fx_pricing_by_platform", "fx_pricing")


def _pricing_table(name: str, *, with_platform: bool) -> None:
    columns: list[sa.Column[Any] | sa.PrimaryKeyConstraint] = [
        sa.Column("pair", sa.String(7), nullable=False),
        sa.Column("tier", sa.String(40), nullable=False),
        sa.Column("spread_bps", sa.Integer, nullable=False),
        sa.Column("fee_bps", sa.Integer, nullable=False),
        sa.Column("fee_fixed", Amount, nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
    ]
    if with_platform:
        columns.insert(
            0, sa.Column("platform_id", sa.String(40), nullable=False, server_default=DEFAULT)
        )
        columns.append(sa.PrimaryKeyConstraint("platform_id", "pair", "tier", name="pk_fx_pricing"))
    else:
        columns.append(sa.PrimaryKeyConstraint("pair", "tier"))
    op.create_table(name, *columns)


def downgrade() -> None:
    _pricing_table("fx_pricing_single", with_platform=False)
    op.execute(
        "INSERT INTO fx_pricing_single (pair, tier, spread_bps, fee_bps, fee_fixed, updated_at)"
        " SELECT pair, tier, spread_bps, fee_bps, fee_fixed, updated_at FROM fx_pricing"
        f" WHERE platform_id = '{DEFAULT}'"
    )
    op.drop_table("fx_pricing")
    op.rename_table("fx_pricing_single", "fx_pricing")
    with op.batch_alter_table("assistant_rules") as batch:
        batch.drop_column("updated_at")
        batch.drop_column("position")
        batch.drop_column("match_all")
        batch.drop_column("name")
