"""The customers' wallet app at ``/app`` (server-rendered pages, English and Chinese) and
the end-user API at ``/api/me/v1`` (:mod:`coffer.web.app.api`). Both sign users in with
the shared sessions (realm ``app``: a user's devices) and call the users service
(:mod:`coffer.identity.users`) with the signed-in actor."""

from __future__ import annotations

from fastapi import APIRouter

from coffer.web.app import auth, money, security
from coffer.web.app.api import router as api_router

router = APIRouter()
for _module in (auth, security, money):
    router.include_router(_module.router)

__all__ = ["api_router", "router"]
