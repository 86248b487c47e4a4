"""Schema of web domains: the indexes the console's risk lists page by (a platform's
cases and decisions newest first by id, without sorting the table).

Revision ID: 0035_web_domains
Revises: 0034_security_keys
"""

from __future__ import annotations

from alembic import op

revision = "0035_web_domains"
down_revision = "0034_security_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_risk_cases_platform_id", "risk_cases", ["platform_id", "id"])
    op.create_index("ix_risk_decisions_platform_id", "risk_decisions", ["platform_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_risk_decisions_platform_id", table_name="risk_decisions")
    op.drop_index("ix_risk_cases_platform_id", table_name="risk_cases")
