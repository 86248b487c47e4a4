"""The console's overview page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from starlette.responses import Response

from coffer.web.console.deps import PREFIX, ConsoleContext, console_context
from coffer.web.console.views import page
from coffer.web.pages import WebRoute

router = APIRouter(prefix=PREFIX, route_class=WebRoute, include_in_schema=False)


@router.get("/")
async def overview(ctx: Annotated[ConsoleContext, Depends(console_context())]) -> Response:
    return page(ctx, "console/overview.html", {}, title="Overview", active="/console/")
