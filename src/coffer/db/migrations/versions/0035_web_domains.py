"""Schema of web domains.

Revision ID: 0035_web_domains
Revises: 0034_security_keys
"""

from __future__ import annotations

revision = "0035_web_domains"
down_revision = "0034_security_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
