"""Schema of risk history: a platform's risk settings (the review-expiry policy) and the
versions of trained models registered for a platform.

Revision ID: 0033_risk_history
Revises: 0032_loyalty_alerts
"""

from __future__ import annotations

import sqlalchemy as sa

from coffer.db.migrations import shapes

revision = "0033_risk_history"
down_revision = "0032_loyalty_alerts"
branch_labels = None
depends_on = None

# The tables as this revision creates them (a frozen copy, not the live definitions).
metadata = sa.MetaData()

# A platform's risk settings (rows only for platforms that changed a default).
platform_settings = sa.Table(
    "risk_platform_settings",
    metadata,
    sa.Column("platform_id", sa.String(64), primary_key=True),
    sa.Column("review_expiry_policy", sa.String(16), nullable=False),  # approve|decline|escalate
    shapes.actor_column("updated_by"),
    shapes.time_column("updated_at"),
)

# Trained models registered for a platform (one row per version); at most one is active.
model_versions = sa.Table(
    "risk_model_versions",
    metadata,
    *shapes.id_and_platform(64),
    sa.Column("version", sa.Integer, nullable=False),  # 1, 2, ... per platform
    sa.Column("model_dir", sa.Text, nullable=False),  # the folder `coffer risk train` wrote
    shapes.ref_column("model_id"),  # what decisions record
    sa.Column("window_start", sa.String(32), nullable=True),  # training data, ISO 8601 UTC
    sa.Column("window_end", sa.String(32), nullable=True),
    sa.Column("metrics", sa.Text, nullable=False),  # JSON: metrics on held-out data
    sa.Column("feature_names", sa.Text, nullable=False),  # JSON list
    sa.Column("active", sa.Boolean, nullable=False),
    shapes.time_column("activated_at", nullable=True),
    shapes.actor_column("created_by"),
    shapes.time_column("created_at"),
    sa.UniqueConstraint("platform_id", "version", name="uq_risk_model_versions"),
)

upgrade, downgrade = shapes.create_and_drop(metadata)
