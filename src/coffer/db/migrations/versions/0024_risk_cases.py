"""Schema of risk_cases: the online risk path's tables (decisions, rules and versions, block
and allow lists, cases and notes, screening hits, whitelist, feature state observations and
snapshots, the worker's cursors) and the wallets' reviews (movements held by a check).

Revision ID: 0024_risk_cases
Revises: 0023_web
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.schema import SchemaItem

from coffer.db.migrations import shapes

revision = "0024_risk_cases"
down_revision = "0023_web"
branch_labels = None
depends_on = None

# The tables as this revision creates them (a frozen copy, not the live definitions).
metadata = sa.MetaData()


def _owned(name: str, *items: SchemaItem) -> sa.Table:
    """A table whose rows have an ``id`` and belong to a platform."""
    return sa.Table(name, metadata, *shapes.id_and_platform(64), *items)


decisions = _owned(
    "risk_decisions",
    sa.Column("movement_type", sa.String(16), nullable=False),  # payin_card ... payout
    shapes.ref_column("movement_id"),
    shapes.ref_column("customer_id", nullable=True),
    shapes.amount_column(),
    shapes.currency_column(),
    sa.Column("outcome", sa.String(8), nullable=False),  # allow | review | block
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("reasons", sa.Text, nullable=False),  # JSON list of reason codes
    sa.Column("rules", sa.Text, nullable=False),  # JSON list of {rule, version, action, mode}
    sa.Column("model_version", sa.String(40), nullable=True),
    # open | approved | declined for reviews (expired ones say who decided); final otherwise
    sa.Column("review_status", sa.String(16), nullable=True),
    sa.Column("event", sa.Text, nullable=False),  # the risk event the decision was made on
    shapes.time_column("created_at"),
    sa.Index("ix_risk_decisions_platform", "platform_id", "created_at"),
    sa.Index("ix_risk_decisions_movement", "movement_type", "movement_id"),
)

rules = _owned(
    "risk_rules",  # one row per version
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("expression", sa.Text, nullable=False),  # CEL
    sa.Column("action", sa.String(8), nullable=False),  # block | review | allow
    sa.Column("mode", sa.String(8), nullable=False),  # enforce | monitor
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("description", sa.Text, nullable=True),
    shapes.actor_column("created_by"),
    shapes.time_column("created_at"),
    sa.UniqueConstraint("platform_id", "name", "version", name="uq_risk_rules_version"),
)

list_entries = _owned(
    "risk_list_entries",
    sa.Column("list", sa.String(8), nullable=False),  # block | allow
    sa.Column("kind", sa.String(16), nullable=False),  # iban | card | email | device | ...
    sa.Column("value", sa.String(255), nullable=False),  # normalized
    sa.Column("reason", sa.Text, nullable=True),
    shapes.actor_column("created_by"),
    shapes.time_column("created_at"),
    sa.UniqueConstraint("platform_id", "list", "kind", "value", name="uq_risk_list_entries"),
)

cases = _owned(
    "risk_cases",
    sa.Column("kind", sa.String(16), nullable=False),  # review | aml_alert | sanctions
    shapes.status_column(),  # open | in_progress | closed
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("typology", sa.String(32), nullable=True),
    sa.Column("customer_ids", sa.Text, nullable=False),  # JSON list
    sa.Column("transaction_ids", sa.Text, nullable=False),  # JSON list of movement ids
    shapes.ref_column("decision_id", nullable=True),  # the review's decision
    sa.Column("movement_type", sa.String(16), nullable=True),
    shapes.ref_column("movement_id", nullable=True),
    shapes.actor_column("assignee", nullable=True),
    shapes.time_column("due_at"),  # the SLA (a review's deadline)
    sa.Column("decision", sa.String(16), nullable=True),  # approve | decline | ...
    sa.Column("decision_reason", sa.Text, nullable=True),
    shapes.actor_column("decided_by", nullable=True),
    sa.Column("narrative", sa.Text, nullable=True),  # for a suspicious activity report
    *shapes.timestamps(),
    sa.Index("ix_risk_cases_queue", "platform_id", "status", "due_at"),
    sa.Index("ix_risk_cases_due", "status", "kind", "due_at"),
)

case_notes = _owned(
    "risk_case_notes",
    shapes.ref_column("case_id"),
    sa.Column("kind", sa.String(16), nullable=False),  # note | attachment
    shapes.actor_column("author"),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("reference", sa.Text, nullable=True),  # an attachment's URI (kept elsewhere)
    shapes.time_column("created_at"),
    sa.Index("ix_risk_case_notes_case", "case_id", "created_at"),
)

screening_hits = _owned(
    "risk_screening_hits",
    sa.Column("subject_type", sa.String(16), nullable=False),  # customer | beneficiary
    shapes.ref_column("subject_id"),
    sa.Column("name", sa.Text, nullable=False),  # the name screened
    sa.Column("list", sa.String(16), nullable=False),
    sa.Column("entry_id", sa.String(64), nullable=False),
    sa.Column("entry_name", sa.Text, nullable=False),
    sa.Column("score", sa.Float, nullable=False),
    shapes.status_column(),  # open | whitelisted | confirmed
    shapes.ref_column("case_id", nullable=True),
    shapes.time_column("created_at"),
    sa.Index("ix_risk_screening_hits_subject", "platform_id", "subject_id"),
)

whitelist = _owned(
    "risk_whitelist",
    shapes.ref_column("subject_id"),
    sa.Column("list", sa.String(16), nullable=False),
    sa.Column("entry_id", sa.String(64), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    shapes.actor_column("created_by"),
    shapes.time_column("created_at"),
    sa.UniqueConstraint("platform_id", "subject_id", "list", "entry_id", name="uq_risk_whitelist"),
)

# The feature state's inputs since the model folder's state: replayed at start (after the
# newest snapshot), so the online state survives restarts and is shared by processes.
observations = sa.Table(
    "risk_observations",
    metadata,
    sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    shapes.platform_column(64),
    sa.Column("event", sa.Text, nullable=False),  # a risk event (coffer.risk.events) as JSON
    shapes.time_column("created_at"),
)

snapshots = sa.Table(
    "risk_snapshots",
    metadata,
    sa.Column("name", sa.String(16), primary_key=True),  # features | aml
    sa.Column("seq", sa.BigInteger, nullable=False),  # last observation included
    sa.Column("position", sa.String(80), nullable=True),  # the aml task's outbox cursor
    sa.Column("model_version", sa.String(40), nullable=False),
    sa.Column("state", sa.LargeBinary, nullable=False),  # pickled
    shapes.time_column("created_at"),
)

# Where the risk worker stopped reading the wallets outbox (one row per task).
cursors = sa.Table(
    "risk_cursors",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("position", sa.String(80), nullable=False),
    shapes.time_column("lease_until"),
)

reviews = _owned(
    "wallet_reviews",
    sa.Column("movement_type", sa.String(16), nullable=False),  # payin_card ... payout
    shapes.ref_column("movement_id"),
    sa.Column("check_name", sa.String(32), nullable=False),
    shapes.ref_column("decision_id", nullable=True),
    shapes.status_column(),  # open | approved | declined
    sa.Column("hold_id", sa.BigInteger, nullable=True),  # set once the hold is placed
    *shapes.timestamps(),
    sa.UniqueConstraint("movement_type", "movement_id", name="uq_wallet_reviews_movement"),
)

upgrade, downgrade = shapes.create_and_drop(metadata)
