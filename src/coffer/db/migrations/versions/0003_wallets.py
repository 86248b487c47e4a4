"""Wallets and payments: customers, KYC, wallets, transfers, payments, pay-ins, refunds,
disputes, bank accounts, payouts, outbox events, webhooks, idempotency keys.

Revision ID: 0003_wallets
Revises: 0002_api_clients
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from coffer.db.migrations.shapes import amount_column, currency_column, ref_column, time_column

revision = "0003_wallets"
down_revision = "0002_api_clients"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "wallet_customers",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("kyc_level", sa.String(length=16), nullable=False),
        sa.Column("name_enc", sa.Text(), nullable=False),
        sa.Column("email_enc", sa.Text(), nullable=True),
        sa.Column("birth_date_enc", sa.Text(), nullable=True),
        sa.Column("address_enc", sa.Text(), nullable=True),
        sa.Column("metadata", sa.Text(), nullable=False),
        time_column("created_at"),
        time_column("updated_at"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "wallet_disputes",
        sa.Column("id", sa.String(length=40), nullable=False),
        ref_column("payin_id"),
        currency_column(),
        amount_column(),
        amount_column("wallet_amount"),
        amount_column("credit_amount"),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=False),
        time_column("created_at"),
        time_column("updated_at"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_wallet_disputes_payin", "wallet_disputes", ["payin_id"], unique=False)
    op.create_table(
        "wallet_events",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("dispatched", sa.Boolean(), nullable=False),
        time_column("created_at"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_wallet_events_dispatched", "wallet_events", ["dispatched"], unique=False)
    op.create_table(
        "wallet_idempotency_keys",
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("resource_type", sa.String(length=32), nullable=False),
        ref_column("resource_id"),
        time_column("created_at"),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "wallet_payins",
        sa.Column("id", sa.String(length=40), nullable=False),
        ref_column("wallet_id"),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("gateway", sa.String(length=16), nullable=False),
        sa.Column("gateway_ref", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("capture_method", sa.String(length=16), nullable=False),
        currency_column(),
        amount_column(),
        amount_column("amount_received"),
        amount_column("amount_refunded"),
        amount_column("amount_disputed"),
        sa.Column("card_last4", sa.String(length=4), nullable=True),
        sa.Column("card_brand", sa.String(length=16), nullable=True),
        sa.Column("decline_code", sa.String(length=64), nullable=True),
        sa.Column("cancellation_reason", sa.String(length=64), nullable=True),
        sa.Column("challenge_token", sa.String(length=64), nullable=True),
        time_column("authorized_at", nullable=True),
        sa.Column("ledger_tx_id", sa.BigInteger(), nullable=True),
        sa.Column("metadata", sa.Text(), nullable=False),
        time_column("created_at"),
        time_column("updated_at"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_wallet_payins_status", "wallet_payins", ["status"], unique=False)
    op.create_index("ix_wallet_payins_wallet", "wallet_payins", ["wallet_id"], unique=False)
    op.create_table(
        "wallet_payments",
        sa.Column("id", sa.String(length=40), nullable=False),
        ref_column("buyer_wallet_id"),
        ref_column("seller_wallet_id"),
        currency_column(),
        amount_column(),
        amount_column("fee"),
        amount_column("captured_amount"),
        amount_column("refunded_amount"),
        sa.Column("escrow", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("escrow_status", sa.String(length=16), nullable=True),
        sa.Column("failure_code", sa.String(length=64), nullable=True),
        sa.Column("hold_id", sa.BigInteger(), nullable=True),
        sa.Column("metadata", sa.Text(), nullable=False),
        time_column("created_at"),
        time_column("updated_at"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_wallet_payments_buyer", "wallet_payments", ["buyer_wallet_id"], unique=False
    )
    op.create_table(
        "wallet_payouts",
        sa.Column("id", sa.String(length=40), nullable=False),
        ref_column("wallet_id"),
        ref_column("bank_account_id"),
        currency_column(),
        amount_column(),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("hold_id", sa.BigInteger(), nullable=True),
        ref_column("batch_id", nullable=True),
        sa.Column("failure_code", sa.String(length=64), nullable=True),
        time_column("created_at"),
        time_column("updated_at"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_wallet_payouts_status", "wallet_payouts", ["status"], unique=False)
    op.create_table(
        "wallet_refunds",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("target_type", sa.String(length=16), nullable=False),
        ref_column("target_id"),
        currency_column(),
        amount_column(),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("failure_code", sa.String(length=64), nullable=True),
        sa.Column("ledger_tx_id", sa.BigInteger(), nullable=True),
        time_column("created_at"),
        time_column("updated_at"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_wallet_refunds_target", "wallet_refunds", ["target_type", "target_id"], unique=False
    )
    op.create_table(
        "wallet_transfers",
        sa.Column("id", sa.String(length=40), nullable=False),
        ref_column("debited_wallet_id"),
        ref_column("credited_wallet_id"),
        currency_column(),
        amount_column(),
        amount_column("fee"),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("failure_code", sa.String(length=64), nullable=True),
        sa.Column("ledger_tx_id", sa.BigInteger(), nullable=True),
        sa.Column("metadata", sa.Text(), nullable=False),
        time_column("created_at"),
        time_column("updated_at"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_wallet_transfers_credited", "wallet_transfers", ["credited_wallet_id"], unique=False
    )
    op.create_index(
        "ix_wallet_transfers_debited", "wallet_transfers", ["debited_wallet_id"], unique=False
    )
    op.create_table(
        "wallet_webhook_deliveries",
        sa.Column("id", sa.String(length=40), nullable=False),
        ref_column("endpoint_id"),
        ref_column("event_id"),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        time_column("next_attempt_at", nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        time_column("created_at"),
        time_column("updated_at"),
        sa.PrimaryKeyConstraint("id"),
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
    op.create_table(
        "wallet_webhook_endpoints",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("secret_enc", sa.Text(), nullable=False),
        sa.Column("event_types", sa.Text(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        time_column("created_at"),
        time_column("updated_at"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "wallet_bank_accounts",
        sa.Column("id", sa.String(length=40), nullable=False),
        ref_column("customer_id"),
        sa.Column("holder_name_enc", sa.Text(), nullable=False),
        sa.Column("iban_enc", sa.Text(), nullable=False),
        sa.Column("iban_last4", sa.String(length=4), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("bic", sa.String(length=11), nullable=False),
        time_column("created_at"),
        time_column("updated_at"),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["wallet_customers.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "wallet_kyc_documents",
        sa.Column("id", sa.String(length=40), nullable=False),
        ref_column("customer_id"),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("name_enc", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("refused_reason", sa.Text(), nullable=True),
        time_column("created_at"),
        time_column("updated_at"),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["wallet_customers.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_wallet_kyc_documents_customer", "wallet_kyc_documents", ["customer_id"], unique=False
    )
    op.create_table(
        "wallet_wallets",
        sa.Column("id", sa.String(length=40), nullable=False),
        ref_column("customer_id", nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        currency_column(),
        sa.Column("account", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("bank_reference", sa.String(length=40), nullable=True),
        time_column("created_at"),
        time_column("updated_at"),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["wallet_customers.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
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
