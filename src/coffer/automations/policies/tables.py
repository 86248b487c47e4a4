"""Tables of spending policies (migrations 0031_policies, 0038_policy_counters).

Times are microseconds since the epoch; rules are JSON TEXT; usage amounts are minor units
(BigInteger: a policy's amount limits stay below 2**63, checked at save time).
"""

from __future__ import annotations

import sqlalchemy as sa

from coffer.automations.tables import listed_table, owned_row
from coffer.db import columns as col

metadata = sa.MetaData()

spending_policies = listed_table(
    "spending_policies",
    metadata,
    col.ref_column("owner_customer_id", nullable=True),  # None: the platform's
    col.ref_column("wallet_id", nullable=True),  # one wallet, or
    col.ref_column("customer_id", nullable=True),  # every wallet of a customer
    sa.Column("name", sa.String(200), nullable=False),
    col.status_column(),  # active | disabled
    col.code_column("mode"),  # enforce | monitor
    sa.Column("version", sa.Integer, nullable=False),
    col.text_column("rules"),  # JSON: the current version's rules
    sa.Index("ix_spending_policies_wallet", "wallet_id", "status"),
    sa.Index("ix_spending_policies_customer", "customer_id", "status"),
)

spending_policy_versions = col.versions_table(
    "spending_policy_versions",
    metadata,
    "policy_id",
    col.code_column("mode"),
    col.text_column("rules"),
)

# one row per policy and calendar window: what was spent in it, and the headroom processes
# reserved ahead to count movements in memory (used + reserved never passes an enforced
# limit: the row, read locked, is the arbiter between processes; migration 0038)
spending_policy_usage = sa.Table(
    "spending_policy_usage",
    metadata,
    col.ref_column("policy_id", primary_key=True),
    sa.Column("window", sa.String(8), primary_key=True),  # day | week | month
    sa.Column("window_start", sa.String(10), primary_key=True),  # local date, YYYY-MM-DD
    col.ref_column("platform_id"),
    sa.Column("amount_used", sa.BigInteger, nullable=False),
    sa.Column("count_used", sa.Integer, nullable=False),
    col.time_column("updated_at"),
    sa.Column("amount_reserved", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("count_reserved", sa.Integer, nullable=False, server_default="0"),
)

# one row (id 1): bumped with every change of a policy, polled by each process to drop
# the active policies it caches (migration 0038)
spending_policy_epochs = sa.Table(
    "spending_policy_epochs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("epoch", sa.BigInteger, nullable=False),
)

spending_policy_decisions = sa.Table(
    "spending_policy_decisions",
    metadata,
    *owned_row(),
    col.ref_column("policy_id"),
    sa.Column("policy_version", sa.Integer, nullable=False),
    col.code_column("mode"),
    col.code_column("outcome"),  # refused | would_refuse
    sa.Column("rule", sa.String(40), nullable=False),  # per_transaction, daily_amount, ...
    col.text_column("message"),
    col.code_column("movement_kind"),
    col.ref_column("movement_id"),
    col.ref_column("wallet_id"),
    sa.Column("amount", sa.BigInteger, nullable=False),
    col.currency_column(),
    col.created_at_column(),
    sa.Index("ix_spending_policy_decisions_policy", "policy_id", "id"),
)
