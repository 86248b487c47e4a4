"""The operator console at ``/console``: one router made of the pages' routers."""

from __future__ import annotations

from fastapi import APIRouter

from coffer.web.console import (
    admin,
    auth,
    automations,
    batches,
    fx,
    ledgers,
    overview,
    policies,
    risk,
    security,
    wallets,
)

router = APIRouter()
router.include_router(auth.router)
router.include_router(security.router)
router.include_router(overview.router)
router.include_router(ledgers.router)
router.include_router(wallets.router)
router.include_router(risk.router)
router.include_router(automations.router)
router.include_router(policies.router)
router.include_router(batches.router)
router.include_router(fx.router)
router.include_router(admin.router)

__all__ = ["router"]
