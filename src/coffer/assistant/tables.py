"""Tables of the assistant domain: the customer's category corrections and rules, budgets,
goals and their contributions, and imported external accounts and their transactions
(deduplicated on re-import by a key unique per account). Times are microseconds since the
epoch (UTC); calendar dates are ISO ``YYYY-MM-DD`` strings."""

from __future__ import annotations

import sqlalchemy as sa

from coffer.db.types import Amount
from coffer.platforms.tables import platform_column

metadata = sa.MetaData()

corrections = sa.Table(
    "assistant_corrections",
    metadata,
    platform_column(),
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("customer_id", sa.String(40), nullable=False),
    sa.Column("transaction_id", sa.String(80), nullable=False),
    sa.Column("primary_category", sa.String(64), nullable=False),
    sa.Column("detailed_category", sa.String(96), nullable=True),
    sa.Column("merchant", sa.String(200), nullable=True),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.UniqueConstraint("customer_id", "transaction_id", name="uq_assistant_corrections_tx"),
)

rules = sa.Table(
    "assistant_rules",
    metadata,
    platform_column(),
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("customer_id", sa.String(40), nullable=False, index=True),
    sa.Column("stage", sa.String(8), nullable=False),  # pre | default | post
    sa.Column("conditions", sa.Text, nullable=False),  # JSON list
    sa.Column("actions", sa.Text, nullable=False),  # JSON object
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("name", sa.String(200), nullable=False, server_default=""),
    sa.Column("match_all", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("position", sa.Integer, nullable=False, server_default="0"),
    sa.Column("updated_at", sa.BigInteger, nullable=True),
)

budgets = sa.Table(
    "assistant_budgets",
    metadata,
    platform_column(),
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("customer_id", sa.String(40), nullable=False, index=True),
    sa.Column("category", sa.String(96), nullable=False),
    sa.Column("amount", Amount, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("rollover", sa.Boolean, nullable=False),
    sa.Column("start_month", sa.String(10), nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.UniqueConstraint("customer_id", "category", name="uq_assistant_budgets_category"),
)

goals = sa.Table(
    "assistant_goals",
    metadata,
    platform_column(),
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("customer_id", sa.String(40), nullable=False, index=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("target_amount", Amount, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("target_date", sa.String(10), nullable=True),
    sa.Column("saved_amount", Amount, nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
)

goal_contributions = sa.Table(
    "assistant_goal_contributions",
    metadata,
    platform_column(),
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("goal_id", sa.String(40), nullable=False, index=True),
    sa.Column("day", sa.String(10), nullable=False),
    sa.Column("amount", Amount, nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
)

external_accounts = sa.Table(
    "assistant_external_accounts",
    metadata,
    platform_column(),
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("customer_id", sa.String(40), nullable=False, index=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("balance", Amount, nullable=True),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.UniqueConstraint("customer_id", "name", name="uq_assistant_external_accounts_name"),
)

alerts_sent = sa.Table(
    "assistant_alerts_sent",
    metadata,
    platform_column(),
    sa.Column("customer_id", sa.String(40), primary_key=True),
    sa.Column("alert_key", sa.String(64), primary_key=True),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("kind", sa.String(32), nullable=True),
    sa.Column("body", sa.Text, nullable=True),  # JSON: the event's data
)

external_transactions = sa.Table(
    "assistant_external_transactions",
    metadata,
    platform_column(),
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("customer_id", sa.String(40), nullable=False, index=True),
    sa.Column("account_id", sa.String(40), nullable=False),
    sa.Column("day", sa.String(10), nullable=False),
    sa.Column("amount", Amount, nullable=False),  # signed: negative for money out
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("counterparty", sa.String(200), nullable=True),
    sa.Column("dedup_key", sa.String(64), nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.UniqueConstraint("account_id", "dedup_key", name="uq_assistant_external_tx_dedup"),
)
