"""Tables of the automations domain (migration 0022_automations).

Times are microseconds since the epoch (BigInteger); JSON documents are TEXT.
"""

from __future__ import annotations

import sqlalchemy as sa

from coffer.db import columns as col
from coffer.platforms.sealed import SealedColumn, register

metadata = sa.MetaData()


def owned_row() -> list[sa.Column[str]]:
    """A row's ``id`` and the platform it belongs to (no server default: every insert
    names its platform)."""
    return [col.id_column(), col.ref_column("platform_id")]


def listed_table(name: str, metadata: sa.MetaData, *items: sa.schema.SchemaItem) -> sa.Table:
    """A table of a platform's rows that the API lists, newest first: ``id`` and
    ``platform_id`` (:func:`owned_row`), the columns and constraints of ``items``,
    ``created_at`` and ``updated_at``, and the index the listing pages by."""
    return sa.Table(
        name, metadata, *owned_row(), *items, *col.timestamps(), col.platform_index(name)
    )


automations = listed_table(
    "automations",
    metadata,
    col.ref_column("owner_customer_id", nullable=True),  # None: the platform's
    sa.Column("name", sa.String(200), nullable=False),
    col.status_column(),  # active | paused | archived
    sa.Column("version", sa.Integer, nullable=False),  # the current version
    col.code_column("trigger_type"),
    sa.Column("event_type", sa.String(64), nullable=True),  # event triggers: the pattern
    col.time_column("next_fire_at", nullable=True),  # schedules: next occurrence
    col.time_column("last_fire_at", nullable=True),
    col.text_column("state"),  # JSON: crossings' last side, ...
    col.text_column("webhook_secret_enc", nullable=True),
    sa.Index("ix_automations_due", "trigger_type", "status", "next_fire_at"),
)
# The inbound webhook's signing secret, sealed by the master key (`coffer keys rotate`).
SECRET_CONTEXT = "automation.secret"
register(SealedColumn(automations, "id", "webhook_secret_enc", SECRET_CONTEXT))

automation_versions = col.versions_table(
    "automation_versions",
    metadata,
    "automation_id",
    col.text_column("definition"),  # JSON: trigger, condition, steps
    col.text_column("consent", nullable=True),  # JSON: the owner customer's consent
)

automation_runs = listed_table(
    "automation_runs",
    metadata,
    col.ref_column("automation_id"),
    sa.Column("version", sa.Integer, nullable=False),
    # what started it, unique per automation: an occurrence never runs twice
    sa.Column("occurrence_key", sa.String(200), nullable=False),
    col.code_column("trigger_type"),
    # pending | running | waiting | succeeded | failed | cancelled
    col.status_column(),
    col.text_column("trigger"),  # JSON: the trigger's data
    col.text_column("inputs"),  # JSON
    col.text_column("context"),  # JSON: step outputs and variables
    col.text_column("output", nullable=True),  # JSON
    col.text_column("error", nullable=True),  # JSON: code, message, step
    sa.Column("scheduled_for", sa.BigInteger, nullable=False),
    col.time_column("next_run_at", nullable=True),  # when a worker takes it
    col.code_column("wait_kind", nullable=True),  # event | approval | run | timer
    sa.Column("wait_event_type", sa.String(64), nullable=True),
    sa.Column("wait_step", sa.String(200), nullable=True),
    col.ref_column("parent_run_id", nullable=True),
    sa.Column("parent_step", sa.String(200), nullable=True),
    *col.lease_columns(),
    *col.time_columns("started_at", "finished_at", nullable=True),
    sa.UniqueConstraint("automation_id", "occurrence_key", name="uq_automation_runs_occurrence"),
    sa.Index("ix_automation_runs_due", "status", "next_run_at"),
    sa.Index("ix_automation_runs_wait", "wait_event_type", "status"),
    sa.Index("ix_automation_runs_automation", "automation_id", "id"),
)

automation_steps = sa.Table(
    "automation_steps",
    metadata,
    col.ref_column("run_id", primary_key=True),
    sa.Column("step_key", sa.String(200), primary_key=True),  # "charge", "each[2].pay"
    col.code_column("step_type"),
    # running | waiting | retrying | succeeded | failed | skipped
    col.status_column(),
    sa.Column("attempts", sa.Integer, nullable=False),
    col.text_column("request", nullable=True),  # JSON: the resolved parameters
    col.text_column("output", nullable=True),  # JSON
    col.text_column("error", nullable=True),  # JSON: code, message
    col.time_column("deadline_at", nullable=True),  # waits and delays
    sa.Column("position", sa.Integer, nullable=False),  # order of first execution
    col.time_column("started_at"),
    col.time_column("updated_at"),
    col.time_column("finished_at", nullable=True),
)

automation_approvals = sa.Table(
    "automation_approvals",
    metadata,
    *owned_row(),
    col.ref_column("run_id"),
    sa.Column("step_key", sa.String(200), nullable=False),
    col.status_column(),  # pending | approved | rejected
    sa.Column("required", sa.Integer, nullable=False),  # approvals needed
    col.text_column("decisions"),  # JSON list: who, approve, note, at
    col.text_column("message", nullable=True),
    col.time_column("expires_at", nullable=True),
    *col.timestamps(),
    sa.UniqueConstraint("run_id", "step_key", name="uq_automation_approvals_step"),
    sa.Index("ix_automation_approvals_status", "platform_id", "status"),
)

automation_run_parties = sa.Table(
    "automation_run_parties",
    metadata,
    col.ref_column("run_id", primary_key=True),
    col.ref_column("customer_id", primary_key=True),
    col.ref_column("platform_id"),
    sa.Index("ix_automation_run_parties_customer", "customer_id", "run_id"),
)

automation_cursors = sa.Table(
    "automation_cursors",
    metadata,
    col.name_key(40),  # "events"
    sa.Column("position", sa.String(40), nullable=False),  # the last event id read
    *col.lease_columns(),
    col.time_column("updated_at"),
)
