"""Health, readiness and Prometheus metrics (no token needed)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from coffer.api import schemas as S
from coffer.api.deps import state

router = APIRouter(tags=["operations"])


@router.get("/healthz", response_model=S.Health, operation_id="healthz")
async def healthz() -> Any:
    """Liveness: the process answers."""
    return JSONResponse({"status": "ok"})


@router.get(
    "/readyz",
    response_model=S.Health,
    responses={503: {"model": S.Health, "description": "Not ready"}},
    operation_id="readyz",
)
def readyz(request: Request) -> Any:
    """Readiness: the database answers and the server is not shutting down."""
    server = state(request)
    checks: dict[str, str] = {}
    try:
        with server.coffer.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # readiness reports, it does not raise
        checks["database"] = f"error: {type(exc).__name__}"
    checks["server"] = "ok" if server.ready else "shutting down"
    ready = all(value == "ok" for value in checks.values())
    return JSONResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks}, 200 if ready else 503
    )


@router.get(
    "/metrics",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
    operation_id="metrics",
)
def metrics(request: Request) -> Response:
    """Prometheus metrics: request counts and latencies, batch sizes, queue depth."""
    registry = request.app.state.metrics.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
