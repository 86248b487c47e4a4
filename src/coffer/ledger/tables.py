"""Table definitions of the ledger (SQLAlchemy Core).

Times are integer microseconds since the Unix epoch (UTC). Amounts are exact integers.
Rows of ``transactions``, ``postings`` and ``journal`` are never updated or deleted by
Coffer; mutable state (balances, current metadata, hold status) is checked against a
replay of the journal by ``verify``.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from coffer.db.types import Amount

metadata = sa.MetaData()


def _where(condition: str) -> dict[str, Any]:
    """The options of a partial index over the rows where ``condition`` holds (both
    backends)."""
    clause = sa.text(condition)
    return {"sqlite_where": clause, "postgresql_where": clause}


def _unique_where_set(name: str, column: str) -> sa.Index:
    """Unique per ledger where set: rows without a value cost the index nothing."""
    return sa.Index(name, "ledger_id", column, unique=True, **_where(f"{column} IS NOT NULL"))


def _ledger_table(
    name: str, *items: sa.schema.SchemaItem, rowid: bool = False, **options: Any
) -> sa.Table:
    """A table of one ledger's rows: ``ledger_id`` leads its primary key, then ``items``.
    Its primary key is composite, so on SQLite it is WITHOUT ROWID (one b-tree, not two)
    unless ``rowid``."""
    return sa.Table(
        name,
        metadata,
        sa.Column("ledger_id", sa.Integer, primary_key=True),
        *items,
        sqlite_with_rowid=rowid,
        **options,
    )


def _key(name: str, type_: type[sa.types.TypeEngine[int]] = sa.BigInteger) -> sa.Column[int]:
    """A further column of the primary key (after ``ledger_id``)."""
    return sa.Column(name, type_, primary_key=True)


def _micros(name: str) -> sa.Column[int]:
    """A required time (microseconds since the epoch) or counter."""
    return sa.Column(name, sa.BigInteger, nullable=False)


def _ref(name: str) -> sa.Column[int]:
    """The id of another row of the ledger (a transaction, a hold), when there is one."""
    return sa.Column(name, sa.BigInteger, nullable=True)


def _text(name: str, *, nullable: bool = False) -> sa.Column[str]:
    """Text: an account address, an asset, a JSON document."""
    return sa.Column(name, sa.Text, nullable=nullable)


def _binary(name: str) -> sa.Column[bytes]:
    """A required hash, key or signature."""
    return sa.Column(name, sa.LargeBinary, nullable=False)


def _counter(name: str) -> sa.Column[int]:
    """A required counter or position, 0 until first moved."""
    return sa.Column(name, sa.BigInteger, nullable=False, server_default="0")


def _json_object(name: str) -> sa.Column[str]:
    """A required JSON object kept as text, empty (``{}``) unless written."""
    return sa.Column(name, sa.Text, nullable=False, server_default="{}")


def _amount(name: str) -> sa.Column[int]:
    """A required exact amount."""
    return sa.Column(name, Amount, nullable=False)


ledgers = sa.Table(
    "ledgers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(63), nullable=False, unique=True),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    _json_object("metadata"),
    sa.Column("bucket", sa.String(63), nullable=False, server_default="_default"),
    _json_object("features"),
    # Head of the journal: the next sequence number and the hash of the last entry.
    _counter("next_seq"),
    sa.Column("head_hash", sa.LargeBinary, nullable=False),
    _counter("next_tx_id"),
    _counter("next_hold_id"),
    # Balance rows include the postings of transactions before this id; those from it on
    # are added by the next flush or catch-up (rows written once in a while under load).
    _counter("balances_tx"),
    # ``posting_lists`` hold the postings of transactions before this id; readers scan
    # the postings from it on (see ``coffer.ledger.store.WriteStore.list_postings``).
    _counter("listed_tx"),
    # The tenant the ledger belongs to (the ledger itself never reads it: the API does).
    sa.Column("platform_id", sa.String(40), nullable=False, server_default="plat_default"),
    # Written by Coffer's own domains (wallets, fx, ...): the public API refuses writes.
    sa.Column("system", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Index("ix_ledgers_platform", "platform_id", "name"),
)

transactions = _ledger_table(
    "transactions",
    _key("id"),
    _micros("seq"),
    _micros("timestamp"),
    _micros("inserted_at"),
    _text("reference", nullable=True),
    _text("metadata"),
    _ref("reverts_id"),
    _ref("hold_id"),
    _unique_where_set("transactions_reference", "reference"),
    _unique_where_set("transactions_reverts", "reverts_id"),
)

postings = _ledger_table(
    "postings",
    _key("tx_id"),
    _key("idx", sa.Integer),
    _text("source"),
    _text("destination"),
    _amount("amount"),
    _text("asset"),
    _micros("timestamp"),
    # No index by account: an index entry per account at a random place of a b-tree, for
    # every posting, was most of a batch's write (see posting_lists).
)

# Which transactions each account took part in, per window of transactions: the ids of
# those where it is a source, and of those where it is a destination. Written in bulk,
# every so many transactions, from the postings (WriteStore.list_postings), so that a
# batch's postings cost no index entries; readers add the postings from
# ``ledgers.listed_tx`` on, which they find by transaction id.
_TX_IDS = sa.Text().with_variant(postgresql.ARRAY(sa.BigInteger), "postgresql")
_ACCOUNT = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")
posting_lists = _ledger_table(
    "posting_lists",
    # compared byte by byte on PostgreSQL (COLLATE "C"): cheaper than the locale's order
    sa.Column("account", _ACCOUNT, primary_key=True),
    # the first transaction id of the window
    _key("first_tx"),
    # SQLite: JSON arrays; PostgreSQL: bigint[]
    sa.Column("sources", _TX_IDS, nullable=False),
    sa.Column("destinations", _TX_IDS, nullable=False),
    # SQLite keys the rows by window first, (ledger_id, first_tx, account), so that a
    # listing appends its rows (migration 0012; see store.account_tx_ids).
)

accounts = _ledger_table(
    "accounts",
    sa.Column("address", sa.Text, primary_key=True),
    _json_object("metadata"),
    _micros("first_usage"),
    _micros("inserted_at"),
    _micros("updated_at"),
)

balances = _ledger_table(
    "balances",
    sa.Column("account", sa.Text, primary_key=True),
    sa.Column("asset", sa.Text, primary_key=True),
    _amount("input"),
    _amount("output"),
    _amount("pending_input"),
    _amount("pending_output"),
    # How far below zero the account may go in this asset; NULL means unbounded.
    sa.Column("overdraft", Amount, nullable=True),
    # Every batch rewrites its balances: free space in each page keeps those updates HOT
    # (no new index entries) on PostgreSQL.
    postgresql_with={"fillfactor": "50"},
)

holds = _ledger_table(
    "holds",
    _key("id"),
    _micros("seq"),
    _text("postings"),
    _micros("created_at"),
    sa.Column("expires_at", sa.BigInteger),
    _text("reference", nullable=True),
    _text("metadata"),
    # pending | posted | voided | expired
    sa.Column("status", sa.String(16), nullable=False),
    _unique_where_set("holds_reference", "reference"),
    sa.Index("holds_pending", "ledger_id", "expires_at", **_where("status = 'pending'")),
    rowid=True,
)

journal = _ledger_table(
    "journal",
    _key("seq"),
    sa.Column("kind", sa.SmallInteger, nullable=False),
    _ref("ref_id"),
    _text("payload"),
    _micros("created_at"),
    _binary("hash"),
    _text("idempotency_key", nullable=True),
    sa.Column("idempotency_hash", sa.LargeBinary),
    _unique_where_set("journal_idempotency", "idempotency_key"),
)

checkpoints = _ledger_table(
    "checkpoints",
    _key("tree_size"),
    _binary("root"),
    _binary("frontier"),
    _micros("created_at"),
    _binary("public_key"),
    _binary("signature"),
    rowid=True,
)
