"""Tenants: the platforms table (with the default platform), a ``platform_id`` on every row
a platform owns, system ledgers, and idempotency keys unique per platform.

An existing single-platform database moves as a whole into ``plat_default`` (sandbox): the
columns' server default fills every existing row.

Revision ID: 0019_platforms
Revises: 0018_security
"""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from alembic import op

from coffer.db.migrations import shapes

revision = "0019_platforms"
down_revision = "0018_security"
branch_labels = None
depends_on = None

# the wallets' tables listed by their endpoints
WALLETS_LISTED = (
    "wallet_customers",
    "wallet_kyc_documents",
    "wallet_wallets",
    "wallet_transfers",
    "wallet_payments",
    "wallet_payins",
    "wallet_refunds",
    "wallet_disputes",
    "wallet_bank_accounts",
    "wallet_payouts",
    "wallet_events",
    "wallet_webhook_endpoints",
)

# tables whose rows a platform owns
OWNED = (
    "api_clients",
    "ledgers",
    *WALLETS_LISTED,
    "wallet_webhook_deliveries",
    "fx_customer_tiers",
    "fx_quotes",
    "fx_conversions",
    "loyalty_programs",
    "loyalty_lots",
    "loyalty_movements",
    "assistant_corrections",
    "assistant_rules",
    "assistant_budgets",
    "assistant_goals",
    "assistant_goal_contributions",
    "assistant_external_accounts",
    "assistant_alerts_sent",
    "assistant_external_transactions",
)

# the list endpoints page newest first by id within a platform
LISTED = (*WALLETS_LISTED, "fx_conversions")


def _idempotency_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("resource_type", sa.String(32), nullable=False),
        shapes.ref_column("resource_id"),
        shapes.time_column("created_at"),
        sa.Column("response_status", sa.Integer, nullable=True),
        sa.Column("response_enc", sa.Text, nullable=True),
    ]


def upgrade() -> None:
    platforms = op.create_table(
        "platforms",
        shapes.id_column(),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("mode", sa.String(8), nullable=False),
        shapes.time_column("created_at"),
    )
    op.bulk_insert(
        platforms,
        [
            {
                "id": shapes.DEFAULT_PLATFORM,
                "name": "default",
                "mode": "sandbox",
                "created_at": time.time_ns() // 1000,
            }
        ],
    )
    for table in OWNED:
        with op.batch_alter_table(table) as batch:
            batch.add_column(shapes.platform_column(default=True))
    with op.batch_alter_table("ledgers") as batch:
        batch.add_column(sa.Column("system", sa.Boolean, nullable=False, server_default=sa.false()))
    op.execute("UPDATE ledgers SET system = true WHERE name = 'wallets'")
    op.create_index("ix_ledgers_platform", "ledgers", ["platform_id", "name"])
    op.create_index("ix_api_clients_platform", "api_clients", ["platform_id", "created_at"])
    for table in LISTED:
        shapes.create_listing_index(table)
    op.create_index(
        "ix_wallet_events_platform_dispatched", "wallet_events", ["platform_id", "dispatched"]
    )
    # fx conversions: the Idempotency-Key is unique per platform
    shapes.unique_per_platform("fx_conversions", "idempotency_key")
    # wallets idempotency keys: the primary key becomes (platform_id, key)
    shapes.rekey_by_platform(
        "wallet_idempotency_keys",
        _idempotency_columns(),
        ["key"],
        key_name="pk_wallet_idempotency_keys",
    )


def downgrade() -> None:
    shapes.rekey_single("wallet_idempotency_keys", _idempotency_columns(), ["key"])
    op.drop_index("ux_fx_conversions_idempotency_key", "fx_conversions")
    op.drop_index("ix_wallet_events_platform_dispatched", "wallet_events")
    for table in LISTED:
        op.drop_index(f"ix_{table}_platform", table)
    op.drop_index("ix_api_clients_platform", "api_clients")
    op.drop_index("ix_ledgers_platform", "ledgers")
    with op.batch_alter_table("ledgers") as batch:
        batch.drop_column("system")
    for table in OWNED:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("platform_id")
    with op.batch_alter_table("fx_conversions") as batch:
        batch.create_unique_constraint("fx_conversions_idempotency_key_key", ["idempotency_key"])
    op.drop_table("platforms")
