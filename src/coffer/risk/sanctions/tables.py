"""Tables of sanctions screening: the lists loaded and their entries.

Times are microseconds since the epoch (UTC), like the ledger's. An entry's names, birth
dates and countries are one JSON document (``data``): they are only ever read whole, to
build the in-memory index the matcher screens against.
"""

from __future__ import annotations

import sqlalchemy as sa

from coffer.db import columns as col

metadata = sa.MetaData()


def _list_key() -> sa.Column[str]:
    """``list``: the sanctions list (UN | OFAC | EU) a row is of, first in its key."""
    return sa.Column("list", sa.String(16), primary_key=True)


sanction_lists = sa.Table(
    "risk_sanction_lists",
    metadata,
    _list_key(),
    sa.Column("version", sa.String(100), nullable=False),
    col.code_column("format"),
    col.text_column("source"),
    sa.Column("checksum", sa.String(64), nullable=False),
    sa.Column("entry_count", sa.Integer, nullable=False),
    col.time_column("loaded_at"),
)

sanction_entries = sa.Table(
    "risk_sanction_entries",
    metadata,
    _list_key(),
    sa.Column("entry_id", sa.String(64), primary_key=True),
    col.code_column("kind"),  # natural | legal | other
    col.text_column("name"),
    col.text_column("data"),
)
