"""Tables of sanctions screening: the lists loaded and their entries.

Times are microseconds since the epoch (UTC), like the ledger's. An entry's names, birth
dates and countries are one JSON document (``data``): they are only ever read whole, to
build the in-memory index the matcher screens against.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

sanction_lists = sa.Table(
    "risk_sanction_lists",
    metadata,
    sa.Column("list", sa.String(16), primary_key=True),  # UN | OFAC | EU
    sa.Column("version", sa.String(100), nullable=False),
    sa.Column("format", sa.String(16), nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("checksum", sa.String(64), nullable=False),
    sa.Column("entry_count", sa.Integer, nullable=False),
    sa.Column("loaded_at", sa.BigInteger, nullable=False),
)

sanction_entries = sa.Table(
    "risk_sanction_entries",
    metadata,
    sa.Column("list", sa.String(16), primary_key=True),
    sa.Column("entry_id", sa.String(64), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),  # natural | legal | other
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("data", sa.Text, nullable=False),
)
