"""Tables of the online risk path: decisions, rules and their versions, block and allow
lists, cases with their notes, screening hits, whitelisted matches, and the feature state's
observations and snapshots. Every row a platform owns carries ``platform_id``. Times are
microseconds since the epoch (UTC), like the ledger's; JSON columns hold canonical JSON.
"""

from __future__ import annotations

import sqlalchemy as sa

from coffer.db.types import Amount

metadata = sa.MetaData()

decisions = sa.Table(
    "risk_decisions",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("platform_id", sa.String(64), nullable=False),
    sa.Column("movement_type", sa.String(16), nullable=False),  # payin_card ... payout
    sa.Column("movement_id", sa.String(40), nullable=False),
    sa.Column("customer_id", sa.String(40), nullable=True),
    sa.Column("amount", Amount, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("outcome", sa.String(8), nullable=False),  # allow | review | block
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("reasons", sa.Text, nullable=False),  # JSON list of reason codes
    sa.Column("rules", sa.Text, nullable=False),  # JSON list of {rule, version, action, mode}
    sa.Column("model_version", sa.String(40), nullable=True),
    # open | approved | declined for reviews (expired ones say who decided); final otherwise
    sa.Column("review_status", sa.String(16), nullable=True),
    sa.Column("event", sa.Text, nullable=False),  # the risk event the decision was made on
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Index("ix_risk_decisions_platform", "platform_id", "created_at"),
    sa.Index("ix_risk_decisions_movement", "movement_type", "movement_id"),
    sa.Index("ix_risk_decisions_platform_id", "platform_id", "id"),  # pages, newest first
)

rules = sa.Table(
    "risk_rules",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),  # one row per version
    sa.Column("platform_id", sa.String(64), nullable=False),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("expression", sa.Text, nullable=False),  # CEL
    sa.Column("action", sa.String(8), nullable=False),  # block | review | allow
    sa.Column("mode", sa.String(8), nullable=False),  # enforce | monitor
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.UniqueConstraint("platform_id", "name", "version", name="uq_risk_rules_version"),
)

list_entries = sa.Table(
    "risk_list_entries",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("platform_id", sa.String(64), nullable=False),
    sa.Column("list", sa.String(8), nullable=False),  # block | allow
    sa.Column("kind", sa.String(16), nullable=False),  # iban | card | email | device | ...
    sa.Column("value", sa.String(255), nullable=False),  # normalized
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.UniqueConstraint("platform_id", "list", "kind", "value", name="uq_risk_list_entries"),
)

cases = sa.Table(
    "risk_cases",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("platform_id", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),  # review | aml_alert | sanctions
    sa.Column("status", sa.String(16), nullable=False),  # open | in_progress | closed
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("typology", sa.String(32), nullable=True),
    sa.Column("customer_ids", sa.Text, nullable=False),  # JSON list
    sa.Column("transaction_ids", sa.Text, nullable=False),  # JSON list of movement ids
    sa.Column("decision_id", sa.String(40), nullable=True),  # the review's decision
    sa.Column("movement_type", sa.String(16), nullable=True),
    sa.Column("movement_id", sa.String(40), nullable=True),
    sa.Column("assignee", sa.String(200), nullable=True),
    sa.Column("due_at", sa.BigInteger, nullable=False),  # the SLA (a review's deadline)
    sa.Column("decision", sa.String(16), nullable=True),  # approve | decline | ...
    sa.Column("decision_reason", sa.Text, nullable=True),
    sa.Column("decided_by", sa.String(200), nullable=True),
    sa.Column("narrative", sa.Text, nullable=True),  # for a suspicious activity report
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("updated_at", sa.BigInteger, nullable=False),
    sa.Index("ix_risk_cases_queue", "platform_id", "status", "due_at"),
    sa.Index("ix_risk_cases_due", "status", "kind", "due_at"),
    sa.Index("ix_risk_cases_platform_id", "platform_id", "id"),  # the queue, newest first
)

case_notes = sa.Table(
    "risk_case_notes",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("platform_id", sa.String(64), nullable=False),
    sa.Column("case_id", sa.String(40), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),  # note | attachment
    sa.Column("author", sa.String(200), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("reference", sa.Text, nullable=True),  # an attachment's URI (kept elsewhere)
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Index("ix_risk_case_notes_case", "case_id", "created_at"),
)

screening_hits = sa.Table(
    "risk_screening_hits",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("platform_id", sa.String(64), nullable=False),
    sa.Column("subject_type", sa.String(16), nullable=False),  # customer | beneficiary
    sa.Column("subject_id", sa.String(40), nullable=False),
    sa.Column("name", sa.Text, nullable=False),  # the name screened
    sa.Column("list", sa.String(16), nullable=False),
    sa.Column("entry_id", sa.String(64), nullable=False),
    sa.Column("entry_name", sa.Text, nullable=False),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # open | whitelisted | confirmed
    sa.Column("case_id", sa.String(40), nullable=True),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Index("ix_risk_screening_hits_subject", "platform_id", "subject_id"),
)

whitelist = sa.Table(
    "risk_whitelist",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("platform_id", sa.String(64), nullable=False),
    sa.Column("subject_id", sa.String(40), nullable=False),
    sa.Column("list", sa.String(16), nullable=False),
    sa.Column("entry_id", sa.String(64), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.UniqueConstraint("platform_id", "subject_id", "list", "entry_id", name="uq_risk_whitelist"),
)

# The feature state's inputs since the model folder's state: replayed at start (after the
# newest snapshot), so the online state survives restarts and is shared by processes.
observations = sa.Table(
    "risk_observations",
    metadata,
    sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("platform_id", sa.String(64), nullable=False),
    sa.Column("event", sa.Text, nullable=False),  # a risk event (coffer.risk.events) as JSON
    sa.Column("created_at", sa.BigInteger, nullable=False),
)

snapshots = sa.Table(
    "risk_snapshots",
    metadata,
    sa.Column("name", sa.String(16), primary_key=True),  # features | aml
    sa.Column("seq", sa.BigInteger, nullable=False),  # last observation included
    sa.Column("position", sa.String(80), nullable=True),  # the aml task's outbox cursor
    sa.Column("model_version", sa.String(40), nullable=False),
    sa.Column("state", sa.LargeBinary, nullable=False),  # pickled
    sa.Column("created_at", sa.BigInteger, nullable=False),
)

# Where the risk worker stopped reading the wallets outbox (one row per task).
cursors = sa.Table(
    "risk_cursors",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("position", sa.String(80), nullable=False),
    sa.Column("lease_until", sa.BigInteger, nullable=False),
)

# A platform's risk settings (rows only for platforms that changed a default).
platform_settings = sa.Table(
    "risk_platform_settings",
    metadata,
    sa.Column("platform_id", sa.String(64), primary_key=True),
    sa.Column("review_expiry_policy", sa.String(16), nullable=False),  # approve|decline|escalate
    sa.Column("updated_by", sa.String(200), nullable=False),
    sa.Column("updated_at", sa.BigInteger, nullable=False),
)

# Trained models registered for a platform (one row per version); at most one is active.
model_versions = sa.Table(
    "risk_model_versions",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("platform_id", sa.String(64), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),  # 1, 2, ... per platform
    sa.Column("model_dir", sa.Text, nullable=False),  # the folder `coffer risk train` wrote
    sa.Column("model_id", sa.String(40), nullable=False),  # what decisions record
    sa.Column("window_start", sa.String(32), nullable=True),  # training data, ISO 8601 UTC
    sa.Column("window_end", sa.String(32), nullable=True),
    sa.Column("metrics", sa.Text, nullable=False),  # JSON: metrics on held-out data
    sa.Column("feature_names", sa.Text, nullable=False),  # JSON list
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("activated_at", sa.BigInteger, nullable=True),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.UniqueConstraint("platform_id", "version", name="uq_risk_model_versions"),
)
