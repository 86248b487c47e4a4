"""The ledger: ledgers, transactions, postings, accounts, balances, holds, journal, checkpoints.

Revision ID: 0001_ledger
Revises:
"""

from __future__ import annotations

from alembic import op

from coffer.ledger import tables

revision = "0001_ledger"
down_revision = None
branch_labels = None
depends_on = None

# Baseline revision: it creates the ledger tables as ``coffer.ledger.tables`` defines them.
# Any later change to those tables goes into a new revision (and this one must then be
# frozen into explicit ``op.create_table`` calls first).


def upgrade() -> None:
    tables.metadata.create_all(op.get_bind())


def downgrade() -> None:
    tables.metadata.drop_all(op.get_bind())
