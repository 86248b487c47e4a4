"""Tables of the fx domain: rates, pricing, customer tiers, quotes, conversions, and the
loyalty programs, lots and movements.

Revision ID: 0015_fx
Revises: 0014_assistant
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from coffer.db.migrations.shapes import (
    amount_column,
    currency_column,
    id_column,
    ref_column,
    time_column,
    time_columns,
    timestamps,
)

revision = "0015_fx"
down_revision = "0014_assistant"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fx_rates",
        id_column(),
        currency_column("base"),
        currency_column("quote"),
        sa.Column("rate", sa.Text(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        *time_columns("as_of", "created_at"),
    )
    op.create_index("ix_fx_rates_pair", "fx_rates", ["source", "base", "quote", "as_of"])
    op.create_table(
        "fx_pricing",
        sa.Column("pair", sa.String(7), primary_key=True),
        sa.Column("tier", sa.String(40), primary_key=True),
        sa.Column("spread_bps", sa.Integer(), nullable=False),
        sa.Column("fee_bps", sa.Integer(), nullable=False),
        amount_column("fee_fixed"),
        time_column("updated_at"),
    )
    op.create_table(
        "fx_customer_tiers",
        sa.Column("customer_id", sa.String(40), primary_key=True),
        sa.Column("tier", sa.String(40), nullable=False),
        time_column("updated_at"),
    )
    op.create_table(
        "fx_quotes",
        id_column(),
        ref_column("customer_id", nullable=True),
        sa.Column("side", sa.String(4), nullable=False),
        currency_column("sell_currency"),
        currency_column("buy_currency"),
        amount_column("sell_amount"),
        amount_column("buy_amount"),
        amount_column("fee"),
        amount_column("spread_amount"),
        amount_column("position_amount"),
        sa.Column("mid_rate", sa.Text(), nullable=False),
        sa.Column("customer_rate", sa.Text(), nullable=False),
        sa.Column("rate_source", sa.String(16), nullable=False),
        sa.Column("rate_as_of", sa.BigInteger(), nullable=False),
        sa.Column("spread_bps", sa.Integer(), nullable=False),
        sa.Column("fee_bps", sa.Integer(), nullable=False),
        amount_column("fee_fixed"),
        sa.Column("tier", sa.String(40), nullable=False),
        time_column("effective_at"),
        sa.Column("status", sa.String(8), nullable=False),
        *time_columns("created_at", "expires_at"),
        time_column("used_at", nullable=True),
    )
    op.create_table(
        "fx_conversions",
        id_column(),
        sa.Column("kind", sa.String(10), nullable=False),
        ref_column("quote_id", unique=True),
        sa.Column("idempotency_key", sa.String(255), nullable=True, unique=True),
        ref_column("from_wallet_id"),
        ref_column("to_wallet_id"),
        currency_column("sell_currency"),
        currency_column("buy_currency"),
        amount_column("sell_amount"),
        amount_column("buy_amount"),
        amount_column("fee"),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("ledger_transaction_id", sa.BigInteger(), nullable=True),
        sa.Column("metadata", sa.Text(), nullable=False),
        *timestamps(),
    )
    op.create_index("ix_fx_conversions_created", "fx_conversions", ["created_at"])
    op.create_table(
        "loyalty_programs",
        id_column(),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("asset", sa.String(40), nullable=False),
        currency_column("cash_currency"),
        sa.Column("redemption_rate", sa.Text(), nullable=False),
        sa.Column("expiry_days", sa.Integer(), nullable=True),
        sa.Column("earn_rules", sa.Text(), nullable=False),
        sa.Column("tiers", sa.Text(), nullable=False),
        sa.Column("tier_window_days", sa.Integer(), nullable=False),
        time_column("created_at"),
    )
    op.create_table(
        "loyalty_lots",
        id_column(),
        ref_column("program_id"),
        ref_column("customer_id"),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("remaining", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("reason", sa.String(40), nullable=False),
        sa.Column("campaign", sa.String(40), nullable=True),
        time_column("earned_at"),
        time_column("expires_at", nullable=True),
        sa.Column("ledger_transaction_id", sa.BigInteger(), nullable=True),
    )
    op.create_index(
        "ix_loyalty_lots_owner", "loyalty_lots", ["program_id", "customer_id", "earned_at"]
    )
    op.create_index("ix_loyalty_lots_expiry", "loyalty_lots", ["program_id", "expires_at"])
    op.create_table(
        "loyalty_movements",
        id_column(),
        ref_column("program_id"),
        ref_column("customer_id"),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        amount_column("cash_amount", nullable=True),
        ref_column("wallet_id", nullable=True),
        sa.Column("lots", sa.Text(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("idempotency_key", sa.String(255), nullable=True, unique=True),
        sa.Column("ledger_transaction_id", sa.BigInteger(), nullable=True),
        time_column("created_at"),
    )


def downgrade() -> None:
    for table in (
        "loyalty_movements",
        "loyalty_lots",
        "loyalty_programs",
        "fx_conversions",
        "fx_quotes",
        "fx_customer_tiers",
        "fx_pricing",
        "fx_rates",
    ):
        op.drop_table(table)
