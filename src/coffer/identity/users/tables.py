"""Tables of the customers' users (the wallet app's people), their saved beneficiaries and
their notifications. Sign-in factors (TOTP, recovery codes, passkeys) live in the shared
factor tables of :mod:`coffer.identity.factors` (subject ``usr_...``), sessions (a user's
devices) in the web sessions table (realm ``app``).

Times are microseconds since the epoch (UTC). Every row belongs to a platform.
"""

from __future__ import annotations

import sqlalchemy as sa

from coffer.db import columns as col
from coffer.identity.columns import owned_id_columns, user_row_columns

metadata = sa.MetaData()

users = sa.Table(
    "app_users",
    metadata,
    *owned_id_columns(),  # usr_...
    # the Coffer customer (wallets domain) whose money the user moves: one user per customer
    sa.Column("customer_id", sa.String(40), nullable=False, unique=True),
    # SHA-256 of the normalized email (trimmed, lower case): sign-in looks the user up by
    # it, and the email itself is kept only in the customer row (encrypted there)
    sa.Column("email_digest", sa.String(64), nullable=False),
    col.text_column("password_hash"),
    sa.Column("locale", sa.String(8), nullable=False),  # en | zh
    col.status_column(),  # active | disabled
    *col.timestamps(),
    sa.UniqueConstraint("platform_id", "email_digest", name="uq_app_users_email"),
)

beneficiaries = sa.Table(
    "app_beneficiaries",
    metadata,
    *user_row_columns(),  # ben_...
    sa.Column("kind", sa.String(16), nullable=False),  # customer | bank_account
    sa.Column("name", sa.String(140), nullable=False),  # the user's label for it
    # kind customer: the other customer (money goes to their wallet in the currency sent)
    col.ref_column("customer_id", nullable=True),
    # kind bank_account: the wallets domain's bank account (IBAN kept encrypted there)
    col.ref_column("bank_account_id", nullable=True),
    col.created_at_column(),
    col.time_column("deleted_at", nullable=True),
    sa.Index("ix_app_beneficiaries_user", "platform_id", "user_id", "created_at"),
)

notifications = sa.Table(
    "app_notifications",
    metadata,
    *user_row_columns(),  # ntf_...
    sa.Column("kind", sa.String(40), nullable=False),  # money_received, top_up_succeeded, ...
    col.text_column("params"),  # JSON object: amounts, names (no secrets)
    col.created_at_column(),
    col.time_column("read_at", nullable=True),
    sa.Index("ix_app_notifications_user", "platform_id", "user_id", "created_at"),
)
