"""Schema of users: the wallet app's customer users, their beneficiaries and notifications.

Revision ID: 0027_users
Revises: 0026_assistant_rules
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027_users"
down_revision = "0026_assistant_rules"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "app_users",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("platform_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(40), nullable=False, unique=True),
        sa.Column("email_digest", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("locale", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("platform_id", "email_digest", name="uq_app_users_email"),
    )
    op.create_table(
        "app_beneficiaries",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("platform_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(40), sa.ForeignKey("app_users.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(140), nullable=False),
        sa.Column("customer_id", sa.String(40), nullable=True),
        sa.Column("bank_account_id", sa.String(40), nullable=True),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("deleted_at", sa.BigInteger, nullable=True),
    )
    op.create_index(
        "ix_app_beneficiaries_user", "app_beneficiaries", ["platform_id", "user_id", "created_at"]
    )
    op.create_table(
        "app_notifications",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("platform_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(40), sa.ForeignKey("app_users.id"), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("params", sa.Text, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("read_at", sa.BigInteger, nullable=True),
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
