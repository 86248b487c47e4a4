"""Tables of the fx domain: rates, pricing, customer tiers, quotes, conversions, and the
loyalty programs, lots and movements.

Revision ID: 0015_fx
Revises: 0014_assistant
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from coffer.db.types import Amount

revision = "0015_fx"
down_revision = "0014_assistant"
branch_labels = None
depends_on = None


def _times(*names: str) -> list[sa.Column[int]]:
    return [sa.Column(name, sa.BigInteger(), nullable=False) for name in names]


def upgrade() -> None:
    op.create_table(
        "fx_rates",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("base", sa.String(3), nullable=False),
        sa.Column("quote", sa.String(3), nullable=False),
        sa.Column("rate", sa.Text(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        *_times("as_of", "created_at"),
    )
    op.create_index("ix_fx_rates_pair", "fx_rates", ["source", "base", "quote", "as_of"])
    op.create_table(
        "fx_pricing",
        sa.Column("pair", sa.String(7), primary_key=True),
        sa.Column("tier", sa.String(40), primary_key=True),
        sa.Column("spread_bps", sa.Integer(), nullable=False),
        sa.Column("fee_bps", sa.Integer(), nullable=False),
        sa.Column("fee_fixed", Amount(), nullable=False),
        *_times("updated_at"),
    )
    op.create_table(
        "fx_customer_tiers",
        sa.Column("customer_id", sa.String(40), primary_key=True),
        sa.Column("tier", sa.String(40), nullable=False),
        *_times("updated_at"),
    )
    op.create_table(
        "fx_quotes",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("customer_id", sa.String(40), nullable=True),
        sa.Column("side", sa.String(4), nullable=False),
        sa.Column("sell_currency", sa.String(3), nullable=False),
        sa.Column("buy_currency", sa.String(3), nullable=False),
        sa.Column("sell_amount", Amount(), nullable=False),
        sa.Column("buy_amount", Amount(), nullable=False),
        sa.Column("fee", Amount(), nullable=False),
        sa.Column("spread_amount", Amount(), nullable=False),
        sa.Column("position_amount", Amount(), nullable=False),
        sa.Column("mid_rate", sa.Text(), nullable=False),
        sa.Column("customer_rate", sa.Text(), nullable=False),
        sa.Column("rate_source", sa.String(16), nullable=False),
        sa.Column("rate_as_of", sa.BigInteger(), nullable=False),
        sa.Column("spread_bps", sa.Integer(), nullable=False),
        sa.Column("fee_bps", sa.Integer(), nullable=False),
        sa.Column("fee_fixed", Amount(), nullable=False),
        sa.Column("tier", sa.String(40), nullable=False),
        sa.Column("effective_at", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        *_times("created_at", "expires_at"),
        sa.Column("used_at", sa.BigInteger(), nullable=True),
    )
    op.create_table(
        "fx_conversions",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("quote_id", sa.String(40), nullable=False, unique=True),
        sa.Column("idempotency_key", sa.String(255), nullable=True, unique=True),
        sa.Column("from_wallet_id", sa.String(40), nullable=False),
        sa.Column("to_wallet_id", sa.String(40), nullable=False),
        sa.Column("sell_currency", sa.String(3), nullable=False),
        sa.Column("buy_currency", sa.String(3), nullable=False),
        sa.Column("sell_amount", Amount(), nullable=False),
        sa.Column("buy_amount", Amount(), nullable=False),
        sa.Column("fee", Amount(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("ledger_transaction_id", sa.BigInteger(), nullable=True),
        sa.Column("metadata", sa.Text(), nullable=False),
        *_times("created_at", "updated_at"),
    )
    op.create_index("ix_fx_conversions_created", "fx_conversions", ["created_at"])
    op.create_table(
        "loyalty_programs",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("asset", sa.String(40), nullable=False),
        sa.Column("cash_currency", sa.String(3), nullable=False),
        sa.Column("redemption_rate", sa.Text(), nullable=False),
        sa.Column("expiry_days", sa.Integer(), nullable=True),
        sa.Column("earn_rules", sa.Text(), nullable=False),
        sa.Column("tiers", sa.Text(), nullable=False),
        sa.Column("tier_window_days", sa.Integer(), nullable=False),
        *_times("created_at"),
    )
    op.create_table(
        "loyalty_lots",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("program_id", sa.String(40), nullable=False),
        sa.Column("customer_id", sa.String(40), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("remaining", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("reason", sa.String(40), nullable=False),
        sa.Column("campaign", sa.String(40), nullable=True),
        sa.Column("earned_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=True),
        sa.Column("ledger_transaction_id", sa.BigInteger(), nullable=True),
    )
    op.create_index(
        "ix_loyalty_lots_owner", "loyalty_lots", ["program_id", "customer_id", "earned_at"]
    )
    op.create_index("ix_loyalty_lots_expiry", "loyalty_lots", ["program_id", "expires_at"])
    op.create_table(
        "loyalty_movements",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("program_id", sa.String(40), nullable=False),
        sa.Column("customer_id", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("cash_amount", Amount(), nullable=True),
        sa.Column("wallet_id", sa.String(40), nullable=True),
        sa.Column("lots", sa.Text(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("idempotency_key", sa.String(255), nullable=True, unique=True),
        sa.Column("ledger_transaction_id", sa.BigInteger(), nullable=True),
        *_times("created_at"),
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
