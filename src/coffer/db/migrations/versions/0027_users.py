"""Schema of users: the wallet app's customer users, their beneficiaries and notifications.

Revision ID: 0027_users
Revises: 0026_assistant_rules
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from coffer.db.migrations import shapes

revision = "0027_users"
down_revision = "0026_assistant_rules"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "app_users",
        *shapes.id_and_platform(64),
        shapes.ref_column("customer_id", unique=True),
        sa.Column("email_digest", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("locale", sa.String(8), nullable=False),
        shapes.status_column(),
        *shapes.timestamps(),
        sa.UniqueConstraint("platform_id", "email_digest", name="uq_app_users_email"),
    )
    op.create_table(
        "app_beneficiaries",
        *shapes.id_and_platform(64),
        shapes.ref_column("user_id", sa.ForeignKey("app_users.id")),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(140), nullable=False),
        shapes.ref_column("customer_id", nullable=True),
        shapes.ref_column("bank_account_id", nullable=True),
        shapes.time_column("created_at"),
        shapes.time_column("deleted_at", nullable=True),
    )
    op.create_index(
        "ix_app_beneficiaries_user", "app_beneficiaries", ["platform_id", "user_id", "created_at"]
    )
    op.create_table(
        "app_notifications",
        *shapes.id_and_platform(64),
        shapes.ref_column("user_id", sa.ForeignKey("app_users.id")),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("params", sa.Text, nullable=False),
        shapes.time_column("created_at"),
        shapes.time_column("read_at", nullable=True),
    )
    op.create_index(
        "ix_app_notifications_user", "app_notifications", ["platform_id", "user_id", "created_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_app_notifications_user", "app_notifications")
    op.drop_table("app_notifications")
    op.drop_index("ix_app_beneficiaries_user", "app_beneficiaries")
    op.drop_table("app_beneficiaries")
    op.drop_table("app_users")
