"""Schema of users: the wallet app's customer users, their beneficiaries and notifications.

Revision ID: 0027_users
Revises: 0026_assistant_rules
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from coffer.db.migrations.shapes import id_column, platform_column, ref_column, time_column

revision = "0027_users"
down_revision = "0026_assistant_rules"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "app_users",
        id_column(),
        platform_column(64),
        ref_column("customer_id", unique=True),
        sa.Column("email_digest", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("locale", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        time_column("created_at"),
        time_column("updated_at"),
        sa.UniqueConstraint("platform_id", "email_digest", name="uq_app_users_email"),
    )
    op.create_table(
        "app_beneficiaries",
        id_column(),
        platform_column(64),
        ref_column("user_id", sa.ForeignKey("app_users.id")),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(140), nullable=False),
        ref_column("customer_id", nullable=True),
        ref_column("bank_account_id", nullable=True),
        time_column("created_at"),
        time_column("deleted_at", nullable=True),
    )
    op.create_index(
        "ix_app_beneficiaries_user", "app_beneficiaries", ["platform_id", "user_id", "created_at"]
    )
    op.create_table(
        "app_notifications",
        id_column(),
        platform_column(64),
        ref_column("user_id", sa.ForeignKey("app_users.id")),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("params", sa.Text, nullable=False),
        time_column("created_at"),
        time_column("read_at", nullable=True),
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
