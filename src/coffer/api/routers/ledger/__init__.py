"""The ledger API, wire-compatible with Formance Ledger v2 (paths under ``/api/ledger``).

Endpoints that call the (blocking) ledger are plain ``def``: FastAPI runs them in its
thread pool, so concurrent writes meet in the ledger's sequencer and share one commit.

One module per resource, each registering on the one router of :mod:`.common` (imported
here in the order their routes are matched): :mod:`.ledgers`, :mod:`.transactions`,
:mod:`.accounts` (with balances and volumes), :mod:`.bulk`, :mod:`.logs`.
"""

# The modules register their routes as they are imported: in this order.
# isort: off
from coffer.api.routers.ledger import ledgers
from coffer.api.routers.ledger import transactions
from coffer.api.routers.ledger import accounts
from coffer.api.routers.ledger import bulk
from coffer.api.routers.ledger import logs

# isort: on
from coffer.api.routers.ledger.bulk import bulk_body, bulk_elements, run_bulk
from coffer.api.routers.ledger.common import DEFAULT_ERROR, IdempotencyKey, LedgerName, router
from coffer.api.routers.ledger.transactions import create_one

__all__ = [
    "DEFAULT_ERROR",
    "IdempotencyKey",
    "LedgerName",
    "accounts",
    "bulk",
    "bulk_body",
    "bulk_elements",
    "create_one",
    "ledgers",
    "logs",
    "router",
    "run_bulk",
    "transactions",
]
