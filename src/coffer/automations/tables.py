"""Tables of the automations domain (migration 0022_automations).

Times are microseconds since the epoch (BigInteger); JSON documents are TEXT.
"""

from __future__ import annotations

import sqlalchemy as sa

from coffer.platforms.sealed import SealedColumn, register

metadata = sa.MetaData()


def owned_row() -> list[sa.Column[str]]:
    """A row's ``id`` and the platform it belongs to."""
    return [
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("platform_id", sa.String(40), nullable=False),
    ]


def _times(*names: str) -> list[sa.Column[int]]:
    return [sa.Column(name, sa.BigInteger, nullable=False) for name in names]


automations = sa.Table(
    "automations",
    metadata,
    *owned_row(),
    sa.Column("owner_customer_id", sa.String(40), nullable=True),  # None: the platform's
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # active | paused | archived
    sa.Column("version", sa.Integer, nullable=False),  # the current version
    sa.Column("trigger_type", sa.String(16), nullable=False),
    sa.Column("event_type", sa.String(64), nullable=True),  # event triggers: the pattern
    sa.Column("next_fire_at", sa.BigInteger, nullable=True),  # schedules: next occurrence
    sa.Column("last_fire_at", sa.BigInteger, nullable=True),
    sa.Column("state", sa.Text, nullable=False),  # JSON: crossings' last side, ...
    sa.Column("webhook_secret_enc", sa.Text, nullable=True),
    *_times("created_at", "updated_at"),
    sa.Index("ix_automations_due", "trigger_type", "status", "next_fire_at"),
    sa.Index("ix_automations_platform", "platform_id", "id"),
)
# The inbound webhook's signing secret, sealed by the master key (`coffer keys rotate`).
SECRET_CONTEXT = "automation.secret"
register(SealedColumn(automations, "id", "webhook_secret_enc", SECRET_CONTEXT))

automation_versions = sa.Table(
    "automation_versions",
    metadata,
    sa.Column("automation_id", sa.String(40), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("platform_id", sa.String(40), nullable=False),
    sa.Column("definition", sa.Text, nullable=False),  # JSON: trigger, condition, steps
    sa.Column("consent", sa.Text, nullable=True),  # JSON: the owner customer's consent
    *_times("created_at"),
)

automation_runs = sa.Table(
    "automation_runs",
    metadata,
    *owned_row(),
    sa.Column("automation_id", sa.String(40), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    # what started it, unique per automation: an occurrence never runs twice
    sa.Column("occurrence_key", sa.String(200), nullable=False),
    sa.Column("trigger_type", sa.String(16), nullable=False),
    # pending | running | waiting | succeeded | failed | cancelled
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("trigger", sa.Text, nullable=False),  # JSON: the trigger's data
    sa.Column("inputs", sa.Text, nullable=False),  # JSON
    sa.Column("context", sa.Text, nullable=False),  # JSON: step outputs and variables
    sa.Column("output", sa.Text, nullable=True),  # JSON
    sa.Column("error", sa.Text, nullable=True),  # JSON: code, message, step
    sa.Column("scheduled_for", sa.BigInteger, nullable=False),
    sa.Column("next_run_at", sa.BigInteger, nullable=True),  # when a worker takes it
    sa.Column("wait_kind", sa.String(16), nullable=True),  # event | approval | run | timer
    sa.Column("wait_event_type", sa.String(64), nullable=True),
    sa.Column("wait_step", sa.String(200), nullable=True),
    sa.Column("parent_run_id", sa.String(40), nullable=True),
    sa.Column("parent_step", sa.String(200), nullable=True),
    sa.Column("lease_owner", sa.String(40), nullable=True),
    sa.Column("lease_until", sa.BigInteger, nullable=True),
    sa.Column("started_at", sa.BigInteger, nullable=True),
    sa.Column("finished_at", sa.BigInteger, nullable=True),
    *_times("created_at", "updated_at"),
    sa.UniqueConstraint("automation_id", "occurrence_key", name="uq_automation_runs_occurrence"),
    sa.Index("ix_automation_runs_due", "status", "next_run_at"),
    sa.Index("ix_automation_runs_wait", "wait_event_type", "status"),
    sa.Index("ix_automation_runs_automation", "automation_id", "id"),
    sa.Index("ix_automation_runs_platform", "platform_id", "id"),
)

automation_steps = sa.Table(
    "automation_steps",
    metadata,
    sa.Column("run_id", sa.String(40), primary_key=True),
    sa.Column("step_key", sa.String(200), primary_key=True),  # "charge", "each[2].pay"
    sa.Column("step_type", sa.String(16), nullable=False),
    # running | waiting | retrying | succeeded | failed | skipped
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("request", sa.Text, nullable=True),  # JSON: the resolved parameters
    sa.Column("output", sa.Text, nullable=True),  # JSON
    sa.Column("error", sa.Text, nullable=True),  # JSON: code, message
    sa.Column("deadline_at", sa.BigInteger, nullable=True),  # waits and delays
    sa.Column("position", sa.Integer, nullable=False),  # order of first execution
    *_times("started_at", "updated_at"),
    sa.Column("finished_at", sa.BigInteger, nullable=True),
)

automation_approvals = sa.Table(
    "automation_approvals",
    metadata,
    *owned_row(),
    sa.Column("run_id", sa.String(40), nullable=False),
    sa.Column("step_key", sa.String(200), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # pending | approved | rejected
    sa.Column("required", sa.Integer, nullable=False),  # approvals needed
    sa.Column("decisions", sa.Text, nullable=False),  # JSON list: who, approve, note, at
    sa.Column("message", sa.Text, nullable=True),
    sa.Column("expires_at", sa.BigInteger, nullable=True),
    *_times("created_at", "updated_at"),
    sa.UniqueConstraint("run_id", "step_key", name="uq_automation_approvals_step"),
    sa.Index("ix_automation_approvals_status", "platform_id", "status"),
)

automation_run_parties = sa.Table(
    "automation_run_parties",
    metadata,
    sa.Column("run_id", sa.String(40), primary_key=True),
    sa.Column("customer_id", sa.String(40), primary_key=True),
    sa.Column("platform_id", sa.String(40), nullable=False),
    sa.Index("ix_automation_run_parties_customer", "customer_id", "run_id"),
)

automation_cursors = sa.Table(
    "automation_cursors",
    metadata,
    sa.Column("name", sa.String(40), primary_key=True),  # "events"
    sa.Column("position", sa.String(40), nullable=False),  # the last event id read
    sa.Column("lease_owner", sa.String(40), nullable=True),
    sa.Column("lease_until", sa.BigInteger, nullable=True),
    *_times("updated_at"),
)
