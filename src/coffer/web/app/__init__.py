"""The customers' wallet app at ``/app`` (server-rendered pages, English and Chinese) and
the end-user API at ``/api/me/v1`` (:mod:`coffer.web.app.api`). Both sign users in with
the shared sessions (realm ``app``: a user's devices) and call the users service
(:mod:`coffer.identity.users`) with the signed-in actor."""

from __future__ import annotations

from fastapi import APIRouter

from coffer.web.app import assistant_pages, auth, money, more_pages, security
from coffer.web.app.api import router as api_router
from coffer.web.app.api_domains import router as domains_api_router

router = APIRouter()
for _module in (auth, security, money, assistant_pages, more_pages):
    router.include_router(_module.router)
# the domains' routes (assistant, automations, fx) beside the end-user API's own
api_router.include_router(domains_api_router)

__all__ = ["api_router", "router"]
