"""Schema of web domains: the indexes the console's risk lists page by (a platform's
cases and decisions newest first by id, without sorting the table).

Revision ID: 0035_web_domains
Revises: 0034_security_keys
"""

from __future__ import annotations

from alembic import op

from coffer.db.migrations import shapes

revision = "0035_web_domains"
down_revision = "0034_security_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    shapes.create_listing_index("risk_cases", "ix_risk_cases_platform_id")
    shapes.create_listing_index("risk_decisions", "ix_risk_decisions_platform_id")


def downgrade() -> None:
    op.drop_index("ix_risk_decisions_platform_id", table_name="risk_decisions")
    op.drop_index("ix_risk_cases_platform_id", table_name="risk_cases")
