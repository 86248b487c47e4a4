"""Changes nothing: kept in the chain, as databases may be stamped at it.

Revision ID: 0016_wallets_api
Revises: 0015_fx
"""

from __future__ import annotations

from coffer.db.migrations.empty import downgrade as downgrade
from coffer.db.migrations.empty import upgrade as upgrade

revision = "0016_wallets_api"
down_revision = "0015_fx"
branch_labels = None
depends_on = None
