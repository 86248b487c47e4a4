"""Schema of payroll: payment batches and their lines (coffer.automations.payroll.tables).

Revision ID: 0030_payroll
Revises: 0029_spare
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from coffer.db.migrations import shapes

revision = "0030_payroll"
down_revision = "0029_spare"
branch_labels = None
depends_on = None


def upgrade() -> None:
    shapes.create_listed_table(
        "payment_batches",
        sa.Column("name", sa.String(200), nullable=True),
        shapes.status_column(24),
        shapes.ref_column("source_wallet_id"),
        shapes.currency_column(),
        sa.Column("funding_policy", sa.String(8), nullable=False),
        sa.Column("required_approvals", sa.Integer(), nullable=False),
        shapes.ref_column("approval_id", nullable=True),
        shapes.time_column("approval_expires_at", nullable=True),
        shapes.actor_column("created_by"),
        sa.Column("execute_on", sa.String(10), nullable=True),
        sa.Column("business_days", sa.Text(), nullable=True),
        shapes.time_column("execute_at"),
        sa.Column("line_count", sa.Integer(), nullable=False),
        shapes.amount_column("total_amount"),
        sa.Column("summary", sa.Text(), nullable=True),
        shapes.ref_column("payout_batch_id", nullable=True),
        shapes.time_column("next_check_at", nullable=True),
        *shapes.lease_columns(),
        shapes.time_column("completed_at", nullable=True),
    )
    op.create_index("ix_payment_batches_due", "payment_batches", ["status", "next_check_at"])
    op.create_table(
        "payment_batch_lines",
        shapes.ref_column("batch_id", primary_key=True),
        sa.Column("line_number", sa.Integer(), primary_key=True),
        shapes.platform_column(),
        sa.Column("kind", sa.String(8), nullable=False),
        shapes.ref_column("wallet_id", nullable=True),
        sa.Column("iban", sa.String(34), nullable=True),
        sa.Column("bic", sa.String(11), nullable=True),
        sa.Column("name", sa.String(140), nullable=True),
        shapes.amount_column(),
        shapes.currency_column(),
        sa.Column("reference", sa.String(140), nullable=True),
        shapes.status_column(32),
        shapes.ref_column("transfer_id", nullable=True),
        shapes.ref_column("payout_id", nullable=True),
        shapes.failure_code_column(),
        sa.Column("failure_message", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        shapes.time_column("updated_at"),
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
