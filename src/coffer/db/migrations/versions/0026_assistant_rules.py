"""Schema of assistant_rules: a rule's name, its match mode (all or any condition), its
position within its stage and when it last changed.

Revision ID: 0026_assistant_rules
Revises: 0025_policies
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

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


def downgrade() -> None:
    with op.batch_alter_table("assistant_rules") as batch:
        batch.drop_column("updated_at")
        batch.drop_column("position")
        batch.drop_column("match_all")
        batch.drop_column("name")
