"""TOTP secrets sealed by the master key: ``totp_factors.secret`` widened to hold the
sealed form (``<key id>:<base64>``, longer than 64 characters).

The rows already there keep their secret in clear: a migration cannot reach the master
key (a key file or a setting of the server, not of the database). They are read in both
forms and sealed at their next use, and ``coffer keys rotate`` seals those left
(coffer.identity.factors.service, docs/security.md).

Revision ID: 0034_security_keys
Revises: 0033_risk_history
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0034_security_keys"
down_revision = "0033_risk_history"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("totp_factors") as batch:
        batch.alter_column(
            "secret", existing_type=sa.String(64), type_=sa.Text(), existing_nullable=False
        )


def downgrade() -> None:
    # sealed secrets do not fit the old column: remove them (those users set up TOTP again)
    op.execute("DELETE FROM totp_factors WHERE secret LIKE '%:%'")
    with op.batch_alter_table("totp_factors") as batch:
        batch.alter_column(
            "secret", existing_type=sa.Text(), type_=sa.String(64), existing_nullable=False
        )
