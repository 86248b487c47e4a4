"""The operator console at ``/console``: one router made of the pages' routers."""

from __future__ import annotations

from fastapi import APIRouter

from coffer.web.console import auth, overview, security

router = APIRouter()
router.include_router(auth.router)
router.include_router(security.router)
router.include_router(overview.router)

__all__ = ["router"]
