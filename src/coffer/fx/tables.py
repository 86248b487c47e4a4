"""Tables of the fx domain (rates, pricing, quotes, conversions) and of loyalty programs.

Balances are never stored here: money and points live in the wallets ledger. Times are
microseconds since the epoch (UTC), like the ledger's. Rates are exact decimals kept as
text (never floats).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from coffer.db import columns as col
from coffer.platforms.tables import platform_column

metadata = sa.MetaData()


def _exchange() -> list[sa.Column[Any]]:
    """What an exchange sells and buys: both currencies, then both amounts (minor units)."""
    return [
        col.currency_column("sell_currency"),
        col.currency_column("buy_currency"),
        col.amount_column("sell_amount"),
        col.amount_column("buy_amount"),
    ]


rates = sa.Table(
    "fx_rates",
    metadata,
    col.id_column(),
    col.currency_column("base"),
    col.currency_column("quote"),
    sa.Column("rate", sa.Text, nullable=False),  # quote major units per base major unit
    sa.Column("source", sa.String(16), nullable=False),  # manual | http
    col.time_column("as_of"),
    col.created_at_column(),
    sa.Index("ix_fx_rates_pair", "source", "base", "quote", "as_of"),
)

pricing = sa.Table(
    "fx_pricing",
    metadata,
    platform_column(),
    sa.Column("pair", sa.String(7), nullable=False),  # "EUR/USD" or "*"
    sa.Column("tier", sa.String(40), nullable=False),  # a tier name or "*"
    sa.Column("spread_bps", sa.Integer, nullable=False),
    sa.Column("fee_bps", sa.Integer, nullable=False),
    col.amount_column("fee_fixed"),  # minor units of the sell currency
    col.time_column("updated_at"),
    sa.PrimaryKeyConstraint("platform_id", "pair", "tier"),
)

customer_tiers = sa.Table(
    "fx_customer_tiers",
    metadata,
    *col.customer_key(),
    sa.Column("tier", sa.String(40), nullable=False),
    col.time_column("updated_at"),
)

quotes = col.owned_table(
    "fx_quotes",
    metadata,
    col.ref_column("customer_id", nullable=True),
    sa.Column("side", sa.String(4), nullable=False),  # sell | buy: which amount was given
    *_exchange(),
    col.amount_column("fee"),
    col.amount_column("spread_amount"),
    col.amount_column("position_amount"),
    sa.Column("mid_rate", sa.Text, nullable=False),
    sa.Column("customer_rate", sa.Text, nullable=False),
    sa.Column("rate_source", sa.String(16), nullable=False),
    col.time_column("rate_as_of"),
    sa.Column("spread_bps", sa.Integer, nullable=False),
    sa.Column("fee_bps", sa.Integer, nullable=False),
    col.amount_column("fee_fixed"),
    sa.Column("tier", sa.String(40), nullable=False),
    col.time_column("effective_at"),  # the time the rate is for
    col.status_column(8),  # open | used
    col.created_at_column(),
    col.time_column("expires_at"),
    col.time_column("used_at", nullable=True),
)

conversions = col.owned_table(
    "fx_conversions",
    metadata,
    sa.Column("kind", sa.String(10), nullable=False),  # conversion | transfer
    col.ref_column("quote_id", unique=True),
    sa.Column("idempotency_key", sa.String(255), nullable=True),
    col.ref_column("from_wallet_id"),
    col.ref_column("to_wallet_id"),
    *_exchange(),
    col.amount_column("fee"),
    col.status_column(10),  # pending | succeeded
    col.ledger_tx_column("ledger_transaction_id"),
    col.metadata_column(),
    *col.timestamps(),
    sa.Index("ix_fx_conversions_created", "created_at"),
    col.platform_index("fx_conversions"),
    sa.Index("ux_fx_conversions_idempotency_key", "platform_id", "idempotency_key", unique=True),
)

loyalty_programs = col.owned_table(
    "loyalty_programs",
    metadata,
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("asset", sa.String(40), nullable=False),  # POINTS/0 or a named asset
    col.currency_column("cash_currency"),
    sa.Column("redemption_rate", sa.Text, nullable=False),  # cash minor units per point
    sa.Column("expiry_days", sa.Integer, nullable=True),
    sa.Column("earn_rules", sa.Text, nullable=False),  # JSON
    sa.Column("tiers", sa.Text, nullable=False),  # JSON
    sa.Column("tier_window_days", sa.Integer, nullable=False),
    col.created_at_column(),
    sa.Column("earn_on", sa.Text, nullable=True),  # JSON: payment, payin_card (None: payment)
)

loyalty_lots = col.owned_table(
    "loyalty_lots",
    metadata,
    col.ref_column("program_id"),
    col.ref_column("customer_id"),
    sa.Column("points", sa.BigInteger, nullable=False),
    sa.Column("remaining", sa.BigInteger, nullable=False),  # 0 until its award is posted
    col.status_column(8),  # pending | active | failed
    sa.Column("reason", sa.String(40), nullable=False),
    sa.Column("campaign", sa.String(40), nullable=True),
    col.time_column("earned_at"),
    col.time_column("expires_at", nullable=True),
    col.ledger_tx_column("ledger_transaction_id"),
    sa.Index("ix_loyalty_lots_owner", "program_id", "customer_id", "earned_at"),
    sa.Index("ix_loyalty_lots_expiry", "program_id", "expires_at"),
)

loyalty_movements = col.owned_table(
    "loyalty_movements",
    metadata,
    col.ref_column("program_id"),
    col.ref_column("customer_id"),
    sa.Column("kind", sa.String(8), nullable=False),  # redeem | expire | clawback
    sa.Column("points", sa.BigInteger, nullable=False),
    col.amount_column("cash_amount", nullable=True),
    col.ref_column("wallet_id", nullable=True),
    sa.Column("lots", sa.Text, nullable=False),  # JSON {lot id: points taken}
    col.status_column(10),  # pending | succeeded | failed
    sa.Column("idempotency_key", sa.String(255), nullable=True),
    col.ledger_tx_column("ledger_transaction_id"),
    col.created_at_column(),
    # a clawback: the refunded payment (or pay-in) and the points it could not take back
    col.ref_column("source_id", nullable=True),
    sa.Column("forgiven", sa.BigInteger, nullable=True),
    sa.Index("ix_loyalty_movements_source", "source_id"),
    sa.Index("ux_loyalty_movements_idempotency_key", "platform_id", "idempotency_key", unique=True),
)
