"""Ledger: balance rows may lag the journal under load. ``ledgers.balances_tx`` is the id
of the first transaction whose postings the balance rows do not include yet; the rows are
current when it equals ``next_tx_id`` (see ``coffer.ledger.store.WriteStore.catch_up``).

Revision ID: 0010_ledger_balances_tx
Revises: 0009_wallets_payin_client_secret
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_ledger_balances_tx"
down_revision = "0009_wallets_payin_client_secret"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "ledgers",
        sa.Column("balances_tx", sa.BigInteger, nullable=False, server_default="0"),
    )
    # Every batch written before this migration wrote its balances: the rows are current.
    op.execute("UPDATE ledgers SET balances_tx = next_tx_id")


def downgrade() -> None:
    with op.batch_alter_table("ledgers") as batch:
        batch.drop_column("balances_tx")
