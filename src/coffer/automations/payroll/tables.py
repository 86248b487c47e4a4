"""Tables of payment batches (payroll and supplier payments; migrations 0030_payroll and
0037_payroll_payees).

Times are microseconds since the epoch (BigInteger); JSON documents are TEXT. A line's
personal data (a bank payee's IBAN, BIC and name, any payee's reference) is one sealed
value, ``payee_enc`` (see :mod:`coffer.automations.payroll.payees`), registered below so
``coffer keys rotate`` re-seals it.
"""

from __future__ import annotations

import sqlalchemy as sa

from coffer.automations.tables import listed_table
from coffer.db import columns as col
from coffer.platforms.sealed import SealedColumn, WalletData, register, register_wallet_data

metadata = sa.MetaData()

payment_batches = listed_table(
    "payment_batches",
    metadata,
    sa.Column("name", sa.String(200), nullable=True),
    # pending_approval | scheduled | waiting_funds | executing | completed | rejected |
    # cancelled | expired
    col.status_column(24),
    col.ref_column("source_wallet_id"),
    col.currency_column(),
    col.code_column("funding_policy", 8),  # wait | partial
    sa.Column("required_approvals", sa.Integer, nullable=False),
    col.ref_column("approval_id", nullable=True),
    col.time_column("approval_expires_at", nullable=True),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("execute_on", sa.String(10), nullable=True),  # the requested day
    col.text_column("business_days", nullable=True),  # JSON: country, convention
    col.time_column("execute_at"),  # the adjusted day, 00:00 UTC
    sa.Column("line_count", sa.Integer, nullable=False),
    col.amount_column("total_amount"),
    col.text_column("summary", nullable=True),  # JSON: counts and totals per status
    col.ref_column("payout_batch_id", nullable=True),
    col.time_column("next_check_at", nullable=True),  # when a worker looks at it
    *col.lease_columns(),
    col.time_column("completed_at", nullable=True),
    sa.Index("ix_payment_batches_due", "status", "next_check_at"),
)

payment_batch_lines = sa.Table(
    "payment_batch_lines",
    metadata,
    col.ref_column("batch_id", primary_key=True),
    sa.Column("line_number", sa.Integer, primary_key=True),  # from 1, in the file's order
    # "<batch id>:<line number>": the one column naming a line (the key rotation's)
    sa.Column("id", sa.String(60), nullable=False),
    col.ref_column("platform_id"),
    col.code_column("kind", 8),  # wallet | bank
    col.ref_column("wallet_id", nullable=True),
    # sealed by the master key (context PAYEE_CONTEXT): iban, bic, name, reference; NULL
    # when the line has none, or once the payee wallet's customer was erased
    col.text_column("payee_enc", nullable=True),
    *col.money_columns(),
    # pending | paid | submitted | failed_insufficient_funds | failed | cancelled
    col.status_column(32),
    col.ref_column("transfer_id", nullable=True),
    col.ref_column("payout_id", nullable=True),
    col.failure_code_column(),
    col.text_column("failure_message", nullable=True),
    # refusals for want of funds so far (waiting batches): the idempotency key's attempt
    sa.Column("attempts", sa.Integer, nullable=False),
    col.time_column("updated_at"),
    sa.Index("ix_payment_batch_lines_status", "batch_id", "status", "line_number"),
    sa.Index("ux_payment_batch_lines_id", "id", unique=True),
    sa.Index("ix_payment_batch_lines_wallet", "wallet_id"),
)

PAYEE_CONTEXT = "payment_batch_line.payee"
# rows written before 0037_payroll_payees hold the value in clear until sealed (the
# rotation seals them; see the migration)
PAYEES = register(
    SealedColumn(payment_batch_lines, "id", "payee_enc", PAYEE_CONTEXT, legacy_plaintext=True)
)
# a line paying a wallet names its customer (name, reference): blanked at the erasure
register_wallet_data(WalletData(payment_batch_lines, "wallet_id", "payee_enc"))

# A platform's own limits of its batches in one currency; NULL: the setting's default
# (COFFER_PAYROLL_MAX_LINES, _MAX_LINE_AMOUNT, _MAX_BATCH_TOTAL).
payment_batch_limits = sa.Table(
    "payment_batch_limits",
    metadata,
    col.ref_column("platform_id", primary_key=True),
    sa.Column("currency", sa.String(3), primary_key=True),
    sa.Column("max_lines", sa.Integer, nullable=True),
    col.amount_column("max_line_amount", nullable=True),  # minor units
    col.amount_column("max_batch_total", nullable=True),  # minor units
    sa.Column("updated_by", sa.String(200), nullable=False),
    col.time_column("updated_at"),
)
