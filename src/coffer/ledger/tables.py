"""Table definitions of the ledger (SQLAlchemy Core).

Times are integer microseconds since the Unix epoch (UTC). Amounts are exact integers.
Rows of ``transactions``, ``postings`` and ``journal`` are never updated or deleted by
Coffer; mutable state (balances, current metadata, hold status) is checked against a
replay of the journal by ``verify``.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from coffer.db.types import Amount

metadata = sa.MetaData()


def _unique_where_set(name: str, column: str) -> sa.Index:
    """Unique per ledger where set: rows without a value cost the index nothing."""
    condition = sa.text(f"{column} IS NOT NULL")
    return sa.Index(
        name, "ledger_id", column, unique=True, sqlite_where=condition, postgresql_where=condition
    )


# Tables with composite primary keys are WITHOUT ROWID on SQLite: one b-tree, not two.

ledgers = sa.Table(
    "ledgers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(63), nullable=False, unique=True),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("metadata", sa.Text, nullable=False, server_default="{}"),
    sa.Column("bucket", sa.String(63), nullable=False, server_default="_default"),
    sa.Column("features", sa.Text, nullable=False, server_default="{}"),
    # Head of the journal: the next sequence number and the hash of the last entry.
    sa.Column("next_seq", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("head_hash", sa.LargeBinary, nullable=False),
    sa.Column("next_tx_id", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("next_hold_id", sa.BigInteger, nullable=False, server_default="0"),
    # Balance rows include the postings of transactions before this id; those from it on
    # are added by the next flush or catch-up (rows written once in a while under load).
    sa.Column("balances_tx", sa.BigInteger, nullable=False, server_default="0"),
    # ``posting_lists`` hold the postings of transactions before this id; readers scan
    # the postings from it on (see ``coffer.ledger.store.WriteStore.list_postings``).
    sa.Column("listed_tx", sa.BigInteger, nullable=False, server_default="0"),
    # The tenant the ledger belongs to (the ledger itself never reads it: the API does).
    sa.Column("platform_id", sa.String(40), nullable=False, server_default="plat_default"),
    # Written by Coffer's own domains (wallets, fx, ...): the public API refuses writes.
    sa.Column("system", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Index("ix_ledgers_platform", "platform_id", "name"),
)

transactions = sa.Table(
    "transactions",
    metadata,
    sa.Column("ledger_id", sa.Integer, primary_key=True),
    sa.Column("id", sa.BigInteger, primary_key=True),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("timestamp", sa.BigInteger, nullable=False),
    sa.Column("inserted_at", sa.BigInteger, nullable=False),
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
    sa.Column("amount", Amount, nullable=False),
    sa.Column("asset", sa.Text, nullable=False),
    sa.Column("timestamp", sa.BigInteger, nullable=False),
    # No index by account: an index entry per account at a random place of a b-tree, for
    # every posting, was most of a batch's write (see posting_lists).
    sqlite_with_rowid=False,
)

# Which transactions each account took part in, per window of transactions: the ids of
# those where it is a source, and of those where it is a destination. Written in bulk,
# every so many transactions, from the postings (WriteStore.list_postings), so that a
# batch's postings cost no index entries; readers add the postings from
# ``ledgers.listed_tx`` on, which they find by transaction id.
_TX_IDS = sa.Text().with_variant(postgresql.ARRAY(sa.BigInteger), "postgresql")
_ACCOUNT = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")
posting_lists = sa.Table(
    "posting_lists",
    metadata,
    sa.Column("ledger_id", sa.Integer, primary_key=True),
    # compared byte by byte on PostgreSQL (COLLATE "C"): cheaper than the locale's order
    sa.Column("account", _ACCOUNT, primary_key=True),
    # the first transaction id of the window
    sa.Column("first_tx", sa.BigInteger, primary_key=True),
    # SQLite: JSON arrays; PostgreSQL: bigint[]
    sa.Column("sources", _TX_IDS, nullable=False),
    sa.Column("destinations", _TX_IDS, nullable=False),
    # SQLite keys the rows by window first, (ledger_id, first_tx, account), so that a
    # listing appends its rows (migration 0012; see store.account_tx_ids).
    sqlite_with_rowid=False,
)

accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("ledger_id", sa.Integer, primary_key=True),
    sa.Column("address", sa.Text, primary_key=True),
    sa.Column("metadata", sa.Text, nullable=False, server_default="{}"),
    sa.Column("first_usage", sa.BigInteger, nullable=False),
    sa.Column("inserted_at", sa.BigInteger, nullable=False),
    sa.Column("updated_at", sa.BigInteger, nullable=False),
    sqlite_with_rowid=False,
)

balances = sa.Table(
    "balances",
    metadata,
    sa.Column("ledger_id", sa.Integer, primary_key=True),
    sa.Column("account", sa.Text, primary_key=True),
    sa.Column("asset", sa.Text, primary_key=True),
    sa.Column("input", Amount, nullable=False),
    sa.Column("output", Amount, nullable=False),
    sa.Column("pending_input", Amount, nullable=False),
    sa.Column("pending_output", Amount, nullable=False),
    # How far below zero the account may go in this asset; NULL means unbounded.
    sa.Column("overdraft", Amount, nullable=True),
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
    sa.Column("created_at", sa.BigInteger, nullable=False),
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
    sa.Column("created_at", sa.BigInteger, nullable=False),
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
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("public_key", sa.LargeBinary, nullable=False),
    sa.Column("signature", sa.LargeBinary, nullable=False),
)
