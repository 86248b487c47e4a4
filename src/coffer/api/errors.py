"""One handler renders every error in Formance Ledger v2's shape.

``{"errorCode": "INSUFFICIENT_FUND", "errorMessage": "...", "details": "..."}`` with the
HTTP status Formance uses for that code (Formance answers 400 where Coffer's own tree
says 409 for a few codes, e.g. an idempotency-key mismatch or a second revert).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

from coffer import errors as coffer_errors
from coffer.db.engine import connection_lost
from coffer.errors import CofferError, DatabaseUnavailable, IdempotencyConflict, RateLimited

logger = logging.getLogger("coffer.api")

# Formance's HTTP status per error code.
FORMANCE_STATUS = {
    "INSUFFICIENT_FUND": 400,
    "VALIDATION": 400,
    "COMPILATION_FAILED": 400,
    "INTERPRETER_PARSE": 400,
    "INTERPRETER_RUNTIME": 400,
    "METADATA_OVERRIDE": 400,
    "ALREADY_REVERT": 400,
    "NO_POSTINGS": 400,
    "BULK_SIZE_EXCEEDED": 400,
    "LEDGER_ALREADY_EXISTS": 400,
    "NOT_FOUND": 404,
    "LEDGER_NOT_FOUND": 404,
    "CONFLICT": 409,
    "UNAUTHORIZED": 401,
    "FORBIDDEN": 403,
    "TIMEOUT": 503,
    "INTERNAL": 500,
}


NoPostings = coffer_errors.NoPostings  # the ledger raises it; kept importable from here


_HTTP_CODES = {401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND", 405: "VALIDATION"}


def formance_code(error: CofferError) -> str:
    return error.formance_code


def formance_status(error: CofferError) -> int:
    if isinstance(error, IdempotencyConflict):
        return 400
    if error.formance_code == "INTERNAL":
        return error.status  # 500, or 503 when the database is unreachable (retry later)
    return FORMANCE_STATUS.get(error.formance_code, error.status)


def error_body(code: str, message: str, details: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"errorCode": code, "errorMessage": message}
    if details:
        body["details"] = details
    return body


def render(error: CofferError) -> Response:
    status = formance_status(error)
    if status >= 500:
        logger.error("internal error: %s", error.message)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if status == 503:
        headers = {"Retry-After": "1"}
    if isinstance(error, RateLimited):
        headers = {"Retry-After": str(error.retry_after_seconds)}
    return JSONResponse(
        error_body(error.formance_code, error.message, error.code), status, headers=headers
    )


def connection_lost_response() -> Response:
    """The answer to a request that met a database connection ended by a restart."""
    return render(
        DatabaseUnavailable(
            "the connection to the database was lost while handling this request;"
            " retry it (a write with the same Idempotency-Key)"
        )
    )


def internal_error_response() -> Response:
    return JSONResponse(error_body("INTERNAL", "internal error; see the server log"), 500)


def install(app: FastAPI) -> None:
    async def on_coffer_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, CofferError)
        return render(exc)

    async def on_validation(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}"
            for e in exc.errors()[:10]
        )
        return JSONResponse(error_body("VALIDATION", problems or "invalid request"), 400)

    async def on_http(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        fallback = "VALIDATION" if exc.status_code < 500 else "INTERNAL"
        code = _HTTP_CODES.get(exc.status_code, fallback)
        return JSONResponse(error_body(code, str(exc.detail)), exc.status_code, headers=exc.headers)

    async def on_unexpected(_request: Request, exc: Exception) -> Response:
        if connection_lost(exc):
            return connection_lost_response()
        logger.exception("unhandled error", exc_info=exc)
        return internal_error_response()

    app.add_exception_handler(CofferError, on_coffer_error)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_unexpected)
