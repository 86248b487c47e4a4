"""Schema of automations: automations and their versions, runs, step history, approvals,
run parties and the event cursor (coffer.automations.tables).

Revision ID: 0022_automations
Revises: 0021_privacy
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from coffer.db.migrations import shapes

revision = "0022_automations"
down_revision = "0021_privacy"
branch_labels = None
depends_on = None

TABLES = (
    "automations",
    "automation_versions",
    "automation_steps",
    "automation_runs",
    "automation_run_parties",
    "automation_cursors",
    "automation_approvals",
)


def upgrade() -> None:
    op.create_table(
        "automation_approvals",
        *shapes.id_and_platform(),
        shapes.ref_column("run_id"),
        sa.Column("step_key", sa.String(200), nullable=False),
        shapes.status_column(),
        sa.Column("required", sa.Integer(), nullable=False),
        sa.Column("decisions", sa.Text(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        shapes.time_column("expires_at", nullable=True),
        *shapes.timestamps(),
        sa.UniqueConstraint("run_id", "step_key", name="uq_automation_approvals_step"),
    )
    op.create_index(
        "ix_automation_approvals_status", "automation_approvals", ["platform_id", "status"]
    )
    op.create_table(
        "automation_cursors",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("position", sa.String(40), nullable=False),
        *shapes.lease_columns(),
        shapes.time_column("updated_at"),
    )
    op.create_table(
        "automation_run_parties",
        shapes.ref_column("run_id", primary_key=True),
        shapes.ref_column("customer_id", primary_key=True),
        shapes.platform_column(),
    )
    op.create_index(
        "ix_automation_run_parties_customer", "automation_run_parties", ["customer_id", "run_id"]
    )
    shapes.create_listed_table(
        "automation_runs",
        shapes.ref_column("automation_id"),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("occurrence_key", sa.String(200), nullable=False),
        sa.Column("trigger_type", sa.String(16), nullable=False),
        shapes.status_column(),
        *shapes.json_columns("trigger", "inputs", "context"),
        *shapes.json_columns("output", "error", nullable=True),
        sa.Column("scheduled_for", sa.BigInteger(), nullable=False),
        shapes.time_column("next_run_at", nullable=True),
        sa.Column("wait_kind", sa.String(16), nullable=True),
        sa.Column("wait_event_type", sa.String(64), nullable=True),
        sa.Column("wait_step", sa.String(200), nullable=True),
        shapes.ref_column("parent_run_id", nullable=True),
        sa.Column("parent_step", sa.String(200), nullable=True),
        *shapes.lease_columns(),
        shapes.time_column("started_at", nullable=True),
        shapes.time_column("finished_at", nullable=True),
        sa.UniqueConstraint(
            "automation_id", "occurrence_key", name="uq_automation_runs_occurrence"
        ),
    )
    op.create_index("ix_automation_runs_automation", "automation_runs", ["automation_id", "id"])
    op.create_index("ix_automation_runs_due", "automation_runs", ["status", "next_run_at"])
    op.create_index("ix_automation_runs_wait", "automation_runs", ["wait_event_type", "status"])
    op.create_table(
        "automation_steps",
        shapes.ref_column("run_id", primary_key=True),
        sa.Column("step_key", sa.String(200), primary_key=True),
        sa.Column("step_type", sa.String(16), nullable=False),
        shapes.status_column(),
        sa.Column("attempts", sa.Integer(), nullable=False),
        *shapes.json_columns("request", "output", "error", nullable=True),
        shapes.time_column("deadline_at", nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        shapes.time_column("started_at"),
        shapes.time_column("updated_at"),
        shapes.time_column("finished_at", nullable=True),
    )
    shapes.create_versions_table(
        "automation_versions",
        "automation_id",
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("consent", sa.Text(), nullable=True),
    )
    shapes.create_listed_table(
        "automations",
        shapes.ref_column("owner_customer_id", nullable=True),
        sa.Column("name", sa.String(200), nullable=False),
        shapes.status_column(),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("trigger_type", sa.String(16), nullable=False),
        sa.Column("event_type", sa.String(64), nullable=True),
        shapes.time_column("next_fire_at", nullable=True),
        shapes.time_column("last_fire_at", nullable=True),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("webhook_secret_enc", sa.Text(), nullable=True),
    )
    op.create_index("ix_automations_due", "automations", ["trigger_type", "status", "next_fire_at"])


def downgrade() -> None:
    for name in TABLES:
        op.drop_table(name)
