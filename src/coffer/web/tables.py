"""Table of the web pages' server-side sessions (console and wallet app)."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

web_sessions = sa.Table(
    "web_sessions",
    metadata,
    # SHA-256 of the cookie's token: the table alone does not let anyone use a session.
    sa.Column("token_hash", sa.LargeBinary(32), primary_key=True),
    sa.Column("public_id", sa.String(40), nullable=False, unique=True),  # ses_..., for lists
    sa.Column("realm", sa.String(16), nullable=False),  # console | app
    sa.Column("subject", sa.String(64), nullable=True),  # op_... / usr_...; null: anonymous
    sa.Column("platform_id", sa.String(64), nullable=True),
    sa.Column("stage", sa.String(16), nullable=False),  # anonymous | pending | full
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("data", sa.Text, nullable=False, server_default="{}"),  # small JSON state
    sa.Column("created_at", sa.BigInteger, nullable=False),  # microseconds since the epoch
    sa.Column("last_seen_at", sa.BigInteger, nullable=False),
    sa.Column("expires_at", sa.BigInteger, nullable=False),  # the absolute timeout
    sa.Column("second_factor_at", sa.BigInteger, nullable=True),  # last TOTP/passkey check
    sa.Column("revoked_at", sa.BigInteger, nullable=True),
    sa.Column("address", sa.String(64), nullable=True),
    sa.Column("user_agent", sa.String(200), nullable=True),
    sa.Index("ix_web_sessions_subject", "subject", "created_at"),
)
