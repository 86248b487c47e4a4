"""Wallets and payments: customers, KYC, wallets, transfers, payments, pay-ins, refunds,
disputes, bank accounts, payouts, outbox events, webhooks, idempotency keys.

Revision ID: 0003_wallets
Revises: 0002_api_clients
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from coffer.db.migrations import shapes

revision = "0003_wallets"
down_revision = "0002_api_clients"
branch_labels = None
depends_on = None


def _create(name: str, *items: sa.Column[Any] | sa.Constraint) -> None:
    """A wallets table: ``id``, the columns given, ``created_at`` and ``updated_at``, then
    the constraints given."""
    shapes.create_framed_table(name, [shapes.id_column()], items, shapes.timestamps())


def _ledger_tx_column() -> sa.Column[int]:
    """The id of the ledger transaction that moved the money, once posted."""
    return sa.Column("ledger_tx_id", sa.BigInteger(), nullable=True)


def upgrade() -> None:
    _create(
        "wallet_customers",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("kyc_level", sa.String(length=16), nullable=False),
        sa.Column("name_enc", sa.Text(), nullable=False),
        sa.Column("email_enc", sa.Text(), nullable=True),
        sa.Column("birth_date_enc", sa.Text(), nullable=True),
        sa.Column("address_enc", sa.Text(), nullable=True),
        shapes.metadata_column(),
    )
    _create(
        "wallet_disputes",
        shapes.ref_column("payin_id"),
        shapes.currency_column(),
        shapes.amount_column(),
        shapes.amount_column("wallet_amount"),
        shapes.amount_column("credit_amount"),
        shapes.status_column(),
        sa.Column("reason", sa.String(length=64), nullable=False),
    )
    op.create_index("ix_wallet_disputes_payin", "wallet_disputes", ["payin_id"], unique=False)
    op.create_table(
        "wallet_events",
        shapes.id_column(),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("dispatched", sa.Boolean(), nullable=False),
        shapes.time_column("created_at"),
    )
    op.create_index("ix_wallet_events_dispatched", "wallet_events", ["dispatched"], unique=False)
    op.create_table(
        "wallet_idempotency_keys",
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("resource_type", sa.String(length=32), nullable=False),
        shapes.ref_column("resource_id"),
        shapes.time_column("created_at"),
        sa.PrimaryKeyConstraint("key"),
    )
    _create(
        "wallet_payins",
        shapes.ref_column("wallet_id"),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("gateway", sa.String(length=16), nullable=False),
        sa.Column("gateway_ref", sa.String(length=255), nullable=True),
        shapes.status_column(32),
        sa.Column("capture_method", sa.String(length=16), nullable=False),
        shapes.currency_column(),
        shapes.amount_column(),
        shapes.amount_column("amount_received"),
        shapes.amount_column("amount_refunded"),
        shapes.amount_column("amount_disputed"),
        sa.Column("card_last4", sa.String(length=4), nullable=True),
        sa.Column("card_brand", sa.String(length=16), nullable=True),
        sa.Column("decline_code", sa.String(length=64), nullable=True),
        sa.Column("cancellation_reason", sa.String(length=64), nullable=True),
        sa.Column("challenge_token", sa.String(length=64), nullable=True),
        shapes.time_column("authorized_at", nullable=True),
        _ledger_tx_column(),
        shapes.metadata_column(),
    )
    op.create_index("ix_wallet_payins_status", "wallet_payins", ["status"], unique=False)
    op.create_index("ix_wallet_payins_wallet", "wallet_payins", ["wallet_id"], unique=False)
    _create(
        "wallet_payments",
        shapes.ref_column("buyer_wallet_id"),
        shapes.ref_column("seller_wallet_id"),
        shapes.currency_column(),
        shapes.amount_column(),
        shapes.amount_column("fee"),
        shapes.amount_column("captured_amount"),
        shapes.amount_column("refunded_amount"),
        sa.Column("escrow", sa.Boolean(), nullable=False),
        shapes.status_column(),
        sa.Column("escrow_status", sa.String(length=16), nullable=True),
        shapes.failure_code_column(),
        sa.Column("hold_id", sa.BigInteger(), nullable=True),
        shapes.metadata_column(),
    )
    op.create_index(
        "ix_wallet_payments_buyer", "wallet_payments", ["buyer_wallet_id"], unique=False
    )
    _create(
        "wallet_payouts",
        shapes.ref_column("wallet_id"),
        shapes.ref_column("bank_account_id"),
        shapes.currency_column(),
        shapes.amount_column(),
        shapes.status_column(),
        sa.Column("hold_id", sa.BigInteger(), nullable=True),
        shapes.ref_column("batch_id", nullable=True),
        shapes.failure_code_column(),
    )
    op.create_index("ix_wallet_payouts_status", "wallet_payouts", ["status"], unique=False)
    _create(
        "wallet_refunds",
        sa.Column("target_type", sa.String(length=16), nullable=False),
        shapes.ref_column("target_id"),
        shapes.currency_column(),
        shapes.amount_column(),
        shapes.status_column(),
        shapes.failure_code_column(),
        _ledger_tx_column(),
    )
    op.create_index(
        "ix_wallet_refunds_target", "wallet_refunds", ["target_type", "target_id"], unique=False
    )
    _create(
        "wallet_transfers",
        shapes.ref_column("debited_wallet_id"),
        shapes.ref_column("credited_wallet_id"),
        shapes.currency_column(),
        shapes.amount_column(),
        shapes.amount_column("fee"),
        shapes.status_column(),
        shapes.failure_code_column(),
        _ledger_tx_column(),
        shapes.metadata_column(),
    )
    op.create_index(
        "ix_wallet_transfers_credited", "wallet_transfers", ["credited_wallet_id"], unique=False
    )
    op.create_index(
        "ix_wallet_transfers_debited", "wallet_transfers", ["debited_wallet_id"], unique=False
    )
    _create(
        "wallet_webhook_deliveries",
        shapes.ref_column("endpoint_id"),
        shapes.ref_column("event_id"),
        shapes.status_column(),
        sa.Column("attempts", sa.Integer(), nullable=False),
        shapes.time_column("next_attempt_at", nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
    )
    op.create_index(
        "ix_wallet_webhook_deliveries_due",
        "wallet_webhook_deliveries",
        ["status", "next_attempt_at"],
        unique=False,
    )
    op.create_index(
        "ix_wallet_webhook_deliveries_endpoint",
        "wallet_webhook_deliveries",
        ["endpoint_id", "event_id"],
        unique=False,
    )
    _create(
        "wallet_webhook_endpoints",
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("secret_enc", sa.Text(), nullable=False),
        sa.Column("event_types", sa.Text(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
    )
    _create(
        "wallet_bank_accounts",
        shapes.ref_column("customer_id"),
        sa.Column("holder_name_enc", sa.Text(), nullable=False),
        sa.Column("iban_enc", sa.Text(), nullable=False),
        sa.Column("iban_last4", sa.String(length=4), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("bic", sa.String(length=11), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["wallet_customers.id"],
        ),
    )
    _create(
        "wallet_kyc_documents",
        shapes.ref_column("customer_id"),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("name_enc", sa.Text(), nullable=False),
        shapes.status_column(),
        sa.Column("refused_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["wallet_customers.id"],
        ),
    )
    op.create_index(
        "ix_wallet_kyc_documents_customer", "wallet_kyc_documents", ["customer_id"], unique=False
    )
    _create(
        "wallet_wallets",
        shapes.ref_column("customer_id", nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        shapes.currency_column(),
        sa.Column("account", sa.String(length=255), nullable=False),
        shapes.status_column(),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("bank_reference", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["wallet_customers.id"],
        ),
        sa.UniqueConstraint("bank_reference"),
        sa.UniqueConstraint("customer_id", "currency", name="uq_wallet_wallets_customer_currency"),
    )


def downgrade() -> None:
    op.drop_table("wallet_wallets")
    op.drop_index("ix_wallet_kyc_documents_customer", table_name="wallet_kyc_documents")
    op.drop_table("wallet_kyc_documents")
    op.drop_table("wallet_bank_accounts")
    op.drop_table("wallet_webhook_endpoints")
    op.drop_index("ix_wallet_webhook_deliveries_endpoint", table_name="wallet_webhook_deliveries")
    op.drop_index("ix_wallet_webhook_deliveries_due", table_name="wallet_webhook_deliveries")
    op.drop_table("wallet_webhook_deliveries")
    op.drop_index("ix_wallet_transfers_debited", table_name="wallet_transfers")
    op.drop_index("ix_wallet_transfers_credited", table_name="wallet_transfers")
    op.drop_table("wallet_transfers")
    op.drop_index("ix_wallet_refunds_target", table_name="wallet_refunds")
    op.drop_table("wallet_refunds")
    op.drop_index("ix_wallet_payouts_status", table_name="wallet_payouts")
    op.drop_table("wallet_payouts")
    op.drop_index("ix_wallet_payments_buyer", table_name="wallet_payments")
    op.drop_table("wallet_payments")
    op.drop_index("ix_wallet_payins_wallet", table_name="wallet_payins")
    op.drop_index("ix_wallet_payins_status", table_name="wallet_payins")
    op.drop_table("wallet_payins")
    op.drop_table("wallet_idempotency_keys")
    op.drop_index("ix_wallet_events_dispatched", table_name="wallet_events")
    op.drop_table("wallet_events")
    op.drop_index("ix_wallet_disputes_payin", table_name="wallet_disputes")
    op.drop_table("wallet_disputes")
    op.drop_table("wallet_customers")
