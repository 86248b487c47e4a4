"""Ledger, SQLite: ``posting_lists`` keyed by window first, ``(ledger_id, first_tx,
account)``.

Keyed by account first, each listing inserted one row per account between the rows of the
windows before it, which dirtied nearly every page of the table, and SQLite writes each
dirtied page whole at commit: a listing's write grew with the table (8 ms after 20,000
transactions, 54 ms after 400,000), holding the write lock meanwhile. Keyed by window
first, a listing appends its rows at the end of the table. Readers find an account's rows
by one key look-up per window (``coffer.ledger.store.account_tx_ids``). PostgreSQL keeps
its key.

Revision ID: 0012_ledger_lists_by_window
Revises: 0011_ledger_posting_lists
"""

from __future__ import annotations

from alembic import op

revision = "0012_ledger_lists_by_window"
down_revision = "0011_ledger_posting_lists"
branch_labels = None
depends_on = None


def _key(order: str) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    # SQLite cannot change a WITHOUT ROWID table's key: the table is copied.
    op.execute(
        "CREATE TABLE posting_lists_rekeyed (ledger_id INTEGER NOT NULL, account TEXT NOT NULL,"
        " first_tx BIGINT NOT NULL, sources TEXT NOT NULL, destinations TEXT NOT NULL,"
        f" PRIMARY KEY ({order})) WITHOUT ROWID"
    )
    op.execute(
        "INSERT INTO posting_lists_rekeyed (ledger_id, account, first_tx, sources, destinations)"
        " SELECT ledger_id, account, first_tx, sources, destinations FROM posting_lists"
        f" ORDER BY {order}"
    )
    op.execute("DROP TABLE posting_lists")
    op.execute("ALTER TABLE posting_lists_rekeyed RENAME TO posting_lists")


def upgrade() -> None:
    _key("ledger_id, first_tx, account")


def downgrade() -> None:
    _key("ledger_id, account, first_tx")
