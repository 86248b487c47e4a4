"""Tables of the automations domain (migration 0022_automations).

Times are microseconds since the epoch (BigInteger); JSON documents are TEXT.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from coffer.db.columns import (
    created_at_column,
    id_column,
    ref_column,
    status_column,
    text_column,
    time_column,
    timestamps,
)
from coffer.platforms.sealed import SealedColumn, register

metadata = sa.MetaData()


def owned_row() -> list[sa.Column[str]]:
    """A row's ``id`` and the platform it belongs to (no server default: every insert
    names its platform)."""
    return [id_column(), ref_column("platform_id")]


def lease_columns() -> list[sa.Column[Any]]:
    """Which worker holds the row (``lease_owner``) and until when (``lease_until``)."""
    return [
        sa.Column("lease_owner", sa.String(40), nullable=True),
        time_column("lease_until", nullable=True),
    ]


def versions_key(owner_id: str) -> list[sa.Column[Any]]:
    """The key of a version table: the versioned row's id and the version number, then
    the platform both belong to."""
    return [
        sa.Column(owner_id, sa.String(40), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        ref_column("platform_id"),
    ]


automations = sa.Table(
    "automations",
    metadata,
    *owned_row(),
    ref_column("owner_customer_id", nullable=True),  # None: the platform's
    sa.Column("name", sa.String(200), nullable=False),
    status_column(),  # active | paused | archived
    sa.Column("version", sa.Integer, nullable=False),  # the current version
    sa.Column("trigger_type", sa.String(16), nullable=False),
    sa.Column("event_type", sa.String(64), nullable=True),  # event triggers: the pattern
    time_column("next_fire_at", nullable=True),  # schedules: next occurrence
    time_column("last_fire_at", nullable=True),
    text_column("state"),  # JSON: crossings' last side, ...
    text_column("webhook_secret_enc", nullable=True),
    *timestamps(),
    sa.Index("ix_automations_due", "trigger_type", "status", "next_fire_at"),
    sa.Index("ix_automations_platform", "platform_id", "id"),
)
# The inbound webhook's signing secret, sealed by the master key (`coffer keys rotate`).
SECRET_CONTEXT = "automation.secret"
register(SealedColumn(automations, "id", "webhook_secret_enc", SECRET_CONTEXT))

automation_versions = sa.Table(
    "automation_versions",
    metadata,
    *versions_key("automation_id"),
    text_column("definition"),  # JSON: trigger, condition, steps
    text_column("consent", nullable=True),  # JSON: the owner customer's consent
    created_at_column(),
)

automation_runs = sa.Table(
    "automation_runs",
    metadata,
    *owned_row(),
    ref_column("automation_id"),
    sa.Column("version", sa.Integer, nullable=False),
    # what started it, unique per automation: an occurrence never runs twice
    sa.Column("occurrence_key", sa.String(200), nullable=False),
    sa.Column("trigger_type", sa.String(16), nullable=False),
    # pending | running | waiting | succeeded | failed | cancelled
    status_column(),
    text_column("trigger"),  # JSON: the trigger's data
    text_column("inputs"),  # JSON
    text_column("context"),  # JSON: step outputs and variables
    text_column("output", nullable=True),  # JSON
    text_column("error", nullable=True),  # JSON: code, message, step
    sa.Column("scheduled_for", sa.BigInteger, nullable=False),
    time_column("next_run_at", nullable=True),  # when a worker takes it
    sa.Column("wait_kind", sa.String(16), nullable=True),  # event | approval | run | timer
    sa.Column("wait_event_type", sa.String(64), nullable=True),
    sa.Column("wait_step", sa.String(200), nullable=True),
    ref_column("parent_run_id", nullable=True),
    sa.Column("parent_step", sa.String(200), nullable=True),
    *lease_columns(),
    time_column("started_at", nullable=True),
    time_column("finished_at", nullable=True),
    *timestamps(),
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
    status_column(),
    sa.Column("attempts", sa.Integer, nullable=False),
    text_column("request", nullable=True),  # JSON: the resolved parameters
    text_column("output", nullable=True),  # JSON
    text_column("error", nullable=True),  # JSON: code, message
    time_column("deadline_at", nullable=True),  # waits and delays
    sa.Column("position", sa.Integer, nullable=False),  # order of first execution
    time_column("started_at"),
    time_column("updated_at"),
    time_column("finished_at", nullable=True),
)

automation_approvals = sa.Table(
    "automation_approvals",
    metadata,
    *owned_row(),
    ref_column("run_id"),
    sa.Column("step_key", sa.String(200), nullable=False),
    status_column(),  # pending | approved | rejected
    sa.Column("required", sa.Integer, nullable=False),  # approvals needed
    text_column("decisions"),  # JSON list: who, approve, note, at
    text_column("message", nullable=True),
    time_column("expires_at", nullable=True),
    *timestamps(),
    sa.UniqueConstraint("run_id", "step_key", name="uq_automation_approvals_step"),
    sa.Index("ix_automation_approvals_status", "platform_id", "status"),
)

automation_run_parties = sa.Table(
    "automation_run_parties",
    metadata,
    sa.Column("run_id", sa.String(40), primary_key=True),
    sa.Column("customer_id", sa.String(40), primary_key=True),
    ref_column("platform_id"),
    sa.Index("ix_automation_run_parties_customer", "customer_id", "run_id"),
)

automation_cursors = sa.Table(
    "automation_cursors",
    metadata,
    sa.Column("name", sa.String(40), primary_key=True),  # "events"
    sa.Column("position", sa.String(40), nullable=False),  # the last event id read
    *lease_columns(),
    time_column("updated_at"),
)
