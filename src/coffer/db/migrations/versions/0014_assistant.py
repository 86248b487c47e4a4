"""Tables of the assistant domain: corrections, rules, budgets, goals, imported accounts.

Revision ID: 0014_assistant
Revises: 0013_risk
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from coffer.db.migrations import shapes

revision = "0014_assistant"
down_revision = "0013_risk"
branch_labels = None
depends_on = None


def _create(
    name: str, owner: str, *items: sa.Column[Any] | sa.Constraint, index: bool = True
) -> None:
    """An assistant table: ``id``, the owner's id (``customer_id``...), the columns given,
    ``created_at``, then the constraints given."""
    first = [shapes.id_column(), shapes.ref_column(owner, index=index)]
    shapes.create_framed_table(name, first, items, [shapes.time_column("created_at")])


def upgrade() -> None:
    _create(
        "assistant_corrections",
        "customer_id",
        sa.Column("transaction_id", sa.String(80), nullable=False),
        sa.Column("primary_category", sa.String(64), nullable=False),
        sa.Column("detailed_category", sa.String(96), nullable=True),
        sa.Column("merchant", sa.String(200), nullable=True),
        sa.UniqueConstraint("customer_id", "transaction_id", name="uq_assistant_corrections_tx"),
        index=False,
    )
    _create(
        "assistant_rules",
        "customer_id",
        sa.Column("stage", sa.String(8), nullable=False),
        sa.Column("conditions", sa.Text, nullable=False),
        sa.Column("actions", sa.Text, nullable=False),
    )
    _create(
        "assistant_budgets",
        "customer_id",
        sa.Column("category", sa.String(96), nullable=False),
        shapes.amount_column(),
        shapes.currency_column(),
        sa.Column("rollover", sa.Boolean, nullable=False),
        sa.Column("start_month", sa.String(10), nullable=False),
        sa.UniqueConstraint("customer_id", "category", name="uq_assistant_budgets_category"),
    )
    _create(
        "assistant_goals",
        "customer_id",
        sa.Column("name", sa.String(200), nullable=False),
        shapes.amount_column("target_amount"),
        shapes.currency_column(),
        sa.Column("target_date", sa.String(10), nullable=True),
        shapes.amount_column("saved_amount"),
    )
    _create(
        "assistant_goal_contributions",
        "goal_id",
        sa.Column("day", sa.String(10), nullable=False),
        shapes.amount_column(),
    )
    _create(
        "assistant_external_accounts",
        "customer_id",
        sa.Column("name", sa.String(200), nullable=False),
        shapes.currency_column(),
        shapes.amount_column("balance", nullable=True),
        sa.UniqueConstraint("customer_id", "name", name="uq_assistant_external_accounts_name"),
    )
    op.create_table(
        "assistant_alerts_sent",
        shapes.ref_column("customer_id"),
        sa.Column("alert_key", sa.String(64), nullable=False),
        shapes.time_column("created_at"),
        sa.PrimaryKeyConstraint("customer_id", "alert_key"),
    )
    _create(
        "assistant_external_transactions",
        "customer_id",
        shapes.ref_column("account_id"),
        sa.Column("day", sa.String(10), nullable=False),
        shapes.amount_column(),
        shapes.currency_column(),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("counterparty", sa.String(200), nullable=True),
        sa.Column("dedup_key", sa.String(64), nullable=False),
        sa.UniqueConstraint("account_id", "dedup_key", name="uq_assistant_external_tx_dedup"),
    )


def downgrade() -> None:
    for name in (
        "assistant_alerts_sent",
        "assistant_external_transactions",
        "assistant_external_accounts",
        "assistant_goal_contributions",
        "assistant_goals",
        "assistant_budgets",
        "assistant_rules",
        "assistant_corrections",
    ):
        op.drop_table(name)
