"""Tables of the wallets domain. Balances are never stored here: they live in the ledger.

Every ``*_enc`` column holds AES-256-GCM ciphertext: a customer's personal data under the
customer's own data key (:mod:`coffer.wallets.privacy.keys`), other secrets under the
master key (:mod:`coffer.wallets.crypto`).
Times are microseconds since the epoch (UTC), like the ledger's.
"""

from __future__ import annotations

import sqlalchemy as sa

from coffer.db import columns as col
from coffer.platforms import DEFAULT_PLATFORM_ID
from coffer.platforms.sealed import SealedColumn, register

metadata = sa.MetaData()


def _gateway_ref_column() -> sa.Column[str]:
    """The gateway's own id of the object (Stripe: ``pi_...``, ``re_...``, ``dp_...``)."""
    return sa.Column("gateway_ref", sa.String(255), nullable=True)


def _unique_gateway_ref_index(table_name: str) -> sa.Index:
    """At most one row per gateway object (rows made by Coffer alone have no reference)."""
    where = sa.text("gateway_ref IS NOT NULL")
    return sa.Index(
        f"ux_{table_name}_gateway_ref",
        "gateway_ref",
        unique=True,
        sqlite_where=where,
        postgresql_where=where,
    )


customers = col.owned_table(
    "wallet_customers",
    metadata,
    col.code_column("kind"),  # natural | legal
    col.code_column("kyc_level"),
    sa.Column("name_enc", sa.Text, nullable=False),
    sa.Column("email_enc", sa.Text, nullable=True),
    sa.Column("birth_date_enc", sa.Text, nullable=True),
    sa.Column("address_enc", sa.Text, nullable=True),
    # "{}" for rows written since metadata is encrypted (metadata_enc, under the
    # customer's data key); clear JSON in rows written before, until the privacy upgrade
    col.metadata_column(),
    *col.timestamps(),
    sa.Column("metadata_enc", sa.Text, nullable=True),
    col.time_column("erased_at", nullable=True),  # personal data erased
)

kyc_documents = col.owned_table(
    "wallet_kyc_documents",
    metadata,
    col.ref_column("customer_id", sa.ForeignKey("wallet_customers.id")),
    sa.Column("type", sa.String(32), nullable=False),
    sa.Column("level", sa.String(16), nullable=False),  # level granted when validated
    sa.Column("name_enc", sa.Text, nullable=False),
    col.status_column(),  # validation_asked|validated|refused
    sa.Column("refused_reason", sa.Text, nullable=True),
    *col.timestamps(),
    sa.Index("ix_wallet_kyc_documents_customer", "customer_id"),
)

wallets = col.owned_table(
    "wallet_wallets",
    metadata,
    col.ref_column("customer_id", sa.ForeignKey("wallet_customers.id"), nullable=True),
    sa.Column("kind", sa.String(16), nullable=False),  # customer | fees | credit
    col.currency_column(),
    sa.Column("account", sa.String(255), nullable=False),
    col.status_column(),  # active | frozen | closed
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("bank_reference", sa.String(40), nullable=True, unique=True),
    *col.timestamps(),
    sa.UniqueConstraint("customer_id", "currency", name="uq_wallet_wallets_customer_currency"),
)

transfers = col.owned_table(
    "wallet_transfers",
    metadata,
    col.ref_column("debited_wallet_id"),
    col.ref_column("credited_wallet_id"),
    col.currency_column(),
    col.amount_column(),
    col.amount_column("fee"),
    col.status_column(),  # pending | succeeded | failed
    col.failure_code_column(),
    col.ledger_tx_column(),
    col.metadata_column(),
    *col.timestamps(),
    sa.Index("ix_wallet_transfers_debited", "debited_wallet_id"),
    sa.Index("ix_wallet_transfers_credited", "credited_wallet_id"),
)

payments = col.owned_table(
    "wallet_payments",
    metadata,
    col.ref_column("buyer_wallet_id"),
    col.ref_column("seller_wallet_id"),
    col.currency_column(),
    col.amount_column(),  # authorized
    col.amount_column("fee"),
    col.amount_column("captured_amount"),
    col.amount_column("refunded_amount"),
    sa.Column("escrow", sa.Boolean, nullable=False),
    # pending | authorized | captured | voided | failed
    col.status_column(),
    sa.Column("escrow_status", sa.String(16), nullable=True),  # held | released | returned
    col.failure_code_column(),
    col.ledger_tx_column("hold_id"),
    col.metadata_column(),
    *col.timestamps(),
    sa.Index("ix_wallet_payments_buyer", "buyer_wallet_id"),
)

payins = col.owned_table(
    "wallet_payins",
    metadata,
    col.ref_column("wallet_id"),
    sa.Column("method", sa.String(16), nullable=False),  # card | bank_transfer
    sa.Column("gateway", sa.String(16), nullable=False),
    _gateway_ref_column(),
    # PaymentIntent states: requires_payment_method | requires_action | processing |
    # requires_capture | succeeded | canceled
    col.status_column(32),
    sa.Column("capture_method", sa.String(16), nullable=False),  # automatic | manual
    col.currency_column(),
    col.amount_column(),
    col.amount_column("amount_received"),
    col.amount_column("amount_refunded"),
    col.amount_column("amount_disputed"),
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
    col.time_column("authorized_at", nullable=True),
    col.ledger_tx_column(),
    col.metadata_column(),
    *col.timestamps(),
    sa.Index("ix_wallet_payins_wallet", "wallet_id"),
    sa.Index("ix_wallet_payins_status", "status"),
    # gateway webhooks find their pay-in by the gateway's reference
    sa.Index("ix_wallet_payins_gateway_ref", "gateway", "gateway_ref"),
)

refunds = col.owned_table(
    "wallet_refunds",
    metadata,
    sa.Column("target_type", sa.String(16), nullable=False),  # payin | payment
    col.ref_column("target_id"),
    col.currency_column(),
    col.amount_column(),
    col.status_column(),  # pending | succeeded | failed
    col.failure_code_column(),
    col.ledger_tx_column(),
    *col.timestamps(),
    # the gateway's refund id (Stripe: re_...), unique
    _gateway_ref_column(),
    # coffer (asked through Coffer) | gateway (made outside Coffer, reported by webhook)
    sa.Column("origin", sa.String(16), nullable=False, server_default="coffer"),
    sa.Index("ix_wallet_refunds_target", "target_type", "target_id"),
    _unique_gateway_ref_index("wallet_refunds"),
)

disputes = col.owned_table(
    "wallet_disputes",
    metadata,
    col.ref_column("payin_id"),
    col.currency_column(),
    col.amount_column(),
    col.amount_column("wallet_amount"),  # taken from the wallet
    col.amount_column("credit_amount"),  # advanced by the platform
    col.status_column(),  # pending | needs_response|won|lost
    sa.Column("reason", sa.String(64), nullable=False),
    # the gateway's id of a dispute it reported by webhook (Stripe: dp_...): one row each
    _gateway_ref_column(),
    *col.timestamps(),
    sa.Index("ix_wallet_disputes_payin", "payin_id"),
    _unique_gateway_ref_index("wallet_disputes"),
)

bank_accounts = col.owned_table(
    "wallet_bank_accounts",
    metadata,
    col.ref_column("customer_id", sa.ForeignKey("wallet_customers.id")),
    sa.Column("holder_name_enc", sa.Text, nullable=False),
    sa.Column("iban_enc", sa.Text, nullable=False),
    sa.Column("iban_last4", sa.String(4), nullable=False),
    sa.Column("country", sa.String(2), nullable=False),
    sa.Column("bic", sa.String(11), nullable=False),
    *col.timestamps(),
)

payouts = col.owned_table(
    "wallet_payouts",
    metadata,
    col.ref_column("wallet_id"),
    col.ref_column("bank_account_id"),
    col.currency_column(),
    col.amount_column(),
    # pending | created | processing | paid | failed | returned
    col.status_column(),
    col.ledger_tx_column("hold_id"),
    col.ref_column("batch_id", nullable=True),
    col.failure_code_column(),
    *col.timestamps(),
    sa.Index("ix_wallet_payouts_status", "status"),
)

events = col.owned_table(
    "wallet_events",
    metadata,
    sa.Column("type", sa.String(64), nullable=False),
    sa.Column("data", sa.Text, nullable=False),
    sa.Column("dispatched", sa.Boolean, nullable=False),
    col.created_at_column(),
    sa.Index("ix_wallet_events_dispatched", "dispatched"),
)

webhook_endpoints = col.owned_table(
    "wallet_webhook_endpoints",
    metadata,
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("secret_enc", sa.Text, nullable=False),
    sa.Column("event_types", sa.Text, nullable=False),  # JSON list; ["*"] for all
    sa.Column("enabled", sa.Boolean, nullable=False),
    *col.timestamps(),
)

webhook_deliveries = col.owned_table(
    "wallet_webhook_deliveries",
    metadata,
    col.ref_column("endpoint_id"),
    col.ref_column("event_id"),
    col.status_column(),  # pending | succeeded | failed
    sa.Column("attempts", sa.Integer, nullable=False),
    col.time_column("next_attempt_at", nullable=True),
    sa.Column("last_status_code", sa.Integer, nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    *col.timestamps(),
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
    col.ref_column("resource_id"),
    col.created_at_column(),
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
    col.name_key(32),
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
    col.id_column(),
    sa.Column("platform_id", sa.String(64), nullable=False),
    sa.Column("movement_type", sa.String(16), nullable=False),  # payin_card ... payout
    col.ref_column("movement_id"),
    sa.Column("check_name", sa.String(32), nullable=False),
    col.ref_column("decision_id", nullable=True),
    col.status_column(),  # open | approved | declined
    col.ledger_tx_column("hold_id"),  # set once the hold is placed
    *col.timestamps(),
    sa.UniqueConstraint("movement_type", "movement_id", name="uq_wallet_reviews_movement"),
)
