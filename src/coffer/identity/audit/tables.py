"""Tables of the audit log: its entries, and its head (next sequence number, last hash)."""

from __future__ import annotations

import sqlalchemy as sa

from coffer.db import columns as col

metadata = sa.MetaData()

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),  # 1, 2, ... gapless
    col.created_at_column(),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("target", sa.String(200), nullable=True),
    sa.Column("address", sa.String(64), nullable=True),  # where the request came from
    col.text_column("details"),  # canonical JSON object
    # SHA-256 over the previous entry's hash and this entry's canonical encoding.
    sa.Column("hash", sa.LargeBinary(32), nullable=False),
    sa.Index("ix_audit_log_action", "action", "seq"),
    sa.Index("ix_audit_log_actor", "actor", "seq"),
    sa.Index("ix_audit_log_created_at", "created_at"),
    sa.Index("ix_audit_log_target", "target", "seq"),  # migration 0023
)

audit_head = sa.Table(
    "audit_head",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),  # always 1
    sa.Column("next_seq", sa.BigInteger, nullable=False),
    sa.Column("head_hash", sa.LargeBinary(32), nullable=False),
)
