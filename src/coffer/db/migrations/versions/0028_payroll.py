"""Changes nothing: kept in the chain, as databases may be stamped at it.

Revision ID: 0028_payroll
Revises: 0027_users
"""

from __future__ import annotations

from coffer.db.migrations.empty import downgrade as downgrade
from coffer.db.migrations.empty import upgrade as upgrade

revision = "0028_payroll"
down_revision = "0027_users"
branch_labels = None
depends_on = None
