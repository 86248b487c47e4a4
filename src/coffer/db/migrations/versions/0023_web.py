"""Web: operators, sign-in factors (TOTP, recovery codes, passkeys), sign-in throttle,
server-side web sessions, and an index of the audit log by target.

Revision ID: 0023_web
Revises: 0022_automations
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from coffer.db.migrations import shapes

revision = "0023_web"
down_revision = "0022_automations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "operators",
        *shapes.id_and_platform(64),
        sa.Column("email", sa.String(254), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        shapes.status_column(),
        shapes.time_column("created_at"),
        shapes.time_column("last_sign_in_at", nullable=True),
    )
    shapes.create_listing_index("operators")
    op.create_table(
        "totp_factors",
        sa.Column("subject", sa.String(64), primary_key=True),
        shapes.platform_column(64),
        sa.Column("secret", sa.String(64), nullable=False),
        shapes.time_column("confirmed_at", nullable=True),
        sa.Column("last_step", sa.BigInteger, nullable=False, server_default="0"),
        shapes.time_column("created_at"),
    )
    op.create_table(
        "recovery_codes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("subject", sa.String(64), nullable=False),
        shapes.platform_column(64),
        sa.Column("code_hash", sa.LargeBinary(32), nullable=False),
        shapes.time_column("used_at", nullable=True),
        shapes.time_column("created_at"),
    )
    op.create_index("ix_recovery_codes_subject", "recovery_codes", ["subject"])
    op.create_table(
        "passkeys",
        shapes.id_column(),
        sa.Column("subject", sa.String(64), nullable=False),
        shapes.platform_column(64),
        sa.Column("credential_id", sa.LargeBinary(1024), nullable=False, unique=True),
        sa.Column("public_key", sa.LargeBinary(2048), nullable=False),
        sa.Column("sign_count", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("transports", sa.String(200), nullable=False, server_default=""),
        sa.Column("name", sa.String(100), nullable=False),
        shapes.time_column("created_at"),
        shapes.time_column("last_used_at", nullable=True),
    )
    op.create_index("ix_passkeys_subject", "passkeys", ["subject"])
    op.create_table(
        "sign_in_throttle",
        sa.Column("key", sa.String(300), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        shapes.time_column("window_started_at"),
        sa.Column("locked_until", sa.BigInteger, nullable=False, server_default="0"),
    )
    op.create_table(
        "web_sessions",
        sa.Column("token_hash", sa.LargeBinary(32), primary_key=True),
        sa.Column("public_id", sa.String(40), nullable=False, unique=True),
        sa.Column("realm", sa.String(16), nullable=False),
        sa.Column("subject", sa.String(64), nullable=True),
        shapes.platform_column(64, nullable=True),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("data", sa.Text, nullable=False, server_default="{}"),
        shapes.time_column("created_at"),
        shapes.time_column("last_seen_at"),
        shapes.time_column("expires_at"),
        shapes.time_column("second_factor_at", nullable=True),
        shapes.time_column("revoked_at", nullable=True),
        sa.Column("address", sa.String(64), nullable=True),
        sa.Column("user_agent", sa.String(200), nullable=True),
    )
    op.create_index("ix_web_sessions_subject", "web_sessions", ["subject", "created_at"])
    # the console's audit trail of one object (a customer, a wallet, a client)
    op.create_index("ix_audit_log_target", "audit_log", ["target", "seq"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_target", "audit_log")
    op.drop_index("ix_web_sessions_subject", "web_sessions")
    op.drop_table("web_sessions")
    op.drop_table("sign_in_throttle")
    op.drop_index("ix_passkeys_subject", "passkeys")
    op.drop_table("passkeys")
    op.drop_index("ix_recovery_codes_subject", "recovery_codes")
    op.drop_table("recovery_codes")
    op.drop_table("totp_factors")
    op.drop_index("ix_operators_platform", "operators")
    op.drop_table("operators")
