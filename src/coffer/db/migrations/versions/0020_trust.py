"""Changes nothing: kept in the chain, as databases may be stamped at it.

Revision ID: 0020_trust
Revises: 0019_platforms
"""

from __future__ import annotations

from coffer.db.migrations.empty import downgrade as downgrade
from coffer.db.migrations.empty import upgrade as upgrade

revision = "0020_trust"
down_revision = "0019_platforms"
branch_labels = None
depends_on = None
