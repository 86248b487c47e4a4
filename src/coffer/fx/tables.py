"""Tables of the fx domain (rates, pricing, quotes, conversions) and of loyalty programs.

Balances are never stored here: money and points live in the wallets ledger. Times are
microseconds since the epoch (UTC), like the ledger's. Rates are exact decimals kept as
text (never floats).
"""

from __future__ import annotations

import sqlalchemy as sa

from coffer.db.types import Amount
from coffer.platforms.tables import platform_column

metadata = sa.MetaData()

rates = sa.Table(
    "fx_rates",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("base", sa.String(3), nullable=False),
    sa.Column("quote", sa.String(3), nullable=False),
    sa.Column("rate", sa.Text, nullable=False),  # quote major units per base major unit
    sa.Column("source", sa.String(16), nullable=False),  # manual | http
    sa.Column("as_of", sa.BigInteger, nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
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
    sa.Column("fee_fixed", Amount, nullable=False),  # minor units of the sell currency
    sa.Column("updated_at", sa.BigInteger, nullable=False),
    sa.PrimaryKeyConstraint("platform_id", "pair", "tier"),
)

customer_tiers = sa.Table(
    "fx_customer_tiers",
    metadata,
    platform_column(),
    sa.Column("customer_id", sa.String(40), primary_key=True),
    sa.Column("tier", sa.String(40), nullable=False),
    sa.Column("updated_at", sa.BigInteger, nullable=False),
)

quotes = sa.Table(
    "fx_quotes",
    metadata,
    platform_column(),
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("customer_id", sa.String(40), nullable=True),
    sa.Column("side", sa.String(4), nullable=False),  # sell | buy: which amount was given
    sa.Column("sell_currency", sa.String(3), nullable=False),
    sa.Column("buy_currency", sa.String(3), nullable=False),
    sa.Column("sell_amount", Amount, nullable=False),
    sa.Column("buy_amount", Amount, nullable=False),
    sa.Column("fee", Amount, nullable=False),
    sa.Column("spread_amount", Amount, nullable=False),
    sa.Column("position_amount", Amount, nullable=False),
    sa.Column("mid_rate", sa.Text, nullable=False),
    sa.Column("customer_rate", sa.Text, nullable=False),
    sa.Column("rate_source", sa.String(16), nullable=False),
    sa.Column("rate_as_of", sa.BigInteger, nullable=False),
    sa.Column("spread_bps", sa.Integer, nullable=False),
    sa.Column("fee_bps", sa.Integer, nullable=False),
    sa.Column("fee_fixed", Amount, nullable=False),
    sa.Column("tier", sa.String(40), nullable=False),
    sa.Column("effective_at", sa.BigInteger, nullable=False),  # the time the rate is for
    sa.Column("status", sa.String(8), nullable=False),  # open | used
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("expires_at", sa.BigInteger, nullable=False),
    sa.Column("used_at", sa.BigInteger, nullable=True),
)

conversions = sa.Table(
    "fx_conversions",
    metadata,
    platform_column(),
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("kind", sa.String(10), nullable=False),  # conversion | transfer
    sa.Column("quote_id", sa.String(40), nullable=False, unique=True),
    sa.Column("idempotency_key", sa.String(255), nullable=True),
    sa.Column("from_wallet_id", sa.String(40), nullable=False),
    sa.Column("to_wallet_id", sa.String(40), nullable=False),
    sa.Column("sell_currency", sa.String(3), nullable=False),
    sa.Column("buy_currency", sa.String(3), nullable=False),
    sa.Column("sell_amount", Amount, nullable=False),
    sa.Column("buy_amount", Amount, nullable=False),
    sa.Column("fee", Amount, nullable=False),
    sa.Column("status", sa.String(10), nullable=False),  # pending | succeeded
    sa.Column("ledger_transaction_id", sa.BigInteger, nullable=True),
    sa.Column("metadata", sa.Text, nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("updated_at", sa.BigInteger, nullable=False),
    sa.Index("ix_fx_conversions_created", "created_at"),
    sa.Index("ix_fx_conversions_platform", "platform_id", "id"),
    sa.Index("ux_fx_conversions_idempotency_key", "platform_id", "idempotency_key", unique=True),
)

loyalty_programs = sa.Table(
    "loyalty_programs",
    metadata,
    platform_column(),
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("asset", sa.String(40), nullable=False),  # POINTS/0 or a named asset
    sa.Column("cash_currency", sa.String(3), nullable=False),
    sa.Column("redemption_rate", sa.Text, nullable=False),  # cash minor units per point
    sa.Column("expiry_days", sa.Integer, nullable=True),
    sa.Column("earn_rules", sa.Text, nullable=False),  # JSON
    sa.Column("tiers", sa.Text, nullable=False),  # JSON
    sa.Column("tier_window_days", sa.Integer, nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("earn_on", sa.Text, nullable=True),  # JSON: payment, payin_card (None: payment)
)

loyalty_lots = sa.Table(
    "loyalty_lots",
    metadata,
    platform_column(),
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("program_id", sa.String(40), nullable=False),
    sa.Column("customer_id", sa.String(40), nullable=False),
    sa.Column("points", sa.BigInteger, nullable=False),
    sa.Column("remaining", sa.BigInteger, nullable=False),  # 0 until its award is posted
    sa.Column("status", sa.String(8), nullable=False),  # pending | active | failed
    sa.Column("reason", sa.String(40), nullable=False),
    sa.Column("campaign", sa.String(40), nullable=True),
    sa.Column("earned_at", sa.BigInteger, nullable=False),
    sa.Column("expires_at", sa.BigInteger, nullable=True),
    sa.Column("ledger_transaction_id", sa.BigInteger, nullable=True),
    sa.Index("ix_loyalty_lots_owner", "program_id", "customer_id", "earned_at"),
    sa.Index("ix_loyalty_lots_expiry", "program_id", "expires_at"),
)

loyalty_movements = sa.Table(
    "loyalty_movements",
    metadata,
    platform_column(),
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("program_id", sa.String(40), nullable=False),
    sa.Column("customer_id", sa.String(40), nullable=False),
    sa.Column("kind", sa.String(8), nullable=False),  # redeem | expire | clawback
    sa.Column("points", sa.BigInteger, nullable=False),
    sa.Column("cash_amount", Amount, nullable=True),
    sa.Column("wallet_id", sa.String(40), nullable=True),
    sa.Column("lots", sa.Text, nullable=False),  # JSON {lot id: points taken}
    sa.Column("status", sa.String(10), nullable=False),  # pending | succeeded | failed
    sa.Column("idempotency_key", sa.String(255), nullable=True),
    sa.Column("ledger_transaction_id", sa.BigInteger, nullable=True),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    # a clawback: the refunded payment (or pay-in) and the points it could not take back
    sa.Column("source_id", sa.String(40), nullable=True),
    sa.Column("forgiven", sa.BigInteger, nullable=True),
    sa.Index("ix_loyalty_movements_source", "source_id"),
    sa.Index("ux_loyalty_movements_idempotency_key", "platform_id", "idempotency_key", unique=True),
)
