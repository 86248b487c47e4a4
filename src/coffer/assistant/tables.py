"""Tables of the assistant domain: the customer's category corrections and rules, budgets,
goals and their contributions, and imported external accounts and their transactions
(deduplicated on re-import by a key unique per account). Times are microseconds since the
epoch (UTC); calendar dates are ISO ``YYYY-MM-DD`` strings."""

from __future__ import annotations

import sqlalchemy as sa

from coffer.db import columns as col

metadata = sa.MetaData()


def _customer() -> sa.Column[str]:
    """The customer a row belongs to, indexed: a customer's rows are listed together."""
    return sa.Column("customer_id", sa.String(40), nullable=False, index=True)


def _customer_table(name: str, *items: sa.schema.SchemaItem) -> sa.Table:
    """A table of a customer's rows: ``platform_id``, ``id``, ``customer_id`` (indexed),
    the columns of ``items``, then ``created_at``."""
    return col.owned_table(name, metadata, _customer(), *items, col.created_at_column())


def _day(name: str = "day", *, nullable: bool = False) -> sa.Column[str]:
    """A calendar date, ISO ``YYYY-MM-DD``."""
    return sa.Column(name, sa.String(10), nullable=nullable)


def _name() -> sa.Column[str]:
    return sa.Column("name", sa.String(200), nullable=False)


corrections = col.owned_table(
    "assistant_corrections",
    metadata,
    col.ref_column("customer_id"),
    sa.Column("transaction_id", sa.String(80), nullable=False),
    sa.Column("primary_category", sa.String(64), nullable=False),
    sa.Column("detailed_category", sa.String(96), nullable=True),
    sa.Column("merchant", sa.String(200), nullable=True),
    col.created_at_column(),
    sa.UniqueConstraint("customer_id", "transaction_id", name="uq_assistant_corrections_tx"),
)

rules = col.owned_table(
    "assistant_rules",
    metadata,
    _customer(),
    sa.Column("stage", sa.String(8), nullable=False),  # pre | default | post
    col.text_column("conditions"),  # JSON list
    col.text_column("actions"),  # JSON object
    col.created_at_column(),
    sa.Column("name", sa.String(200), nullable=False, server_default=""),
    sa.Column("match_all", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("position", sa.Integer, nullable=False, server_default="0"),
    col.time_column("updated_at", nullable=True),
)

budgets = _customer_table(
    "assistant_budgets",
    sa.Column("category", sa.String(96), nullable=False),
    *col.money_columns(),
    sa.Column("rollover", sa.Boolean, nullable=False),
    sa.Column("start_month", sa.String(10), nullable=False),
    sa.UniqueConstraint("customer_id", "category", name="uq_assistant_budgets_category"),
)

goals = _customer_table(
    "assistant_goals",
    _name(),
    *col.money_columns("target_amount"),
    _day("target_date", nullable=True),
    col.amount_column("saved_amount"),
)

goal_contributions = col.owned_table(
    "assistant_goal_contributions",
    metadata,
    sa.Column("goal_id", sa.String(40), nullable=False, index=True),
    _day(),
    col.amount_column(),
    col.created_at_column(),
)

external_accounts = _customer_table(
    "assistant_external_accounts",
    _name(),
    col.currency_column(),
    col.amount_column("balance", nullable=True),
    sa.UniqueConstraint("customer_id", "name", name="uq_assistant_external_accounts_name"),
)

alerts_sent = sa.Table(
    "assistant_alerts_sent",
    metadata,
    *col.customer_key(),
    sa.Column("alert_key", sa.String(64), primary_key=True),
    col.created_at_column(),
    sa.Column("kind", sa.String(32), nullable=True),
    col.text_column("body", nullable=True),  # JSON: the event's data
)

external_transactions = _customer_table(
    "assistant_external_transactions",
    col.ref_column("account_id"),
    _day(),
    *col.money_columns(),  # signed: negative for money out
    col.text_column("description"),
    sa.Column("counterparty", sa.String(200), nullable=True),
    sa.Column("dedup_key", sa.String(64), nullable=False),
    sa.UniqueConstraint("account_id", "dedup_key", name="uq_assistant_external_tx_dedup"),
)
