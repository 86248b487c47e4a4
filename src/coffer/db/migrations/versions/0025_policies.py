"""Changes nothing: kept in the chain, as databases may be stamped at it.

Revision ID: 0025_policies
Revises: 0024_risk_cases
"""

from __future__ import annotations

from coffer.db.migrations.empty import downgrade as downgrade
from coffer.db.migrations.empty import upgrade as upgrade

revision = "0025_policies"
down_revision = "0024_risk_cases"
branch_labels = None
depends_on = None
