"""Ledger: postings lose their indexes by source and by destination; ``posting_lists``
take their place, written in bulk every so many transactions, and ``ledgers.listed_tx``
marks how far they go (see ``coffer.ledger.store.WriteStore.list_postings``). Existing
postings are listed here.

Revision ID: 0011_ledger_posting_lists
Revises: 0010_ledger_balances_tx
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0011_ledger_posting_lists"
down_revision = "0010_ledger_balances_tx"
branch_labels = None
depends_on = None

# Frozen copies of what the upgrade needs (later code may change).
_TX_IDS = sa.Text().with_variant(postgresql.ARRAY(sa.BigInteger), "postgresql")
_ACCOUNT = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")
_ENTRIES = (
    "SELECT DISTINCT source{collate} AS account, tx_id, 0 AS side FROM postings"
    " WHERE ledger_id = {lid} UNION ALL"
    " SELECT DISTINCT destination{collate}, tx_id, 1 FROM postings WHERE ledger_id = {lid}"
)


def upgrade() -> None:
    op.add_column(
        "ledgers",
        sa.Column("listed_tx", sa.BigInteger, nullable=False, server_default="0"),
    )
    op.create_table(
        "posting_lists",
        sa.Column("ledger_id", sa.Integer, primary_key=True),
        sa.Column("account", _ACCOUNT, primary_key=True),
        sa.Column("first_tx", sa.BigInteger, primary_key=True),
        sa.Column("sources", _TX_IDS, nullable=False),
        sa.Column("destinations", _TX_IDS, nullable=False),
        sqlite_with_rowid=False,
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        group = "coalesce(array_agg(tx_id) FILTER (WHERE side = {side}), '{{}}')"
        collate = ' COLLATE "C"'
    else:
        group = "json_group_array(tx_id) FILTER (WHERE side = {side})"
        collate = ""
    for (lid,) in bind.execute(sa.text("SELECT id FROM ledgers")).fetchall():
        op.execute(
            f"INSERT INTO posting_lists (ledger_id, account, first_tx, sources, destinations)"
            f" SELECT {int(lid)}, account, 0, {group.format(side=0)}, {group.format(side=1)}"
            f" FROM ({_ENTRIES.format(lid=int(lid), collate=collate)}) AS e GROUP BY account"
        )
    op.execute("UPDATE ledgers SET listed_tx = next_tx_id")
    op.drop_index("postings_source", table_name="postings")
    op.drop_index("postings_destination", table_name="postings")


def downgrade() -> None:
    op.create_index("postings_source", "postings", ["ledger_id", "source"])
    op.create_index("postings_destination", "postings", ["ledger_id", "destination"])
    op.drop_table("posting_lists")
    with op.batch_alter_table("ledgers") as batch:
        batch.drop_column("listed_tx")
