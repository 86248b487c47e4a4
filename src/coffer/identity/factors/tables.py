"""Tables of the sign-in factors shared by operators and customers' users.

A factor belongs to a *subject*: the id of an operator (``op_...``) or of a user
(``usr_...``), unique across both, with the platform the subject belongs to.
"""

from __future__ import annotations

import sqlalchemy as sa

from coffer.db import columns as col
from coffer.identity.columns import subject_columns, subject_index
from coffer.platforms.sealed import SealedColumn, register

metadata = sa.MetaData()

totp_factors = sa.Table(
    "totp_factors",
    metadata,
    *subject_columns(primary_key=True),
    # the base32 secret sealed by the master key (``<key id>:<base64>``, context
    # SECRET_CONTEXT); a row from before 0034 holds it in clear until its next use
    col.text_column("secret"),
    col.time_column("confirmed_at", nullable=True),  # null: enrolment not finished
    sa.Column("last_step", sa.BigInteger, nullable=False, server_default="0"),  # no replay
    col.created_at_column(),
)

SECRET_CONTEXT = "totp.secret"
TOTP_SECRET = register(
    SealedColumn(totp_factors, "subject", "secret", SECRET_CONTEXT, legacy_plaintext=True)
)

recovery_codes = sa.Table(
    "recovery_codes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    *subject_columns(),
    sa.Column("code_hash", sa.LargeBinary(32), nullable=False),  # SHA-256 of the code
    col.time_column("used_at", nullable=True),
    col.created_at_column(),
    subject_index("recovery_codes"),
)

passkeys = sa.Table(
    "passkeys",
    metadata,
    col.id_column(),  # pk_...
    *subject_columns(),
    sa.Column("credential_id", sa.LargeBinary(1024), nullable=False, unique=True),
    sa.Column("public_key", sa.LargeBinary(2048), nullable=False),  # COSE key
    sa.Column("sign_count", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("transports", sa.String(200), nullable=False, server_default=""),
    sa.Column("name", sa.String(100), nullable=False),
    col.created_at_column(),
    col.time_column("last_used_at", nullable=True),
    subject_index("passkeys"),
)

sign_in_throttle = sa.Table(
    "sign_in_throttle",
    metadata,
    sa.Column("key", sa.String(300), primary_key=True),  # "account:<realm>:<name>", "address:..."
    sa.Column("failures", sa.Integer, nullable=False),
    col.time_column("window_started_at"),
    sa.Column("locked_until", sa.BigInteger, nullable=False, server_default="0"),
)
