"""Changes nothing: kept in the chain, as databases may be stamped at it.

Revision ID: 0017_ledger_shape
Revises: 0016_wallets_api
"""

from __future__ import annotations

from coffer.db.migrations.empty import downgrade as downgrade
from coffer.db.migrations.empty import upgrade as upgrade

revision = "0017_ledger_shape"
down_revision = "0016_wallets_api"
branch_labels = None
depends_on = None
