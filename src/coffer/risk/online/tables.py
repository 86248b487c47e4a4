"""Tables of the online risk path: decisions, rules and their versions, block and allow
lists, cases with their notes, screening hits, whitelisted matches, and the feature state's
observations and snapshots. Every row a platform owns carries ``platform_id``. Times are
microseconds since the epoch (UTC), like the ledger's; JSON columns hold canonical JSON.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from coffer.db import columns as col

metadata = sa.MetaData()


def _platform_id(*, primary_key: bool = False) -> sa.Column[str]:
    """The platform a row belongs to (risk rows carry it without a server default)."""
    if primary_key:
        return sa.Column("platform_id", sa.String(64), primary_key=True)
    return sa.Column("platform_id", sa.String(64), nullable=False)


def _owned(name: str, *items: sa.schema.SchemaItem) -> sa.Table:
    """A risk table whose rows a platform owns, each with a generated id: ``id``,
    ``platform_id``, then ``items``."""
    return sa.Table(name, metadata, col.id_column(), _platform_id(), *items)


def _model_id(name: str, *, nullable: bool = False) -> sa.Column[str]:
    """A trained model's id (the one decisions record)."""
    return sa.Column(name, sa.String(40), nullable=nullable)


def _outbox_position(*, nullable: bool = False) -> sa.Column[str]:
    """``position``: where a reader of the wallets outbox stopped."""
    return sa.Column("position", sa.String(80), nullable=nullable)


def _person(name: str, *, nullable: bool = False) -> sa.Column[str]:
    """Who did something: an operator's or an API client's name."""
    return sa.Column(name, sa.String(200), nullable=nullable)


def _authored() -> list[sa.Column[Any]]:
    """``created_by`` and ``created_at``: who wrote the row, and when."""
    return [_person("created_by"), col.created_at_column()]


decisions = _owned(
    "risk_decisions",
    col.code_column("movement_type"),  # payin_card ... payout
    col.ref_column("movement_id"),
    col.ref_column("customer_id", nullable=True),
    *col.money_columns(),
    col.code_column("outcome", 8),  # allow | review | block
    sa.Column("score", sa.Float, nullable=False),
    col.text_column("reasons"),  # JSON list of reason codes
    col.text_column("rules"),  # JSON list of {rule, version, action, mode}
    _model_id("model_version", nullable=True),
    # open | approved | declined for reviews (expired ones say who decided); final otherwise
    col.code_column("review_status", nullable=True),
    col.text_column("event"),  # the risk event the decision was made on
    col.created_at_column(),
    col.platform_index("risk_decisions", "created_at"),
    sa.Index("ix_risk_decisions_movement", "movement_type", "movement_id"),
    sa.Index("ix_risk_decisions_platform_id", "platform_id", "id"),  # pages, newest first
)

rules = _owned(
    "risk_rules",  # one row per version
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    col.text_column("expression"),  # CEL
    col.code_column("action", 8),  # block | review | allow
    col.code_column("mode", 8),  # enforce | monitor
    sa.Column("enabled", sa.Boolean, nullable=False),
    col.text_column("description", nullable=True),
    *_authored(),
    sa.UniqueConstraint("platform_id", "name", "version", name="uq_risk_rules_version"),
)

list_entries = _owned(
    "risk_list_entries",
    col.code_column("list", 8),  # block | allow
    col.code_column("kind"),  # iban | card | email | device | ...
    sa.Column("value", sa.String(255), nullable=False),  # normalized
    col.text_column("reason", nullable=True),
    *_authored(),
    sa.UniqueConstraint("platform_id", "list", "kind", "value", name="uq_risk_list_entries"),
)

cases = _owned(
    "risk_cases",
    col.code_column("kind"),  # review | aml_alert | sanctions
    col.status_column(),  # open | in_progress | closed
    col.text_column("title"),
    col.code_column("typology", 32, nullable=True),
    col.text_column("customer_ids"),  # JSON list
    col.text_column("transaction_ids"),  # JSON list of movement ids
    col.ref_column("decision_id", nullable=True),  # the review's decision
    col.code_column("movement_type", nullable=True),
    col.ref_column("movement_id", nullable=True),
    _person("assignee", nullable=True),
    col.time_column("due_at"),  # the SLA (a review's deadline)
    col.code_column("decision", nullable=True),  # approve | decline | ...
    col.text_column("decision_reason", nullable=True),
    _person("decided_by", nullable=True),
    col.text_column("narrative", nullable=True),  # for a suspicious activity report
    col.created_at_column(),
    col.time_column("updated_at"),
    sa.Index("ix_risk_cases_queue", "platform_id", "status", "due_at"),
    sa.Index("ix_risk_cases_due", "status", "kind", "due_at"),
    sa.Index("ix_risk_cases_platform_id", "platform_id", "id"),  # the queue, newest first
)

case_notes = _owned(
    "risk_case_notes",
    col.ref_column("case_id"),
    col.code_column("kind"),  # note | attachment
    _person("author"),
    col.text_column("body"),
    col.text_column("reference", nullable=True),  # an attachment's URI (kept elsewhere)
    col.created_at_column(),
    sa.Index("ix_risk_case_notes_case", "case_id", "created_at"),
)

screening_hits = _owned(
    "risk_screening_hits",
    col.code_column("subject_type"),  # customer | beneficiary
    col.ref_column("subject_id"),
    col.text_column("name"),  # the name screened
    col.code_column("list"),
    sa.Column("entry_id", sa.String(64), nullable=False),
    col.text_column("entry_name"),
    sa.Column("score", sa.Float, nullable=False),
    col.status_column(),  # open | whitelisted | confirmed
    col.ref_column("case_id", nullable=True),
    col.created_at_column(),
    sa.Index("ix_risk_screening_hits_subject", "platform_id", "subject_id"),
)

whitelist = _owned(
    "risk_whitelist",
    col.ref_column("subject_id"),
    col.code_column("list"),
    sa.Column("entry_id", sa.String(64), nullable=False),
    col.text_column("reason"),
    *_authored(),
    sa.UniqueConstraint("platform_id", "subject_id", "list", "entry_id", name="uq_risk_whitelist"),
)

# A 64-bit key numbered by the database: SQLite numbers only an INTEGER primary key (the
# rowid), so it is one there.
_SEQUENCE = sa.BigInteger().with_variant(sa.Integer, "sqlite")

# The feature state's inputs since the model folder's state: replayed at start (after the
# newest snapshot), so the online state survives restarts and is shared by processes.
observations = sa.Table(
    "risk_observations",
    metadata,
    sa.Column("seq", _SEQUENCE, primary_key=True),
    _platform_id(),
    col.text_column("event"),  # a risk event (coffer.risk.events) as JSON
    col.created_at_column(),
)

snapshots = sa.Table(
    "risk_snapshots",
    metadata,
    col.name_key(16),  # features | aml
    sa.Column("seq", sa.BigInteger, nullable=False),  # last observation included
    _outbox_position(nullable=True),  # the aml task's cursor
    _model_id("model_version"),
    sa.Column("state", sa.LargeBinary, nullable=False),  # pickled
    col.created_at_column(),
)

# Where the risk worker stopped reading the wallets outbox (one row per task).
cursors = sa.Table(
    "risk_cursors",
    metadata,
    col.name_key(64),
    _outbox_position(),
    col.time_column("lease_until"),
)

# A platform's risk settings (rows only for platforms that changed a default).
platform_settings = sa.Table(
    "risk_platform_settings",
    metadata,
    _platform_id(primary_key=True),
    col.code_column("review_expiry_policy"),  # approve|decline|escalate
    _person("updated_by"),
    col.time_column("updated_at"),
)

# Trained models registered for a platform (one row per version); at most one is active.
model_versions = _owned(
    "risk_model_versions",
    sa.Column("version", sa.Integer, nullable=False),  # 1, 2, ... per platform
    col.text_column("model_dir"),  # the folder `coffer risk train` wrote
    _model_id("model_id"),  # what decisions record
    sa.Column("window_start", sa.String(32), nullable=True),  # training data, ISO 8601 UTC
    sa.Column("window_end", sa.String(32), nullable=True),
    col.text_column("metrics"),  # JSON: metrics on held-out data
    col.text_column("feature_names"),  # JSON list
    sa.Column("active", sa.Boolean, nullable=False),
    col.time_column("activated_at", nullable=True),
    *_authored(),
    sa.UniqueConstraint("platform_id", "version", name="uq_risk_model_versions"),
)
