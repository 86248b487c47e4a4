"""Schema of spending policies: policies and their versions, usage per calendar window,
decisions (coffer.automations.policies.tables).

Revision ID: 0031_policies
Revises: 0030_payroll
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0031_policies"
down_revision = "0030_payroll"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "spending_policies",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("platform_id", sa.String(40), nullable=False),
        sa.Column("owner_customer_id", sa.String(40), nullable=True),
        sa.Column("wallet_id", sa.String(40), nullable=True),
        sa.Column("customer_id", sa.String(40), nullable=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("rules", sa.Text(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_spending_policies_wallet", "spending_policies", ["wallet_id", "status"])
    op.create_index("ix_spending_policies_customer", "spending_policies", ["customer_id", "status"])
    op.create_index("ix_spending_policies_platform", "spending_policies", ["platform_id", "id"])
    op.create_table(
        "spending_policy_versions",
        sa.Column("policy_id", sa.String(40), primary_key=True),
        sa.Column("version", sa.Integer(), primary_key=True),
        sa.Column("platform_id", sa.String(40), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("rules", sa.Text(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "spending_policy_usage",
        sa.Column("policy_id", sa.String(40), primary_key=True),
        sa.Column("window", sa.String(8), primary_key=True),
        sa.Column("window_start", sa.String(10), primary_key=True),
        sa.Column("platform_id", sa.String(40), nullable=False),
        sa.Column("amount_used", sa.BigInteger(), nullable=False),
        sa.Column("count_used", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "spending_policy_decisions",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("platform_id", sa.String(40), nullable=False),
        sa.Column("policy_id", sa.String(40), nullable=False),
        sa.Column("policy_version", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("rule", sa.String(40), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("movement_kind", sa.String(16), nullable=False),
        sa.Column("movement_id", sa.String(40), nullable=False),
        sa.Column("wallet_id", sa.String(40), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
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
