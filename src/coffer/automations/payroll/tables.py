"""Tables of payment batches (payroll and supplier payments; migration 0030_payroll).

Times are microseconds since the epoch (BigInteger); JSON documents are TEXT.
"""

from __future__ import annotations

import sqlalchemy as sa

from coffer.automations.tables import owned_row
from coffer.db.types import Amount

metadata = sa.MetaData()

payment_batches = sa.Table(
    "payment_batches",
    metadata,
    *owned_row(),
    sa.Column("name", sa.String(200), nullable=True),
    # pending_approval | scheduled | waiting_funds | executing | completed | rejected |
    # cancelled | expired
    sa.Column("status", sa.String(24), nullable=False),
    sa.Column("source_wallet_id", sa.String(40), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("funding_policy", sa.String(8), nullable=False),  # wait | partial
    sa.Column("required_approvals", sa.Integer, nullable=False),
    sa.Column("approval_id", sa.String(40), nullable=True),
    sa.Column("approval_expires_at", sa.BigInteger, nullable=True),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("execute_on", sa.String(10), nullable=True),  # the requested day
    sa.Column("business_days", sa.Text, nullable=True),  # JSON: country, convention
    sa.Column("execute_at", sa.BigInteger, nullable=False),  # the adjusted day, 00:00 UTC
    sa.Column("line_count", sa.Integer, nullable=False),
    sa.Column("total_amount", Amount, nullable=False),
    sa.Column("summary", sa.Text, nullable=True),  # JSON: counts and totals per status
    sa.Column("payout_batch_id", sa.String(40), nullable=True),
    sa.Column("next_check_at", sa.BigInteger, nullable=True),  # when a worker looks at it
    sa.Column("lease_owner", sa.String(40), nullable=True),
    sa.Column("lease_until", sa.BigInteger, nullable=True),
    sa.Column("completed_at", sa.BigInteger, nullable=True),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("updated_at", sa.BigInteger, nullable=False),
    sa.Index("ix_payment_batches_due", "status", "next_check_at"),
    sa.Index("ix_payment_batches_platform", "platform_id", "id"),
)

payment_batch_lines = sa.Table(
    "payment_batch_lines",
    metadata,
    sa.Column("batch_id", sa.String(40), primary_key=True),
    sa.Column("line_number", sa.Integer, primary_key=True),  # from 1, in the file's order
    sa.Column("platform_id", sa.String(40), nullable=False),
    sa.Column("kind", sa.String(8), nullable=False),  # wallet | bank
    sa.Column("wallet_id", sa.String(40), nullable=True),
    sa.Column("iban", sa.String(34), nullable=True),
    sa.Column("bic", sa.String(11), nullable=True),
    sa.Column("name", sa.String(140), nullable=True),
    sa.Column("amount", Amount, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("reference", sa.String(140), nullable=True),
    # pending | paid | submitted | failed_insufficient_funds | failed | cancelled
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("transfer_id", sa.String(40), nullable=True),
    sa.Column("payout_id", sa.String(40), nullable=True),
    sa.Column("failure_code", sa.String(64), nullable=True),
    sa.Column("failure_message", sa.Text, nullable=True),
    # refusals for want of funds so far (waiting batches): the idempotency key's attempt
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("updated_at", sa.BigInteger, nullable=False),
    sa.Index("ix_payment_batch_lines_status", "batch_id", "status", "line_number"),
)
