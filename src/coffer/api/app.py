"""``create_app()``: the FastAPI application of ``coffer serve``."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI

import coffer
from coffer import web
from coffer.api import errors
from coffer.api.auth import Authority
from coffer.api.boundary import OWN_SHAPE_PREFIXES, RequestBoundary
from coffer.api.deps import ServerState
from coffer.api.fastpath import FastPath
from coffer.api.housekeeping import Housekeeper
from coffer.api.jwt_keys import Keyring, adopt_stored_secret
from coffer.api.ledger_queries import Queries
from coffer.api.observability import Metrics, ObservabilityMiddleware
from coffer.api.retry import ConnectionLossMiddleware
from coffer.api.routers import auth, coffer_ext, ledger, ops
from coffer.api.settings import ApiSettings
from coffer.assistant.endpoints import router as assistant_router
from coffer.automations.endpoints import router as automations_router
from coffer.automations.payroll.endpoints import router as payment_batches_router
from coffer.automations.policies.endpoints import attach_spending_policies
from coffer.automations.policies.endpoints import router as spending_policies_router
from coffer.core import Coffer
from coffer.fx.endpoints import router as fx_router
from coffer.fx.loyalty.earning import register_earner
from coffer.fx.platform import system_clock
from coffer.identity.audit import record_now
from coffer.identity.audit.endpoints import router as audit_router
from coffer.risk.online.endpoints import attach_risk
from coffer.risk.online.endpoints import router as risk_router
from coffer.settings import Settings
from coffer.wallets.endpoints import returns as wallets_returns
from coffer.wallets.endpoints import router as wallets_router
from coffer.wallets.fastpath import WalletsFastPath
from coffer.wallets.http_errors import page_errors
from coffer.web.app.api import router as me_router

logger = logging.getLogger("coffer.api")

DESCRIPTION = """\
Coffer's ledger API speaks Formance Ledger v2's wire format under `/api/ledger`, so
Formance clients (and its SDKs) work unchanged. Coffer's own additions (holds,
journal checkpoints, inclusion and consistency proofs) live beside them under
`/api/ledger/v2/{ledger}/holds`, `/checkpoints` and `/proofs`.

Authenticate with OAuth2 client credentials at `POST /api/auth/oauth/token` (scopes
`ledger:read`, `ledger:write`, `wallets:read`, `wallets:write`, `admin`) and send
`Authorization: Bearer <token>`.
Amounts are exact integers in the asset's smallest unit, as JSON numbers of any size.
"""


def create_app(
    instance: Coffer | None = None,
    *,
    url: str | None = None,
    settings: Settings | None = None,
    api_settings: ApiSettings | None = None,
    tune_gc: bool = False,
) -> FastAPI:
    """Build the app on ``instance``, or on a Coffer it opens (and closes at shutdown).

    ``tune_gc`` (for a server process that owns its interpreter, as ``coffer serve``):
    once started, move every object that exists to the collector's permanent generation
    and collect the young generation less often. Without it a full collection walks the
    ~200,000 objects of the loaded modules and stalls every request for 100-150 ms a few
    times a second under load.
    """
    owned = instance is None
    book = instance if instance is not None else coffer.open(url, settings=settings)
    api = api_settings or ApiSettings()
    keyring = Keyring.from_settings(api.jwt_secret, api.jwt_key_file)
    if adopt_stored_secret(book.engine, keyring):
        record_now(
            book.engine,
            actor="system",
            action="keys.jwt_secret_moved",
            target="legacy",
            details={"to": "key file" if keyring.path else "removed (COFFER_JWT_SECRET set)"},
        )
    authority = Authority(book.engine, keyring, api)
    server = ServerState(
        coffer=book, queries=Queries(book.engine), authority=authority, settings=api
    )
    metrics = Metrics(book)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Enough threads that concurrent writes wait together in the sequencer.
        anyio.to_thread.current_default_thread_limiter().total_tokens = api.thread_pool_size
        housekeeper = Housekeeper(book, app, run_worker=api.run_worker)
        housekeeper.start()
        if tune_gc:
            coffer.tune_gc()
        server.ready = True
        try:
            yield
        finally:
            # uvicorn has already drained in-flight requests (and with them their batches).
            server.ready = False
            housekeeper.stop()
            authority.gate.close()
            if owned:
                book.close()
            logger.info("coffer api stopped")
            for handler in logging.getLogger("coffer").handlers:
                handler.flush()  # the process may end by a signal, without atexit

    app = FastAPI(
        title="Coffer API",
        version=coffer.__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        # Coffer exports Prometheus metrics; FastAPI's native OpenTelemetry hooks would
        # look the global providers up on every request (a few percent of the CPU).
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.server = server
    app.openapi = lambda: _with_boundary_answers(app)  # type: ignore[method-assign]
    app.state.metrics = metrics
    # what the wallets platform gets when built: the risk check and the spending policies'
    # check (before any movement), and the loyalty earner (points with the payments that
    # earn them)
    app.state.wallets_extensions = (
        lambda platform: attach_risk(app, platform),
        lambda platform: attach_spending_policies(app, platform),
        lambda platform: register_earner(platform, system_clock),
    )
    errors.install(app)
    app.include_router(ops.router)
    app.include_router(auth.router)
    app.include_router(ledger.router)
    app.include_router(coffer_ext.router)
    app.include_router(wallets_router)
    app.include_router(wallets_returns)
    app.include_router(assistant_router)
    app.include_router(fx_router)
    app.include_router(risk_router)
    app.include_router(automations_router)
    app.include_router(spending_policies_router)
    app.include_router(payment_batches_router)
    app.include_router(audit_router)
    app.include_router(me_router)  # the end-user API (/api/me/v1) of the wallet app's users
    web.install(app, book)  # the console (/console), the wallet app (/app), /static
    # innermost: a request that met a connection ended by a restart (retry.py)
    app.add_middleware(ConnectionLossMiddleware)
    # the hot write endpoints without FastAPI's per-request machinery (see fastpath.py)
    app.add_middleware(FastPath, server=server)
    app.add_middleware(WalletsFastPath)
    # before any route or fast path: body size (413) and valid Unicode (400)
    app.add_middleware(
        RequestBoundary, max_body_bytes=api.max_body_bytes, enabled=api.check_request_bodies
    )
    app.add_middleware(
        ObservabilityMiddleware, metrics=metrics, coffer=book, log_requests=api.log_requests
    )
    return app


def _with_boundary_answers(app: FastAPI) -> dict[str, object]:
    """The OpenAPI document, where every operation that takes a body also lists the
    answers of the request boundary (boundary.py): 400 (invalid Unicode) and 413."""
    if app.openapi_schema is not None:
        return app.openapi_schema
    schema = FastAPI.openapi(app)
    formance_shape = {
        status: {
            "description": description,
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
        for status, description in (
            ("400", "Malformed request: the body is not valid UTF-8 or holds a lone surrogate"),
            ("413", "The request body is larger than COFFER_MAX_BODY_BYTES"),
        )
    }
    own_shape = {str(status): answer for status, answer in page_errors(400, 413).items()}
    for path, operations in schema.get("paths", {}).items():
        answers = own_shape if path.startswith(OWN_SHAPE_PREFIXES) else formance_shape
        for operation in operations.values():
            if not isinstance(operation, dict) or "requestBody" not in operation:
                continue
            responses = operation.setdefault("responses", {})
            for status, answer in answers.items():
                responses.setdefault(status, answer)
    app.openapi_schema = schema
    return schema
