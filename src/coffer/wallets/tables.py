"""Tables of the wallets domain. Balances are never stored here: they live in the ledger.

Every ``*_enc`` column holds AES-256-GCM ciphertext: a customer's personal data under the
customer's own data key (:mod:`coffer.wallets.privacy.keys`), other secrets under the
master key (:mod:`coffer.wallets.crypto`).
Times are microseconds since the epoch (UTC), like the ledger's.
"""

from __future__ import annotations

import sqlalchemy as sa

from coffer.db.types import Amount
from coffer.platforms import DEFAULT_PLATFORM_ID
from coffer.platforms.sealed import SealedColumn, register
from coffer.platforms.tables import platform_column

metadata = sa.MetaData()


def _times() -> list[sa.Column[int]]:
    return [
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
    ]


customers = sa.Table(
    "wallet_customers",
    metadata,
    platform_column(),
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),  # natural | legal
    sa.Column("kyc_level", sa.String(16), nullable=False),
    sa.Column("name_enc", sa.Text, nullable=False),
    sa.Column("email_enc", sa.Text, nullable=True),
    sa.Column("birth_date_enc", sa.Text, nullable=True),
    sa.Column("address_enc", sa.Text, nullable=True),
    # "{}" for rows written since metadata is encrypted (metadata_enc, under the
    # customer's data key); clear JSON in rows written before, until the privacy upgrade
    sa.Column("metadata", sa.Text, nullable=False),
    *_times(),
    sa.Column("metadata_enc", sa.Text, nullable=True),
    sa.Column("erased_at", sa.BigInteger, nullable=True),  # personal data erased
)

kyc_documents = sa.Table(
    "wallet_kyc_documents",
    metadata,
    platform_column(),
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("customer_id", sa.String(40), sa.ForeignKey("wallet_customers.id"), nullable=False),
    sa.Column("type", sa.String(32), nullable=False),
    sa.Column("level", sa.String(16), nullable=False),  # level granted when validated
    sa.Column("name_enc", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # validation_asked|validated|refused
    sa.Column("refused_reason", sa.Text, nullable=True),
    *_times(),
    sa.Index("ix_wallet_kyc_documents_customer", "customer_id"),
)

wallets = sa.Table(
    "wallet_wallets",
    metadata,
    platform_column(),
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("customer_id", sa.String(40), sa.ForeignKey("wallet_customers.id"), nullable=True),
    sa.Column("kind", sa.String(16), nullable=False),  # customer | fees | credit
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("account", sa.String(255), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # active | frozen | closed
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("bank_reference", sa.String(40), nullable=True, unique=True),
    *_times(),
    sa.UniqueConstraint("customer_id", "currency", name="uq_wallet_wallets_customer_currency"),
)

transfers = sa.Table(
    "wallet_transfers",
    metadata,
    platform_column(),
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("debited_wallet_id", sa.String(40), nullable=False),
    sa.Column("credited_wallet_id", sa.String(40), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("amount", Amount, nullable=False),
    sa.Column("fee", Amount, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # pending | succeeded | failed
    sa.Column("failure_code", sa.String(64), nullable=True),
    sa.Column("ledger_tx_id", sa.BigInteger, nullable=True),
    sa.Column("metadata", sa.Text, nullable=False),
    *_times(),
    sa.Index("ix_wallet_transfers_debited", "debited_wallet_id"),
    sa.Index("ix_wallet_transfers_credited", "credited_wallet_id"),
)

payments = sa.Table(
    "wallet_payments",
    metadata,
    platform_column(),
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("buyer_wallet_id", sa.String(40), nullable=False),
    sa.Column("seller_wallet_id", sa.String(40), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("amount", Amount, nullable=False),  # authorized
    sa.Column("fee", Amount, nullable=False),
    sa.Column("captured_amount", Amount, nullable=False),
    sa.Column("refunded_amount", Amount, nullable=False),
    sa.Column("escrow", sa.Boolean, nullable=False),
    # pending | authorized | captured | voided | failed
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("escrow_status", sa.String(16), nullable=True),  # held | released | returned
    sa.Column("failure_code", sa.String(64), nullable=True),
    sa.Column("hold_id", sa.BigInteger, nullable=True),
    sa.Column("metadata", sa.Text, nullable=False),
    *_times(),
    sa.Index("ix_wallet_payments_buyer", "buyer_wallet_id"),
)

payins = sa.Table(
    "wallet_payins",
    metadata,
    platform_column(),
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("wallet_id", sa.String(40), nullable=False),
    sa.Column("method", sa.String(16), nullable=False),  # card | bank_transfer
    sa.Column("gateway", sa.String(16), nullable=False),
    sa.Column("gateway_ref", sa.String(255), nullable=True),
    # PaymentIntent states: requires_payment_method | requires_action | processing |
    # requires_capture | succeeded | canceled
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("capture_method", sa.String(16), nullable=False),  # automatic | manual
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("amount", Amount, nullable=False),
    sa.Column("amount_received", Amount, nullable=False),
    sa.Column("amount_refunded", Amount, nullable=False),
    sa.Column("amount_disputed", Amount, nullable=False),
    sa.Column("card_last4", sa.String(4), nullable=True),
    sa.Column("card_brand", sa.String(16), nullable=True),
    sa.Column("decline_code", sa.String(64), nullable=True),
    sa.Column("cancellation_reason", sa.String(64), nullable=True),
    sa.Column("challenge_token", sa.String(64), nullable=True),
    # where the customer authenticates (3-D Secure) when the gateway hosts the page (Stripe)
    sa.Column("next_action_url", sa.Text, nullable=True),
    # SHA-256 (hex) of the gateway's client secret of the intent, which the return page
    # asks for (Stripe adds it to the return URL)
    sa.Column("client_secret_hash", sa.String(64), nullable=True),
    sa.Column("authorized_at", sa.BigInteger, nullable=True),
    sa.Column("ledger_tx_id", sa.BigInteger, nullable=True),
    sa.Column("metadata", sa.Text, nullable=False),
    *_times(),
    sa.Index("ix_wallet_payins_wallet", "wallet_id"),
    sa.Index("ix_wallet_payins_status", "status"),
    # gateway webhooks find their pay-in by the gateway's reference
    sa.Index("ix_wallet_payins_gateway_ref", "gateway", "gateway_ref"),
)

refunds = sa.Table(
    "wallet_refunds",
    metadata,
    platform_column(),
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("target_type", sa.String(16), nullable=False),  # payin | payment
    sa.Column("target_id", sa.String(40), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("amount", Amount, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # pending | succeeded | failed
    sa.Column("failure_code", sa.String(64), nullable=True),
    sa.Column("ledger_tx_id", sa.BigInteger, nullable=True),
    *_times(),
    # the gateway's refund id (Stripe: re_...), unique
    sa.Column("gateway_ref", sa.String(255), nullable=True),
    # coffer (asked through Coffer) | gateway (made outside Coffer, reported by webhook)
    sa.Column("origin", sa.String(16), nullable=False, server_default="coffer"),
    sa.Index("ix_wallet_refunds_target", "target_type", "target_id"),
    sa.Index(
        "ux_wallet_refunds_gateway_ref",
        "gateway_ref",
        unique=True,
        sqlite_where=sa.text("gateway_ref IS NOT NULL"),
        postgresql_where=sa.text("gateway_ref IS NOT NULL"),
    ),
)

disputes = sa.Table(
    "wallet_disputes",
    metadata,
    platform_column(),
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("payin_id", sa.String(40), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("amount", Amount, nullable=False),
    sa.Column("wallet_amount", Amount, nullable=False),  # taken from the wallet
    sa.Column("credit_amount", Amount, nullable=False),  # advanced by the platform
    sa.Column("status", sa.String(16), nullable=False),  # pending | needs_response|won|lost
    sa.Column("reason", sa.String(64), nullable=False),
    # the gateway's id of a dispute it reported by webhook (Stripe: dp_...): one row each
    sa.Column("gateway_ref", sa.String(255), nullable=True),
    *_times(),
    sa.Index("ix_wallet_disputes_payin", "payin_id"),
    sa.Index(
        "ux_wallet_disputes_gateway_ref",
        "gateway_ref",
        unique=True,
        sqlite_where=sa.text("gateway_ref IS NOT NULL"),
        postgresql_where=sa.text("gateway_ref IS NOT NULL"),
    ),
)

bank_accounts = sa.Table(
    "wallet_bank_accounts",
    metadata,
    platform_column(),
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("customer_id", sa.String(40), sa.ForeignKey("wallet_customers.id"), nullable=False),
    sa.Column("holder_name_enc", sa.Text, nullable=False),
    sa.Column("iban_enc", sa.Text, nullable=False),
    sa.Column("iban_last4", sa.String(4), nullable=False),
    sa.Column("country", sa.String(2), nullable=False),
    sa.Column("bic", sa.String(11), nullable=False),
    *_times(),
)

payouts = sa.Table(
    "wallet_payouts",
    metadata,
    platform_column(),
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("wallet_id", sa.String(40), nullable=False),
    sa.Column("bank_account_id", sa.String(40), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("amount", Amount, nullable=False),
    # pending | created | processing | paid | failed | returned
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("hold_id", sa.BigInteger, nullable=True),
    sa.Column("batch_id", sa.String(40), nullable=True),
    sa.Column("failure_code", sa.String(64), nullable=True),
    *_times(),
    sa.Index("ix_wallet_payouts_status", "status"),
)

events = sa.Table(
    "wallet_events",
    metadata,
    platform_column(),
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("type", sa.String(64), nullable=False),
    sa.Column("data", sa.Text, nullable=False),
    sa.Column("dispatched", sa.Boolean, nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Index("ix_wallet_events_dispatched", "dispatched"),
)

webhook_endpoints = sa.Table(
    "wallet_webhook_endpoints",
    metadata,
    platform_column(),
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("secret_enc", sa.Text, nullable=False),
    sa.Column("event_types", sa.Text, nullable=False),  # JSON list; ["*"] for all
    sa.Column("enabled", sa.Boolean, nullable=False),
    *_times(),
)

webhook_deliveries = sa.Table(
    "wallet_webhook_deliveries",
    metadata,
    platform_column(),
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("endpoint_id", sa.String(40), nullable=False),
    sa.Column("event_id", sa.String(40), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # pending | succeeded | failed
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", sa.BigInteger, nullable=True),
    sa.Column("last_status_code", sa.Integer, nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    *_times(),
    sa.Index("ix_wallet_webhook_deliveries_due", "status", "next_attempt_at"),
    sa.Index("ix_wallet_webhook_deliveries_endpoint", "endpoint_id", "event_id"),
)

idempotency_keys = sa.Table(
    "wallet_idempotency_keys",
    metadata,
    sa.Column("platform_id", sa.String(40), primary_key=True, server_default=DEFAULT_PLATFORM_ID),
    sa.Column("key", sa.String(300), primary_key=True),
    sa.Column("request_hash", sa.String(64), nullable=False),
    sa.Column("resource_type", sa.String(32), nullable=False),
    sa.Column("resource_id", sa.String(40), nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    # actions: the answer to replay (HTTP status, and the body encrypted: it may hold
    # personal data or a webhook secret); NULL while the first request is running
    sa.Column("response_status", sa.Integer, nullable=True),
    sa.Column("response_enc", sa.Text, nullable=True),
)


# Values the master key seals directly, re-sealed by `coffer keys rotate`.
register(SealedColumn(webhook_endpoints, "id", "secret_enc", "webhook.secret"))
register(SealedColumn(idempotency_keys, "key", "response_enc", "idempotency.response"))


# One row ("rows"): bumped in the transaction that changes a wallet's status or a customer's
# KYC level; every process polls it and drops its cached rows when it moved.
cache_epochs = sa.Table(
    "wallet_cache_epochs",
    metadata,
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("epoch", sa.BigInteger, nullable=False),
)

# The list endpoints page newest first by id within the caller's platform.
for _table in (
    customers,
    kyc_documents,
    wallets,
    transfers,
    payments,
    payins,
    refunds,
    disputes,
    bank_accounts,
    payouts,
    events,
    webhook_endpoints,
):
    sa.Index(f"ix_{_table.name}_platform", _table.c.platform_id, _table.c.id)
sa.Index("ix_wallet_events_platform_dispatched", events.c.platform_id, events.c.dispatched)

# Movements a check (see coffer.wallets.checks) put in review: the movement is a ledger hold
# until the check resolves it (approve posts the hold, decline voids it).
reviews = sa.Table(
    "wallet_reviews",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("platform_id", sa.String(64), nullable=False),
    sa.Column("movement_type", sa.String(16), nullable=False),  # payin_card ... payout
    sa.Column("movement_id", sa.String(40), nullable=False),
    sa.Column("check_name", sa.String(32), nullable=False),
    sa.Column("decision_id", sa.String(40), nullable=True),
    sa.Column("status", sa.String(16), nullable=False),  # open | approved | declined
    sa.Column("hold_id", sa.BigInteger, nullable=True),  # set once the hold is placed
    *_times(),
    sa.UniqueConstraint("movement_type", "movement_id", name="uq_wallet_reviews_movement"),
)
