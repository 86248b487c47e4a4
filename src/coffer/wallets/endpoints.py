"""The wallets HTTP API under ``/api/wallets/v1`` (mounted by :func:`coffer.api.create_app`).

Stripe/Mangopay conventions: amounts in minor units with a ``currency``, an
``Idempotency-Key`` header on every POST (creations replay the resource, actions replay
their stored answer), cursor pagination with ``limit``/``starting_after``/``has_more``, and
typed error objects, for business refusals and malformed requests (422) alike::

    {"error": {"type": "invalid_request_error", "code": "currency_mismatch",
               "message": "...", "details": {...}}}

Every route documents each error status it can answer (``responses=``), so the OpenAPI
document is a complete contract (``tests/api/test_openapi_schema.py`` checks it).

Auth: the ledger API's OAuth2 bearer tokens, scopes ``wallets:read`` and ``wallets:write``.
The sandbox 3-D Secure page is public: it is what the paying customer's browser opens. So is
the Stripe webhook route, authenticated by its ``Stripe-Signature`` header instead.
"""

from __future__ import annotations

import html
import threading
from collections.abc import Callable, Coroutine
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Depends, Header, Query, Request, Response, Security
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.security import SecurityScopes
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from coffer.errors import CofferError, ValidationError
from coffer.wallets import schemas as S
from coffer.wallets.payins import MAX_WEBHOOK_BYTES
from coffer.wallets.platform import WalletPlatform, open_wallets

PREFIX = "/api/wallets/v1"
_lock = threading.Lock()


def error_type(error: CofferError) -> str:
    if error.status in (401, 403) and error.code != "kyc_limit_exceeded":
        return "authentication_error"
    if error.code == "card_declined":
        return "card_error"
    if error.code == "idempotency_conflict":
        return "idempotency_error"
    if error.status >= 500:
        return "api_error"
    return "invalid_request_error"


def render_error(error: CofferError) -> JSONResponse:
    body: dict[str, Any] = {
        "type": error_type(error),
        "code": error.code,
        "message": error.message,
    }
    if error.details:
        body["details"] = error.details
    headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else None
    return JSONResponse({"error": body}, error.status, headers=headers)


MAX_PROBLEMS = 10


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
    402: "The card was declined (`card_error`)",
    403: "The token lacks the scope, or a KYC limit refused the movement",
    404: "The object does not exist",
    409: "Conflict: wrong state, Idempotency-Key reused with another request, or a "
    "concurrent change (retry)",
    422: "Malformed request: a parameter is missing or invalid (`parameter_invalid`)",
    502: "The card gateway failed (`api_error`)",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for the error statuses a route can answer."""
    return {
        status: {"model": S.ApiError, "description": _STATUS_DESCRIPTIONS[status]}
        for status in sorted(set(statuses))
    }


def page_errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses`` of an HTML page's route: its errors are still JSON error objects."""
    schema = {"$ref": "#/components/schemas/ApiError"}
    return {
        status: {
            "description": _STATUS_DESCRIPTIONS[status],
            "content": {"application/json": {"schema": schema}},
        }
        for status in sorted(set(statuses))
    }


AUTH = (401, 403, 422)  # every authenticated route (422: its parameters)


def platform_of(request: Request) -> WalletPlatform:
    """The app's wallets platform, built on first use on the app's Coffer."""
    return platform_for(request.app)


def platform_for(app: Any) -> WalletPlatform:
    """The wallets platform of a FastAPI app (``app.state.wallets``), built on first use."""
    app_state = app.state
    existing: WalletPlatform | None = getattr(app_state, "wallets", None)
    if existing is not None:
        return existing
    with _lock:
        existing = getattr(app_state, "wallets", None)
        if existing is None:
            existing = open_wallets(app_state.server.coffer)
            app_state.wallets = existing
    return existing


async def authorize(request: Request, scopes: SecurityScopes) -> Any:
    """The ledger API's bearer-token check with a wallets scope."""
    authority = request.app.state.server.authority
    return authority.authorize(request.headers.get("authorization"), scopes.scopes[0])


Read = Security(authorize, scopes=["wallets:read"])
Write = Security(authorize, scopes=["wallets:write"])
Platform = Annotated[WalletPlatform, Depends(platform_of)]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=255)]
Limit = Annotated[int, Query(ge=1, le=100)]
After = Annotated[str | None, Query(max_length=40)]

ModelT = TypeVar("ModelT", bound=BaseModel)


def once(
    p: WalletPlatform,
    key: str | None,
    operation: str,
    payload: dict[str, Any],
    run: Callable[[], ModelT],
    model: type[ModelT],
    resource_id: str = "",
) -> ModelT:
    """An action POST, once per Idempotency-Key (see :meth:`WalletsCore.once`)."""
    result = p.core.once(
        key=key,
        operation=operation,
        payload=payload,
        run=run,
        model=model,
        resource_id=resource_id,
    )
    assert result is not None
    return result


router = APIRouter(prefix=PREFIX, tags=["wallets"], route_class=WalletRoute)
read = APIRouter(dependencies=[Read], route_class=WalletRoute)
write = APIRouter(dependencies=[Write], route_class=WalletRoute)
public = APIRouter(route_class=WalletRoute)


# -- customers and KYC -----------------------------------------------------------------


@write.post("/customers", status_code=201, responses=errors(*AUTH, 409))
def create_customer(body: S.CustomerCreate, p: Platform, key: IdempotencyKey = None) -> S.Customer:
    return p.wallets.create_customer(body, idempotency_key=key)


@read.get("/customers", responses=errors(*AUTH))
def list_customers(
    p: Platform, limit: Limit = 10, starting_after: After = None
) -> S.ListPage[S.Customer]:
    return p.wallets.customers(limit=limit, starting_after=starting_after)


@read.get("/customers/{customer_id}", responses=errors(*AUTH, 404))
def get_customer(customer_id: str, p: Platform) -> S.Customer:
    return p.wallets.customer(customer_id)


@write.post(
    "/customers/{customer_id}/kyc_documents", status_code=201, responses=errors(*AUTH, 404, 409)
)
def submit_kyc_document(
    customer_id: str, body: S.KycDocumentCreate, p: Platform, key: IdempotencyKey = None
) -> S.KycDocument:
    return p.wallets.submit_kyc_document(customer_id, body, idempotency_key=key)


@read.get("/kyc_documents/{document_id}", responses=errors(*AUTH, 404))
def get_kyc_document(document_id: str, p: Platform) -> S.KycDocument:
    return p.wallets.kyc_document(document_id)


@write.post("/kyc_documents/{document_id}/review", responses=errors(*AUTH, 404, 409))
def review_kyc_document(
    document_id: str, body: S.KycReview, p: Platform, key: IdempotencyKey = None
) -> S.KycDocument:
    return once(
        p,
        key,
        "kyc_review",
        {"document_id": document_id, **body.model_dump(mode="json")},
        lambda: p.wallets.review_kyc_document(
            document_id, approve=body.decision == "approve", reason=body.reason
        ),
        S.KycDocument,
        document_id,
    )


# -- wallets ---------------------------------------------------------------------------


@write.post("/wallets", status_code=201, responses=errors(*AUTH, 400, 404, 409))
def create_wallet(body: S.WalletCreate, p: Platform, key: IdempotencyKey = None) -> S.Wallet:
    return p.wallets.create_wallet(body, idempotency_key=key)


@read.get("/wallets", responses=errors(*AUTH))
def list_wallets(
    p: Platform, customer_id: str | None = None, limit: Limit = 10, starting_after: After = None
) -> S.ListPage[S.Wallet]:
    return p.wallets.wallets(customer_id=customer_id, limit=limit, starting_after=starting_after)


@read.get("/wallets/{wallet_id}", responses=errors(*AUTH, 404))
def get_wallet(wallet_id: str, p: Platform) -> S.Wallet:
    return p.wallets.wallet(wallet_id)


@read.get("/wallets/{wallet_id}/statement", responses=errors(*AUTH, 400, 404))
def wallet_statement(
    wallet_id: str,
    p: Platform,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
) -> S.Statement:
    return p.wallets.statement(wallet_id, limit=limit, cursor=cursor)


@write.post("/wallets/{wallet_id}/{action}", responses=errors(*AUTH, 400, 404, 409))
def wallet_action(
    wallet_id: str,
    action: Literal["freeze", "unfreeze", "close"],
    p: Platform,
    key: IdempotencyKey = None,
) -> S.Wallet:
    status = {"freeze": "frozen", "unfreeze": "active", "close": "closed"}[action]
    return once(
        p,
        key,
        f"wallet_{action}",
        {"wallet_id": wallet_id},
        lambda: p.wallets.set_wallet_status(wallet_id, status),
        S.Wallet,
        wallet_id,
    )


@read.get("/platform/wallets/{kind}/{currency}", responses=errors(*AUTH, 400))
def platform_wallet(kind: Literal["fees", "credit"], currency: str, p: Platform) -> S.Wallet:
    return p.wallets.platform_wallet(kind, currency)


# -- transfers -------------------------------------------------------------------------


@write.post("/transfers", status_code=201, responses=errors(*AUTH, 400, 404, 409))
def create_transfer(body: S.TransferCreate, p: Platform, key: IdempotencyKey = None) -> S.Transfer:
    return p.wallets.transfer(body, idempotency_key=key)


@read.get("/transfers", responses=errors(*AUTH))
def list_transfers(
    p: Platform, limit: Limit = 10, starting_after: After = None
) -> S.ListPage[S.Transfer]:
    return p.wallets.transfers(limit=limit, starting_after=starting_after)


@read.get("/transfers/{transfer_id}", responses=errors(*AUTH, 404))
def get_transfer(transfer_id: str, p: Platform) -> S.Transfer:
    return p.wallets.transfer_by_id(transfer_id)


# -- merchant payments and escrow ---------------------------------------------------------


@write.post("/payments", status_code=201, responses=errors(*AUTH, 400, 404, 409))
def create_payment(body: S.PaymentCreate, p: Platform, key: IdempotencyKey = None) -> S.Payment:
    return p.wallets.create_payment(body, idempotency_key=key)


@read.get("/payments/{payment_id}", responses=errors(*AUTH, 404))
def get_payment(payment_id: str, p: Platform) -> S.Payment:
    return p.wallets.payment(payment_id)


@write.post("/payments/{payment_id}/capture", responses=errors(*AUTH, 400, 404, 409))
def capture_payment(
    payment_id: str, p: Platform, body: S.AmountBody | None = None, key: IdempotencyKey = None
) -> S.Payment:
    amount = None if body is None else body.amount
    return once(
        p,
        key,
        "payment_capture",
        {"payment_id": payment_id, "amount": amount},
        lambda: p.wallets.capture_payment(payment_id, amount),
        S.Payment,
        payment_id,
    )


@write.post("/payments/{payment_id}/void", responses=errors(*AUTH, 404, 409))
def void_payment(payment_id: str, p: Platform, key: IdempotencyKey = None) -> S.Payment:
    return once(
        p,
        key,
        "payment_void",
        {"payment_id": payment_id},
        lambda: p.wallets.void_payment(payment_id),
        S.Payment,
        payment_id,
    )


@write.post("/payments/{payment_id}/escrow/{action}", responses=errors(*AUTH, 400, 404, 409))
def escrow_action(
    payment_id: str,
    action: Literal["release", "return"],
    p: Platform,
    key: IdempotencyKey = None,
) -> S.Payment:
    service = p.wallets.release_escrow if action == "release" else p.wallets.return_escrow
    return once(
        p,
        key,
        f"escrow_{action}",
        {"payment_id": payment_id},
        lambda: service(payment_id),
        S.Payment,
        payment_id,
    )


@write.post(
    "/payments/{payment_id}/refunds", status_code=201, responses=errors(*AUTH, 400, 404, 409)
)
def refund_payment(
    payment_id: str, p: Platform, body: S.AmountBody | None = None, key: IdempotencyKey = None
) -> S.Refund:
    amount = None if body is None else body.amount
    return p.wallets.refund_payment(payment_id, amount, idempotency_key=key)


# -- pay-ins ---------------------------------------------------------------------------


@write.post("/payins/card", status_code=201, responses=errors(*AUTH, 400, 402, 404, 409, 502))
def create_card_payin(body: S.CardPayinCreate, p: Platform, key: IdempotencyKey = None) -> S.Payin:
    return p.payins.create_card_payin(body, idempotency_key=key)


@read.get("/payins", responses=errors(*AUTH))
def list_payins(
    p: Platform, wallet_id: str | None = None, limit: Limit = 10, starting_after: After = None
) -> S.ListPage[S.Payin]:
    return p.payins.payins(wallet_id=wallet_id, limit=limit, starting_after=starting_after)


@read.get("/payins/{payin_id}", responses=errors(*AUTH, 404))
def get_payin(payin_id: str, p: Platform) -> S.Payin:
    return p.payins.payin(payin_id)


@write.post("/payins/{payin_id}/capture", responses=errors(*AUTH, 400, 404, 409, 502))
def capture_payin(
    payin_id: str, p: Platform, body: S.AmountBody | None = None, key: IdempotencyKey = None
) -> S.Payin:
    amount = None if body is None else body.amount
    return once(
        p,
        key,
        "payin_capture",
        {"payin_id": payin_id, "amount": amount},
        lambda: p.payins.capture_payin(payin_id, amount),
        S.Payin,
        payin_id,
    )


@write.post("/payins/{payin_id}/cancel", responses=errors(*AUTH, 404, 409, 502))
def cancel_payin(payin_id: str, p: Platform, key: IdempotencyKey = None) -> S.Payin:
    return once(
        p,
        key,
        "payin_cancel",
        {"payin_id": payin_id},
        lambda: p.payins.cancel_payin(payin_id),
        S.Payin,
        payin_id,
    )


@write.post(
    "/payins/{payin_id}/refunds", status_code=201, responses=errors(*AUTH, 400, 404, 409, 502)
)
def refund_payin(
    payin_id: str, p: Platform, body: S.AmountBody | None = None, key: IdempotencyKey = None
) -> S.Refund:
    amount = None if body is None else body.amount
    return p.payins.refund_payin(payin_id, amount, idempotency_key=key)


@write.post("/payins/{payin_id}/disputes", status_code=201, responses=errors(*AUTH, 400, 404, 409))
def open_dispute(
    payin_id: str, body: S.DisputeCreate, p: Platform, key: IdempotencyKey = None
) -> S.Dispute:
    """Sandbox: the card network opens a dispute on a pay-in."""
    return once(
        p,
        key,
        "dispute_open",
        {"payin_id": payin_id, **body.model_dump(mode="json")},
        lambda: p.payins.open_dispute(payin_id, body),
        S.Dispute,
        payin_id,
    )


@read.get("/disputes/{dispute_id}", responses=errors(*AUTH, 404))
def get_dispute(dispute_id: str, p: Platform) -> S.Dispute:
    return p.payins.dispute(dispute_id)


@write.post("/disputes/{dispute_id}/close", responses=errors(*AUTH, 400, 404, 409))
def close_dispute(
    dispute_id: str, body: S.DisputeClose, p: Platform, key: IdempotencyKey = None
) -> S.Dispute:
    return once(
        p,
        key,
        "dispute_close",
        {"dispute_id": dispute_id, **body.model_dump(mode="json")},
        lambda: p.payins.close_dispute(dispute_id, body.outcome),
        S.Dispute,
        dispute_id,
    )


@write.post("/sandbox/bank_transfers", status_code=201, responses=errors(*AUTH, 400, 404, 409))
def sandbox_bank_transfer(
    body: S.BankTransferSimulate, p: Platform, key: IdempotencyKey = None
) -> S.Payin:
    """Sandbox bank: a transfer quoting a wallet's reference arrived."""
    return p.payins.bank_transfer(body, idempotency_key=key)


_CHALLENGE_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>3-D Secure (sandbox)</title>
<style>body{{font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto}}
button{{font-size:1rem;padding:.5rem 1.5rem;margin-right:1rem}}</style></head>
<body><h1>Confirm your payment</h1>
<p>Sandbox bank: authenticate a payment of <strong>{amount}</strong> with the card
ending in <strong>{last4}</strong>.</p>
<form method="post" action="{action}">
<input type="hidden" name="token" value="{token}">
<button name="decision" value="approve">Approve</button>
<button name="decision" value="deny">Deny</button>
</form></body></html>
"""


@public.get("/sandbox/3ds/{payin_id}", response_class=HTMLResponse, responses=page_errors(404, 422))
def challenge_page(payin_id: str, token: str, p: Platform) -> HTMLResponse:
    payin = p.payins.payin(payin_id)
    from coffer.wallets.currencies import to_major

    page = _CHALLENGE_PAGE.format(
        amount=html.escape(f"{to_major(payin.currency, payin.amount)} {payin.currency}"),
        last4=html.escape(payin.card_last4 or "????"),
        action=html.escape(f"{PREFIX}/sandbox/3ds/{payin_id}"),
        token=html.escape(token),
    )
    return HTMLResponse(page)


@public.post(
    "/sandbox/3ds/{payin_id}",
    response_class=HTMLResponse,
    responses=page_errors(400, 404, 409, 422),
)
async def complete_challenge(payin_id: str, request: Request, p: Platform) -> HTMLResponse:
    from urllib.parse import parse_qs

    import anyio.to_thread

    form = parse_qs((await request.body()).decode(errors="replace"))
    token = (form.get("token") or request.query_params.getlist("token") or [""])[0]
    decision = (form.get("decision") or request.query_params.getlist("decision") or [""])[0]
    payin = await anyio.to_thread.run_sync(
        lambda: p.payins.complete_challenge(payin_id, token=token, approve=decision == "approve")
    )
    return HTMLResponse(
        f"<!doctype html><title>3-D Secure</title><p>Payment {html.escape(payin.status)}."
        " You can close this page.</p>"
    )


# -- the page customers come back to after 3-D Secure -------------------------------------

# Not under the API's prefix: the gateway sends the customer's browser to
# COFFER_PUBLIC_BASE_URL + /payments/return (see WalletPlatform).
returns = APIRouter(tags=["wallets"], route_class=WalletRoute)

_RETURN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>{refresh}
<style>body{{font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto}}</style>
</head><body><h1>{title}</h1><p>{message}</p></body></html>
"""

# pay-in status -> (title, message, whether the page reloads itself until it changes)
_RETURN_TEXT = {
    "succeeded": ("Payment received", "{amount} was added to your wallet.", False),
    "requires_capture": ("Payment authorized", "{amount} is authorized.", False),
    "processing": ("Confirming your payment", "Your bank confirmed {amount}; one moment.", True),
    "requires_action": ("Confirming your payment", "Waiting for your bank's answer.", True),
    "requires_payment_method": (
        "Payment not completed",
        "Your bank did not confirm the payment of {amount}. Nothing was charged.",
        False,
    ),
    "canceled": ("Payment canceled", "The payment of {amount} was canceled.", False),
}


@returns.get("/payments/return", response_class=HTMLResponse, responses=page_errors(404, 422))
def payment_return(
    p: Platform,
    payment_intent: Annotated[str, Query(min_length=1, max_length=255)],
    payment_intent_client_secret: Annotated[str, Query(min_length=1, max_length=255)],
) -> Response:
    """Where the card gateway sends the customer back after 3-D Secure (Stripe adds
    ``payment_intent``, ``payment_intent_client_secret`` and ``redirect_status``). The
    client secret must be the intent's (404 otherwise, as for an unknown intent): only the
    customer's browser has it. The outcome is the pay-in's own status, which the gateway's
    webhook sets: while it is still being confirmed the page reloads itself every 2
    seconds. With
    ``COFFER_PAYMENT_RETURN_URL`` set, a 303 to that page instead, with ``payin_id`` and
    ``status`` added to its query string."""
    from urllib.parse import urlencode, urlsplit

    from coffer.wallets.currencies import to_major

    payin = p.payins.payin_by_intent(payment_intent, payment_intent_client_secret)
    target = p.settings.payment_return_url
    if target:
        separator = "&" if urlsplit(target).query else "?"
        query = urlencode({"payin_id": payin.id, "status": payin.status})
        return RedirectResponse(f"{target}{separator}{query}", status_code=303)
    title, message, pending = _RETURN_TEXT.get(payin.status, ("Payment " + payin.status, "", False))
    amount = f"{to_major(payin.currency, payin.amount)} {payin.currency}"
    page = _RETURN_PAGE.format(
        title=html.escape(title),
        message=html.escape(message.format(amount=amount)),
        refresh='<meta http-equiv="refresh" content="2">' if pending else "",
    )
    return HTMLResponse(page, headers={"Cache-Control": "no-store"})


# -- gateway webhooks -------------------------------------------------------------------

_STRIPE_EVENT_BODY = {
    "requestBody": {
        "required": True,
        "description": "A Stripe event, exactly as Stripe sends it (the raw body is signed).",
        "content": {"application/json": {"schema": {"type": "object"}}},
    }
}


@public.post(
    "/gateways/stripe/webhook",
    responses=errors(400, 404, 422),
    openapi_extra=_STRIPE_EVENT_BODY,
)
async def stripe_webhook(
    request: Request,
    p: Platform,
    stripe_signature: Annotated[
        str | None, Header(alias="Stripe-Signature", max_length=4096)
    ] = None,
) -> S.GatewayEventReceipt:
    """Stripe's webhook (register this URL in Stripe's dashboard): applies
    ``payment_intent.succeeded``, ``.amount_capturable_updated``, ``.payment_failed`` and
    ``.canceled`` to the pay-in of that PaymentIntent, each at most once; answers 200 for
    events it ignores too. No bearer token: the ``Stripe-Signature`` header is verified with
    ``COFFER_STRIPE_WEBHOOK_SECRET`` (400 ``webhook_signature_invalid`` when it does not,
    404 ``gateway_not_configured`` without a secret)."""
    import anyio.to_thread

    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_WEBHOOK_BYTES:
            raise ValidationError(f"the webhook body exceeds {MAX_WEBHOOK_BYTES} bytes")
    payload = bytes(body)
    return await anyio.to_thread.run_sync(
        lambda: p.payins.handle_stripe_event(payload, stripe_signature)
    )


# -- bank accounts and payouts ----------------------------------------------------------


@write.post("/bank_accounts", status_code=201, responses=errors(*AUTH, 400, 404, 409))
def add_bank_account(
    body: S.BankAccountCreate, p: Platform, key: IdempotencyKey = None
) -> S.BankAccount:
    return p.payouts.add_bank_account(body, idempotency_key=key)


@read.get("/bank_accounts/{account_id}", responses=errors(*AUTH, 404))
def get_bank_account(account_id: str, p: Platform) -> S.BankAccount:
    return p.payouts.bank_account(account_id)


@write.post("/payouts", status_code=201, responses=errors(*AUTH, 400, 404, 409))
def create_payout(body: S.PayoutCreate, p: Platform, key: IdempotencyKey = None) -> S.Payout:
    return p.payouts.create_payout(body, idempotency_key=key)


@read.get("/payouts/{payout_id}", responses=errors(*AUTH, 404))
def get_payout(payout_id: str, p: Platform) -> S.Payout:
    return p.payouts.payout(payout_id)


@write.post(
    "/payout_batches",
    status_code=201,
    response_model=None,
    responses={204: {"description": "No payout is waiting to be exported"}, **errors(*AUTH, 409)},
)
def export_payouts(p: Platform, key: IdempotencyKey = None) -> S.PayoutBatch | Response:
    """Export every created payout as one pain.001.001.03 file (204 when none waits)."""
    batch = p.core.once(
        key=key,
        operation="payout_batch",
        payload={},
        run=p.payouts.export_batch,
        model=S.PayoutBatch,
    )
    return Response(status_code=204) if batch is None else batch


@write.post("/payouts/{payout_id}/outcome", responses=errors(*AUTH, 400, 404, 409))
def payout_outcome(
    payout_id: str, body: S.PayoutOutcome, p: Platform, key: IdempotencyKey = None
) -> S.Payout:
    return once(
        p,
        key,
        "payout_outcome",
        {"payout_id": payout_id, **body.model_dump(mode="json")},
        lambda: p.payouts.settle(payout_id, body),
        S.Payout,
        payout_id,
    )


# -- events and webhooks -----------------------------------------------------------------


@read.get("/events", responses=errors(*AUTH, 400))
def list_events(
    p: Platform,
    type: Annotated[list[str] | None, Query()] = None,
    limit: Limit = 10,
    starting_after: After = None,
) -> S.ListPage[S.Event]:
    return p.webhooks.events(types=type, limit=limit, starting_after=starting_after)


@read.get("/events/{event_id}", responses=errors(*AUTH, 404))
def get_event(event_id: str, p: Platform) -> S.Event:
    return p.webhooks.event(event_id)


@write.post("/webhook_endpoints", status_code=201, responses=errors(*AUTH, 400, 409))
def create_webhook_endpoint(
    body: S.WebhookEndpointCreate, p: Platform, key: IdempotencyKey = None
) -> S.WebhookEndpoint:
    return once(
        p,
        key,
        "webhook_endpoint",
        body.model_dump(mode="json"),
        lambda: p.webhooks.create_endpoint(body),
        S.WebhookEndpoint,
    )


@read.get("/webhook_endpoints", responses=errors(*AUTH))
def list_webhook_endpoints(
    p: Platform, limit: Limit = 10, starting_after: After = None
) -> S.ListPage[S.WebhookEndpoint]:
    return p.webhooks.endpoints(limit=limit, starting_after=starting_after)


@read.get("/webhook_endpoints/{endpoint_id}/deliveries", responses=errors(*AUTH, 404))
def list_deliveries(
    endpoint_id: str, p: Platform, limit: Limit = 10, starting_after: After = None
) -> S.ListPage[S.WebhookDelivery]:
    return p.webhooks.deliveries(endpoint_id, limit=limit, starting_after=starting_after)


@write.post(
    "/webhook_endpoints/{endpoint_id}/events/{event_id}/replay",
    status_code=201,
    responses=errors(*AUTH, 404, 409),
)
def replay_event(
    endpoint_id: str, event_id: str, p: Platform, key: IdempotencyKey = None
) -> S.WebhookDelivery:
    return once(
        p,
        key,
        "event_replay",
        {"endpoint_id": endpoint_id, "event_id": event_id},
        lambda: p.webhooks.replay(endpoint_id, event_id),
        S.WebhookDelivery,
        endpoint_id,
    )


@write.post("/webhook_endpoints/{endpoint_id}/disable", responses=errors(*AUTH, 404, 409))
def disable_webhook_endpoint(
    endpoint_id: str, p: Platform, key: IdempotencyKey = None
) -> S.WebhookEndpoint:
    return once(
        p,
        key,
        "webhook_endpoint_disable",
        {"endpoint_id": endpoint_id},
        lambda: p.webhooks.disable_endpoint(endpoint_id),
        S.WebhookEndpoint,
        endpoint_id,
    )


router.include_router(read)
router.include_router(write)
router.include_router(public)
