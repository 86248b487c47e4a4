"""Changes nothing: kept in the chain, as databases may be stamped at it.

Revision ID: 0029_spare
Revises: 0028_payroll
"""

from __future__ import annotations

from coffer.db.migrations.empty import downgrade as downgrade
from coffer.db.migrations.empty import upgrade as upgrade

revision = "0029_spare"
down_revision = "0028_payroll"
branch_labels = None
depends_on = None
