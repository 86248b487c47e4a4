"""Tenants: the platforms table (with the default platform), a ``platform_id`` on every row
a platform owns, system ledgers, and idempotency keys unique per platform.

An existing single-platform database moves as a whole into ``plat_default`` (sandbox): the
columns' server default fills every existing row.

Revision ID: 0019_platforms
Revises: 0018_security
"""

from __future__ import annotations

import time

import sqlalchemy as sa
from alembic import op

revision = "0019_platforms"
down_revision = "0018_security"
branch_labels = None
depends_on = None

DEFAULT = "plat_default"

# tables whose rows a platform owns
OWNED = (
    "api_clients",
    "ledgers",
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
LISTED = (
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
    "fx_conversions",
)


def _platform_column() -> sa.Column[str]:
    return sa.Column("platform_id", sa.String(40), nullable=False, server_default=DEFAULT)


def upgrade() -> None:
    platforms = op.create_table(
        "platforms",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("mode", sa.String(8), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
    )
    op.bulk_insert(
        platforms,
        [
            {
                "id": DEFAULT,
                "name": "default",
                "mode": "sandbox",
                "created_at": time.time_ns() // 1000,
            }
        ],
    )
    for table in OWNED:
        with op.batch_alter_table(table) as batch:
            batch.add_column(_platform_column())
    with op.batch_alter_table("ledgers") as batch:
        batch.add_column(sa.Column("system", sa.Boolean, nullable=False, server_default=sa.false()))
    op.execute("UPDATE ledgers SET system = true WHERE name = 'wallets'")
    op.create_index("ix_ledgers_platform", "ledgers", ["platform_id", "name"])
    op.create_index("ix_api_clients_platform", "api_clients", ["platform_id", "created_at"])
    for table in LISTED:
        op.create_index(f"ix_{table}_platform", table, ["platform_id", "id"])
    op.create_index(
        "ix_wallet_events_platform_dispatched", "wallet_events", ["platform_id", "dispatched"]
    )
    # fx conversions: the Idempotency-Key is unique per platform
    if op.get_bind().dialect.name == "sqlite":  # unnamed there: named by reflection
        with op.batch_alter_table(
            "fx_conversions",
            recreate="always",
            naming_convention={"uq": "uq_%(table_name)s_%(column_0_name)s"},
        ) as batch:
            batch.drop_constraint("uq_fx_conversions_idempotency_key", type_="unique")
    else:
        op.drop_constraint("fx_conversions_idempotency_key_key", "fx_conversions", type_="unique")
    op.create_index(
        "ux_fx_conversions_idempotency_key",
        "fx_conversions",
        ["platform_id", "idempotency_key"],
        unique=True,
    )
    # wallets idempotency keys: the primary key becomes (platform_id, key)
    op.create_table(
        "wallet_idempotency_keys_by_platform",
        _platform_column(),
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("resource_type", sa.String(32), nullable=False),
        sa.Column("resource_id", sa.String(40), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("response_status", sa.Integer, nullable=True),
        sa.Column("response_enc", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("platform_id", "key", name="pk_wallet_idempotency_keys"),
    )
    op.execute(
        "INSERT INTO wallet_idempotency_keys_by_platform (platform_id, key, request_hash,"
        " resource_type, resource_id, created_at, response_status, response_enc)"
        f" SELECT '{DEFAULT}', key, request_hash, resource_type, resource_id, created_at,"
        " response_status, response_enc FROM wallet_idempotency_keys"
    )
    op.drop_table("wallet_idempotency_keys")
    op.rename_table("wallet_idempotency_keys_by_platform", "wallet_idempotency_keys")


def downgrade() -> None:
    op.create_table(
        "wallet_idempotency_keys_single",
        sa.Column("key", sa.String(300), primary_key=True),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("resource_type", sa.String(32), nullable=False),
        sa.Column("resource_id", sa.String(40), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("response_status", sa.Integer, nullable=True),
        sa.Column("response_enc", sa.Text, nullable=True),
    )
    op.execute(
        "INSERT INTO wallet_idempotency_keys_single (key, request_hash, resource_type,"
        " resource_id, created_at, response_status, response_enc) SELECT key, request_hash,"
        " resource_type, resource_id, created_at, response_status, response_enc"
        f" FROM wallet_idempotency_keys WHERE platform_id = '{DEFAULT}'"
    )
    op.drop_table("wallet_idempotency_keys")
    op.rename_table("wallet_idempotency_keys_single", "wallet_idempotency_keys")
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
