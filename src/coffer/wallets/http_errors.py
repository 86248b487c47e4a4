"""How the wallets API answers a failure: Stripe's error object, one per error class.

``{"error": {"type": "invalid_request_error", "code": "currency_mismatch", "message": "...",
"param": null, "decline_code": null, "details": {...}}}`` with the error's HTTP status.
``type`` groups the codes as Stripe does (:func:`error_type`), ``code`` is the class's
stable code; docs/errors.md lists them all, generated from the error tree by
:mod:`coffer.api.error_catalogue`. Malformed requests (422) have codes of their own
(:data:`REQUEST_ERRORS`), which are no class of the tree.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException

from coffer.errors import (
    CardDeclined,
    CofferError,
    IncorrectCardNumber,
    KycLimitExceeded,
    error_classes,
    in_tree,
)
from coffer.wallets import crypto  # noqa: F401  (its DecryptionFailed joins the tree)
from coffer.wallets import schemas as S

MAX_PROBLEMS = 10
# code -> (HTTP status, type, when, what to do) of the answers to malformed requests
REQUEST_ERRORS: dict[str, tuple[int, str, str, str]] = {
    "parameter_invalid": (
        422,
        "invalid_request_error",
        "A parameter is missing, unknown or of the wrong type (an amount that is not a JSON "
        'integer: "10", 10.0, true); details.errors lists each one.',
        "Fix the parameters named in details.errors.",
    ),
    "body_invalid": (
        422,
        "invalid_request_error",
        "The request body is not valid JSON.",
        "Send a JSON body with Content-Type: application/json.",
    ),
}


def error_type(error: CofferError | type[CofferError]) -> str:
    """Stripe's ``type`` of an error (or error class)."""
    cls = error if isinstance(error, type) else type(error)
    if issubclass(cls, CardDeclined | IncorrectCardNumber):
        return "card_error"
    if cls.status in (401, 403) and not issubclass(cls, KycLimitExceeded):
        return "authentication_error"
    if cls.code == "idempotency_conflict":
        return "idempotency_error"
    if cls.status >= 500:
        return "api_error"
    return "invalid_request_error"


def render_error(error: CofferError) -> JSONResponse:
    body: dict[str, Any] = {
        "type": error_type(error),
        "code": error.code,
        "message": error.message,
    }
    for promoted in ("param", "decline_code"):  # top-level fields of Stripe's error object
        if error.details.get(promoted) is not None:
            body[promoted] = error.details[promoted]
    if error.details:
        body["details"] = error.details
    headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else None
    return JSONResponse({"error": body}, error.status, headers=headers)


def render_validation(error: RequestValidationError) -> JSONResponse:
    """A malformed request (422): which parameters are wrong, in the typed error shape."""
    problems = [
        {
            "param": ".".join(str(part) for part in problem.get("loc", ())),
            "message": str(problem.get("msg", "")),
        }
        for problem in error.errors()[:MAX_PROBLEMS]
    ]
    first = problems[0] if problems else {"param": "", "message": "invalid request"}
    body = {
        "type": "invalid_request_error",
        "code": "parameter_invalid",
        "message": f"{first['param']}: {first['message']}".strip(": "),
        "param": first["param"] or None,
        "details": {"errors": problems},
    }
    return JSONResponse({"error": body}, 422)


def render_http_error(error: StarletteHTTPException) -> JSONResponse:
    """The framework's own refusals inside a wallets route: a body that does not parse
    (FastAPI says 400) is a malformed request, 422 like any other."""
    status = 422 if error.status_code == 400 else error.status_code
    body = {
        "type": "invalid_request_error" if status < 500 else "api_error",
        "code": "body_invalid" if status == 422 else "http_error",
        "message": str(error.detail),
    }
    return JSONResponse({"error": body}, status, headers=error.headers)


class WalletRoute(APIRoute):
    """Renders Coffer errors and request validation errors as the wallets API's typed
    error objects (the app's global handlers keep Formance's shape for the ledger API)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except CofferError as error:
                return render_error(error)
            except RequestValidationError as error:
                return render_validation(error)
            except StarletteHTTPException as error:
                return render_http_error(error)

        return handle


_STATUS_DESCRIPTIONS = {
    400: "Invalid request: a business rule refused it (`invalid_request_error`)",
    401: "Missing, invalid or expired access token (`authentication_error`)",
    402: "The card was declined or its number is incorrect (`card_error`)",
    403: "The token lacks the scope, or a KYC limit refused the movement",
    404: "The object does not exist",
    410: "Gone: the object expired (a quote: ask for a new one)",
    413: "The request body is larger than COFFER_MAX_BODY_BYTES",
    409: "Conflict: wrong state, Idempotency-Key reused with another request, or a "
    "concurrent change (retry)",
    422: "Malformed request: a parameter is missing or invalid (`parameter_invalid`)",
    429: "Too many requests or failed attempts: retry after the time the message gives",
    502: "The card gateway failed (`api_error`)",
}


def codes_by_status() -> dict[int, list[str]]:
    """Every error code the wallets API can answer, by HTTP status (for the OpenAPI): those
    of :mod:`coffer.errors` and of the wallets package (not, say, Numscript's own, which
    its fixed templates never raise), so the same whatever was imported before."""
    found: dict[int, set[str]] = {}
    for cls in error_classes():
        if in_tree(cls) or cls.__module__.startswith("coffer.wallets"):
            found.setdefault(cls.status, set()).add(cls.code)
    for code, (status, *_rest) in REQUEST_ERRORS.items():
        found.setdefault(status, set()).add(code)
    return {status: sorted(codes) for status, codes in found.items()}


def _described(status: int) -> str:
    codes = codes_by_status().get(status, [])
    listed = ", ".join(f"`{code}`" for code in codes)
    return f"{_STATUS_DESCRIPTIONS[status]}. Codes: {listed} (docs/errors.md)."


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for the error statuses a route can answer, each with the
    error object's schema and the codes it may carry."""
    return {
        status: {"model": S.ApiError, "description": _described(status)}
        for status in sorted(set(statuses))
    }


def page_errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses`` of an HTML page's route: its errors are still JSON error objects."""
    schema = {"$ref": "#/components/schemas/ApiError"}
    return {
        status: {
            "description": _described(status),
            "content": {"application/json": {"schema": schema}},
        }
        for status in sorted(set(statuses))
    }
