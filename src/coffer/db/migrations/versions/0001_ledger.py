"""The ledger: ledgers, transactions, postings, accounts, balances, holds, journal, checkpoints.

Revision ID: 0001_ledger
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from coffer.db.migrations.shapes import amount_column, time_column, where_set

revision = "0001_ledger"
down_revision = None
branch_labels = None
depends_on = None

# The ledger tables as this revision created them (a frozen copy of what
# ``coffer.ledger.tables`` defined then; later changes are later revisions).

metadata = sa.MetaData()


def _unique_where_set(name: str, column: str) -> sa.Index:
    """Unique per ledger where set: rows without a value cost the index nothing."""
    return sa.Index(name, "ledger_id", column, unique=True, **where_set(column))


# Tables with composite primary keys are WITHOUT ROWID on SQLite: one b-tree, not two.

ledgers = sa.Table(
    "ledgers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(63), nullable=False, unique=True),
    time_column("created_at"),
    sa.Column("metadata", sa.Text, nullable=False, server_default="{}"),
    sa.Column("bucket", sa.String(63), nullable=False, server_default="_default"),
    sa.Column("features", sa.Text, nullable=False, server_default="{}"),
    # Head of the journal: the next sequence number and the hash of the last entry.
    sa.Column("next_seq", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("head_hash", sa.LargeBinary, nullable=False),
    sa.Column("next_tx_id", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("next_hold_id", sa.BigInteger, nullable=False, server_default="0"),
)

transactions = sa.Table(
    "transactions",
    metadata,
    sa.Column("ledger_id", sa.Integer, primary_key=True),
    sa.Column("id", sa.BigInteger, primary_key=True),
    sa.Column("seq", sa.BigInteger, nullable=False),
    time_column("timestamp"),
    time_column("inserted_at"),
    sa.Column("reference", sa.Text),
    sa.Column("metadata", sa.Text, nullable=False),
    sa.Column("reverts_id", sa.BigInteger),
    sa.Column("hold_id", sa.BigInteger),
    _unique_where_set("transactions_reference", "reference"),
    _unique_where_set("transactions_reverts", "reverts_id"),
    sqlite_with_rowid=False,
)

postings = sa.Table(
    "postings",
    metadata,
    sa.Column("ledger_id", sa.Integer, primary_key=True),
    sa.Column("tx_id", sa.BigInteger, primary_key=True),
    sa.Column("idx", sa.Integer, primary_key=True),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("destination", sa.Text, nullable=False),
    amount_column(),
    sa.Column("asset", sa.Text, nullable=False),
    time_column("timestamp"),
    # Slim indexes: each extra key column costs every insert; per-account reads filter
    # asset and time after the lookup.
    sa.Index("postings_source", "ledger_id", "source"),
    sa.Index("postings_destination", "ledger_id", "destination"),
    sqlite_with_rowid=False,
)

accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("ledger_id", sa.Integer, primary_key=True),
    sa.Column("address", sa.Text, primary_key=True),
    sa.Column("metadata", sa.Text, nullable=False, server_default="{}"),
    sa.Column("first_usage", sa.BigInteger, nullable=False),
    time_column("inserted_at"),
    time_column("updated_at"),
    sqlite_with_rowid=False,
)

balances = sa.Table(
    "balances",
    metadata,
    sa.Column("ledger_id", sa.Integer, primary_key=True),
    sa.Column("account", sa.Text, primary_key=True),
    sa.Column("asset", sa.Text, primary_key=True),
    amount_column("input"),
    amount_column("output"),
    amount_column("pending_input"),
    amount_column("pending_output"),
    # How far below zero the account may go in this asset; NULL means unbounded.
    amount_column("overdraft", nullable=True),
    # Every batch rewrites its balances: free space in each page keeps those updates HOT
    # (no new index entries) on PostgreSQL.
    postgresql_with={"fillfactor": "50"},
    sqlite_with_rowid=False,
)

holds = sa.Table(
    "holds",
    metadata,
    sa.Column("ledger_id", sa.Integer, primary_key=True),
    sa.Column("id", sa.BigInteger, primary_key=True),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("postings", sa.Text, nullable=False),
    time_column("created_at"),
    sa.Column("expires_at", sa.BigInteger),
    sa.Column("reference", sa.Text),
    sa.Column("metadata", sa.Text, nullable=False),
    # pending | posted | voided | expired
    sa.Column("status", sa.String(16), nullable=False),
    _unique_where_set("holds_reference", "reference"),
    sa.Index(
        "holds_pending",
        "ledger_id",
        "expires_at",
        sqlite_where=sa.text("status = 'pending'"),
        postgresql_where=sa.text("status = 'pending'"),
    ),
)

journal = sa.Table(
    "journal",
    metadata,
    sa.Column("ledger_id", sa.Integer, primary_key=True),
    sa.Column("seq", sa.BigInteger, primary_key=True),
    sa.Column("kind", sa.SmallInteger, nullable=False),
    sa.Column("ref_id", sa.BigInteger),
    sa.Column("payload", sa.Text, nullable=False),
    time_column("created_at"),
    sa.Column("hash", sa.LargeBinary, nullable=False),
    sa.Column("idempotency_key", sa.Text),
    sa.Column("idempotency_hash", sa.LargeBinary),
    _unique_where_set("journal_idempotency", "idempotency_key"),
    sqlite_with_rowid=False,
)

checkpoints = sa.Table(
    "checkpoints",
    metadata,
    sa.Column("ledger_id", sa.Integer, primary_key=True),
    sa.Column("tree_size", sa.BigInteger, primary_key=True),
    sa.Column("root", sa.LargeBinary, nullable=False),
    sa.Column("frontier", sa.LargeBinary, nullable=False),
    time_column("created_at"),
    sa.Column("public_key", sa.LargeBinary, nullable=False),
    sa.Column("signature", sa.LargeBinary, nullable=False),
)


def upgrade() -> None:
    metadata.create_all(op.get_bind())


def downgrade() -> None:
    metadata.drop_all(op.get_bind())
