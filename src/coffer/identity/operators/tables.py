"""Table of the console's operators (a platform's staff)."""

from __future__ import annotations

import sqlalchemy as sa

from coffer.db import columns as col
from coffer.identity.columns import owned_id_columns

metadata = sa.MetaData()

operators = sa.Table(
    "operators",
    metadata,
    *owned_id_columns(),  # op_...
    sa.Column("email", sa.String(254), nullable=False, unique=True),  # lower case
    sa.Column("role", sa.String(16), nullable=False),  # admin | analyst | support | viewer
    sa.Column("password_hash", sa.String(200), nullable=False),  # Argon2id
    col.status_column(),  # active | disabled
    col.created_at_column(),
    col.time_column("last_sign_in_at", nullable=True),
    col.platform_index("operators"),
)
