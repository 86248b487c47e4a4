"""Tables of the HTTP API: OAuth2 clients (hashed secrets) and server secrets."""

from __future__ import annotations

import sqlalchemy as sa

from coffer.db import columns as col
from coffer.platforms.tables import platform_column

metadata = sa.MetaData()

api_clients = sa.Table(
    "api_clients",
    metadata,
    platform_column(),
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    # Argon2id hash of the client secret; the secret itself is never stored.
    col.text_column("secret_hash"),
    # Space-separated OAuth2 scopes the client may be granted.
    col.text_column("scopes"),
    col.created_at_column(),
    sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
    # Raised by every secret rotation: tokens carry it (claim "ver") and stop matching.
    sa.Column("secret_version", sa.Integer, nullable=False, server_default="1"),
    col.platform_index("api_clients", "created_at"),
)

# Only read, to move a secret stored by an older version into the key file (jwt_keys.py).
api_secrets = sa.Table(
    "api_secrets",
    metadata,
    col.name_key(64),
    col.text_column("value"),
    col.created_at_column(),
)
