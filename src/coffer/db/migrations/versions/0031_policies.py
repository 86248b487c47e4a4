"""Schema of spending policies: policies and their versions, usage per calendar window,
decisions (coffer.automations.policies.tables).

Revision ID: 0031_policies
Revises: 0030_payroll
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from coffer.db.migrations import shapes

revision = "0031_policies"
down_revision = "0030_payroll"
branch_labels = None
depends_on = None


def _window_key() -> list[sa.Column[str]]:
    """The calendar window of a usage row: its kind (day, week, month) and first day."""
    return [
        sa.Column("window", sa.String(8), primary_key=True),
        sa.Column("window_start", sa.String(10), primary_key=True),
    ]


def _used() -> list[sa.Column[int]]:
    """What the movements of a window used: their amount (minor units) and count."""
    return [
        sa.Column("amount_used", sa.BigInteger(), nullable=False),
        sa.Column("count_used", sa.Integer(), nullable=False),
    ]


def upgrade() -> None:
    shapes.create_listed_table(
        "spending_policies",
        shapes.ref_column("owner_customer_id", nullable=True),
        shapes.ref_column("wallet_id", nullable=True),
        shapes.ref_column("customer_id", nullable=True),
        sa.Column("name", sa.String(200), nullable=False),
        shapes.status_column(),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("rules", sa.Text(), nullable=False),
    )
    op.create_index("ix_spending_policies_wallet", "spending_policies", ["wallet_id", "status"])
    op.create_index("ix_spending_policies_customer", "spending_policies", ["customer_id", "status"])
    shapes.create_versions_table(
        "spending_policy_versions",
        "policy_id",
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("rules", sa.Text(), nullable=False),
    )
    op.create_table(
        "spending_policy_usage",
        shapes.ref_column("policy_id", primary_key=True),
        *_window_key(),
        shapes.platform_column(),
        *_used(),
        shapes.time_column("updated_at"),
    )
    op.create_table(
        "spending_policy_decisions",
        *shapes.id_and_platform(),
        shapes.ref_column("policy_id"),
        sa.Column("policy_version", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("rule", sa.String(40), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("movement_kind", sa.String(16), nullable=False),
        shapes.ref_column("movement_id"),
        shapes.ref_column("wallet_id"),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        shapes.currency_column(),
        shapes.time_column("created_at"),
    )
    op.create_index(
        "ix_spending_policy_decisions_policy", "spending_policy_decisions", ["policy_id", "id"]
    )


def downgrade() -> None:
    for name in (
        "spending_policy_decisions",
        "spending_policy_usage",
        "spending_policy_versions",
        "spending_policies",
    ):
        op.drop_table(name)
