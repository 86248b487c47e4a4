"""Schema of payroll: payment batches and their lines (coffer.automations.payroll.tables).

Revision ID: 0030_payroll
Revises: 0029_spare
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from coffer.db.types import Amount

revision = "0030_payroll"
down_revision = "0029_spare"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "payment_batches",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("platform_id", sa.String(40), nullable=False),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("source_wallet_id", sa.String(40), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("funding_policy", sa.String(8), nullable=False),
        sa.Column("required_approvals", sa.Integer(), nullable=False),
        sa.Column("approval_id", sa.String(40), nullable=True),
        sa.Column("approval_expires_at", sa.BigInteger(), nullable=True),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("execute_on", sa.String(10), nullable=True),
        sa.Column("business_days", sa.Text(), nullable=True),
        sa.Column("execute_at", sa.BigInteger(), nullable=False),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.Column("total_amount", Amount(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("payout_batch_id", sa.String(40), nullable=True),
        sa.Column("next_check_at", sa.BigInteger(), nullable=True),
        sa.Column("lease_owner", sa.String(40), nullable=True),
        sa.Column("lease_until", sa.BigInteger(), nullable=True),
        sa.Column("completed_at", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_payment_batches_due", "payment_batches", ["status", "next_check_at"])
    op.create_index("ix_payment_batches_platform", "payment_batches", ["platform_id", "id"])
    op.create_table(
        "payment_batch_lines",
        sa.Column("batch_id", sa.String(40), primary_key=True),
        sa.Column("line_number", sa.Integer(), primary_key=True),
        sa.Column("platform_id", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("wallet_id", sa.String(40), nullable=True),
        sa.Column("iban", sa.String(34), nullable=True),
        sa.Column("bic", sa.String(11), nullable=True),
        sa.Column("name", sa.String(140), nullable=True),
        sa.Column("amount", Amount(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("reference", sa.String(140), nullable=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("transfer_id", sa.String(40), nullable=True),
        sa.Column("payout_id", sa.String(40), nullable=True),
        sa.Column("failure_code", sa.String(64), nullable=True),
        sa.Column("failure_message", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
    )
    op.create_index(
        "ix_payment_batch_lines_status",
        "payment_batch_lines",
        ["batch_id", "status", "line_number"],
    )


def downgrade() -> None:
    op.drop_index("ix_payment_batch_lines_status", table_name="payment_batch_lines")
    op.drop_table("payment_batch_lines")
    op.drop_index("ix_payment_batches_platform", table_name="payment_batches")
    op.drop_index("ix_payment_batches_due", table_name="payment_batches")
    op.drop_table("payment_batches")
