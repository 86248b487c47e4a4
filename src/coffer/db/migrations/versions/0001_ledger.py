"""The ledger: ledgers, transactions, postings, accounts, balances, holds, journal, checkpoints.

Revision ID: 0001_ledger
Revises:
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.schema import SchemaItem

from coffer.db.migrations import shapes

revision = "0001_ledger"
down_revision = None
branch_labels = None
depends_on = None

# The ledger tables as this revision created them (a frozen copy of what
# ``coffer.ledger.tables`` defined then; later changes are later revisions).

metadata = sa.MetaData()


def _unique_where_set(name: str, column: str) -> sa.Index:
    """Unique per ledger where set: rows without a value cost the index nothing."""
    return sa.Index(name, "ledger_id", column, unique=True, **shapes.where_set(column))


def _per_ledger(name: str, *items: SchemaItem, rowid: bool = False, **options: Any) -> sa.Table:
    """A table whose primary key starts with ``ledger_id``; WITHOUT ROWID on SQLite (one
    b-tree, not two) unless ``rowid``."""
    return sa.Table(
        name,
        metadata,
        sa.Column("ledger_id", sa.Integer, primary_key=True),
        *items,
        sqlite_with_rowid=rowid,
        **options,
    )


ledgers = sa.Table(
    "ledgers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(63), nullable=False, unique=True),
    shapes.time_column("created_at"),
    sa.Column("metadata", sa.Text, nullable=False, server_default="{}"),
    sa.Column("bucket", sa.String(63), nullable=False, server_default="_default"),
    sa.Column("features", sa.Text, nullable=False, server_default="{}"),
    # Head of the journal: the next sequence number and the hash of the last entry.
    sa.Column("next_seq", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("head_hash", sa.LargeBinary, nullable=False),
    sa.Column("next_tx_id", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("next_hold_id", sa.BigInteger, nullable=False, server_default="0"),
)

transactions = _per_ledger(
    "transactions",
    sa.Column("id", sa.BigInteger, primary_key=True),
    sa.Column("seq", sa.BigInteger, nullable=False),
    shapes.time_column("timestamp"),
    shapes.time_column("inserted_at"),
    sa.Column("reference", sa.Text),
    shapes.metadata_column(),
    sa.Column("reverts_id", sa.BigInteger),
    sa.Column("hold_id", sa.BigInteger),
    _unique_where_set("transactions_reference", "reference"),
    _unique_where_set("transactions_reverts", "reverts_id"),
)

postings = _per_ledger(
    "postings",
    sa.Column("tx_id", sa.BigInteger, primary_key=True),
    sa.Column("idx", sa.Integer, primary_key=True),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("destination", sa.Text, nullable=False),
    shapes.amount_column(),
    sa.Column("asset", sa.Text, nullable=False),
    shapes.time_column("timestamp"),
    # Slim indexes: each extra key column costs every insert; per-account reads filter
    # asset and time after the lookup.
    sa.Index("postings_source", "ledger_id", "source"),
    sa.Index("postings_destination", "ledger_id", "destination"),
)

accounts = _per_ledger(
    "accounts",
    sa.Column("address", sa.Text, primary_key=True),
    sa.Column("metadata", sa.Text, nullable=False, server_default="{}"),
    sa.Column("first_usage", sa.BigInteger, nullable=False),
    shapes.time_column("inserted_at"),
    shapes.time_column("updated_at"),
)

balances = _per_ledger(
    "balances",
    sa.Column("account", sa.Text, primary_key=True),
    sa.Column("asset", sa.Text, primary_key=True),
    shapes.amount_column("input"),
    shapes.amount_column("output"),
    shapes.amount_column("pending_input"),
    shapes.amount_column("pending_output"),
    # How far below zero the account may go in this asset; NULL means unbounded.
    shapes.amount_column("overdraft", nullable=True),
    # Every batch rewrites its balances: free space in each page keeps those updates HOT
    # (no new index entries) on PostgreSQL.
    postgresql_with={"fillfactor": "50"},
)

holds = _per_ledger(
    "holds",
    sa.Column("id", sa.BigInteger, primary_key=True),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("postings", sa.Text, nullable=False),
    shapes.time_column("created_at"),
    sa.Column("expires_at", sa.BigInteger),
    sa.Column("reference", sa.Text),
    shapes.metadata_column(),
    # pending | posted | voided | expired
    shapes.status_column(),
    _unique_where_set("holds_reference", "reference"),
    sa.Index(
        "holds_pending",
        "ledger_id",
        "expires_at",
        sqlite_where=sa.text("status = 'pending'"),
        postgresql_where=sa.text("status = 'pending'"),
    ),
    rowid=True,
)

journal = _per_ledger(
    "journal",
    sa.Column("seq", sa.BigInteger, primary_key=True),
    sa.Column("kind", sa.SmallInteger, nullable=False),
    sa.Column("ref_id", sa.BigInteger),
    sa.Column("payload", sa.Text, nullable=False),
    shapes.time_column("created_at"),
    sa.Column("hash", sa.LargeBinary, nullable=False),
    sa.Column("idempotency_key", sa.Text),
    sa.Column("idempotency_hash", sa.LargeBinary),
    _unique_where_set("journal_idempotency", "idempotency_key"),
)

checkpoints = _per_ledger(
    "checkpoints",
    sa.Column("tree_size", sa.BigInteger, primary_key=True),
    sa.Column("root", sa.LargeBinary, nullable=False),
    sa.Column("frontier", sa.LargeBinary, nullable=False),
    shapes.time_column("created_at"),
    sa.Column("public_key", sa.LargeBinary, nullable=False),
    sa.Column("signature", sa.LargeBinary, nullable=False),
    rowid=True,
)

upgrade, downgrade = shapes.create_and_drop(metadata)
