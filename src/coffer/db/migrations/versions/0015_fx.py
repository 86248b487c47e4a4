"""Tables of the fx domain: rates, pricing, customer tiers, quotes, conversions, and the
loyalty programs, lots and movements.

Revision ID: 0015_fx
Revises: 0014_assistant
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from coffer.db.migrations import shapes

revision = "0015_fx"
down_revision = "0014_assistant"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fx_rates",
        shapes.id_column(),
        shapes.currency_column("base"),
        shapes.currency_column("quote"),
        sa.Column("rate", sa.Text(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        *shapes.time_columns("as_of", "created_at"),
    )
    op.create_index("ix_fx_rates_pair", "fx_rates", ["source", "base", "quote", "as_of"])
    op.create_table(
        "fx_pricing",
        sa.Column("pair", sa.String(7), primary_key=True),
        sa.Column("tier", sa.String(40), primary_key=True),
        sa.Column("spread_bps", sa.Integer(), nullable=False),
        sa.Column("fee_bps", sa.Integer(), nullable=False),
        shapes.amount_column("fee_fixed"),
        shapes.time_column("updated_at"),
    )
    op.create_table(
        "fx_customer_tiers",
        shapes.ref_column("customer_id", primary_key=True),
        sa.Column("tier", sa.String(40), nullable=False),
        shapes.time_column("updated_at"),
    )
    op.create_table(
        "fx_quotes",
        shapes.id_column(),
        shapes.ref_column("customer_id", nullable=True),
        sa.Column("side", sa.String(4), nullable=False),
        shapes.currency_column("sell_currency"),
        shapes.currency_column("buy_currency"),
        shapes.amount_column("sell_amount"),
        shapes.amount_column("buy_amount"),
        shapes.amount_column("fee"),
        shapes.amount_column("spread_amount"),
        shapes.amount_column("position_amount"),
        sa.Column("mid_rate", sa.Text(), nullable=False),
        sa.Column("customer_rate", sa.Text(), nullable=False),
        sa.Column("rate_source", sa.String(16), nullable=False),
        sa.Column("rate_as_of", sa.BigInteger(), nullable=False),
        sa.Column("spread_bps", sa.Integer(), nullable=False),
        sa.Column("fee_bps", sa.Integer(), nullable=False),
        shapes.amount_column("fee_fixed"),
        sa.Column("tier", sa.String(40), nullable=False),
        shapes.time_column("effective_at"),
        shapes.status_column(8),
        *shapes.time_columns("created_at", "expires_at"),
        shapes.time_column("used_at", nullable=True),
    )
    op.create_table(
        "fx_conversions",
        shapes.id_column(),
        sa.Column("kind", sa.String(10), nullable=False),
        shapes.ref_column("quote_id", unique=True),
        sa.Column("idempotency_key", sa.String(255), nullable=True, unique=True),
        shapes.ref_column("from_wallet_id"),
        shapes.ref_column("to_wallet_id"),
        shapes.currency_column("sell_currency"),
        shapes.currency_column("buy_currency"),
        shapes.amount_column("sell_amount"),
        shapes.amount_column("buy_amount"),
        shapes.amount_column("fee"),
        shapes.status_column(10),
        sa.Column("ledger_transaction_id", sa.BigInteger(), nullable=True),
        shapes.metadata_column(),
        *shapes.timestamps(),
    )
    op.create_index("ix_fx_conversions_created", "fx_conversions", ["created_at"])
    op.create_table(
        "loyalty_programs",
        shapes.id_column(),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("asset", sa.String(40), nullable=False),
        shapes.currency_column("cash_currency"),
        sa.Column("redemption_rate", sa.Text(), nullable=False),
        sa.Column("expiry_days", sa.Integer(), nullable=True),
        sa.Column("earn_rules", sa.Text(), nullable=False),
        sa.Column("tiers", sa.Text(), nullable=False),
        sa.Column("tier_window_days", sa.Integer(), nullable=False),
        shapes.time_column("created_at"),
    )
    op.create_table(
        "loyalty_lots",
        shapes.id_column(),
        shapes.ref_column("program_id"),
        shapes.ref_column("customer_id"),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("remaining", sa.BigInteger(), nullable=False),
        shapes.status_column(8),
        sa.Column("reason", sa.String(40), nullable=False),
        sa.Column("campaign", sa.String(40), nullable=True),
        shapes.time_column("earned_at"),
        shapes.time_column("expires_at", nullable=True),
        sa.Column("ledger_transaction_id", sa.BigInteger(), nullable=True),
    )
    op.create_index(
        "ix_loyalty_lots_owner", "loyalty_lots", ["program_id", "customer_id", "earned_at"]
    )
    op.create_index("ix_loyalty_lots_expiry", "loyalty_lots", ["program_id", "expires_at"])
    op.create_table(
        "loyalty_movements",
        shapes.id_column(),
        shapes.ref_column("program_id"),
        shapes.ref_column("customer_id"),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        shapes.amount_column("cash_amount", nullable=True),
        shapes.ref_column("wallet_id", nullable=True),
        sa.Column("lots", sa.Text(), nullable=False),
        shapes.status_column(10),
        sa.Column("idempotency_key", sa.String(255), nullable=True, unique=True),
        sa.Column("ledger_transaction_id", sa.BigInteger(), nullable=True),
        shapes.time_column("created_at"),
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
