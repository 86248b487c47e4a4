"""The pages a paying customer's browser opens: the sandbox 3-D Secure page and the
page the card gateway sends the customer back to."""

from __future__ import annotations

import html
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from coffer.wallets import tables as T
from coffer.wallets.endpoints.deps import (
    PREFIX,
    PayinPlatform,
    Routes,
    platform_owning,
)
from coffer.wallets.http_errors import WalletRoute, page_errors

api = Routes()


_CHALLENGE_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>3-D Secure (sandbox)</title>
<style>body{{font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto}}
button{{font-size:1rem;padding:.5rem 1.5rem;margin-right:1rem}}</style></head>
<body><h1>Confirm your payment</h1>
<p>Sandbox bank: authenticate a payment of <strong>{amount}</strong> with the card
ending in <strong>{last4}</strong>.</p>
<form method="post" action="{action}">
<input type="hidden" name="token" value="{token}">{return_field}
<button name="decision" value="approve">Approve</button>
<button name="decision" value="deny">Deny</button>
</form></body></html>
"""


def return_path(value: str | None) -> str | None:
    """Where the challenge sends the browser back once answered: a path of the wallet app
    only (``/app/...``), never another site (no open redirect)."""
    if (
        value
        and value.startswith("/app/")
        and not value.startswith("//")
        and "\\" not in value
        and "\n" not in value
        and "\r" not in value
    ):
        return value
    return None


@api.public.get(
    "/sandbox/3ds/{payin_id}", response_class=HTMLResponse, responses=page_errors(404, 422)
)
def challenge_page(
    payin_id: str, token: str, p: PayinPlatform, return_to: str | None = None
) -> HTMLResponse:
    """The sandbox bank's 3-D Secure page (sandbox platforms only). ``return_to`` (a path
    of the wallet app, under ``/app/``): where the browser goes once the customer has
    answered."""
    payin = p.payins.payin(payin_id)
    from coffer.wallets.currencies import to_major

    back = return_path(return_to)
    page = _CHALLENGE_PAGE.format(
        amount=html.escape(f"{to_major(payin.currency, payin.amount)} {payin.currency}"),
        last4=html.escape(payin.card_last4 or "????"),
        action=html.escape(f"{PREFIX}/sandbox/3ds/{payin_id}"),
        token=html.escape(token),
        return_field=""
        if back is None
        else f'<input type="hidden" name="return_to" value="{html.escape(back)}">',
    )
    return HTMLResponse(page)


# the form the challenge page posts (read from the raw body, so described here)
_CHALLENGE_FORM = {
    "requestBody": {
        "required": True,
        "description": "The challenge page's form (token and decision may also come in the "
        "query string).",
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "token": {"type": "string", "description": "The challenge's token."},
                        "decision": {"type": "string", "enum": ["approve", "deny"]},
                        "return_to": {
                            "type": "string",
                            "description": "A wallet app path (/app/...) to go back to.",
                        },
                    },
                    "required": ["token", "decision"],
                }
            }
        },
    }
}


@api.public.post(
    "/sandbox/3ds/{payin_id}",
    response_class=HTMLResponse,
    responses={**page_errors(400, 404, 409, 422), 303: {"description": "Back to return_to"}},
    openapi_extra=_CHALLENGE_FORM,
)
async def complete_challenge(payin_id: str, request: Request, p: PayinPlatform) -> Response:
    from urllib.parse import parse_qs

    import anyio.to_thread

    form = parse_qs((await request.body()).decode(errors="replace"))
    token = (form.get("token") or request.query_params.getlist("token") or [""])[0]
    decision = (form.get("decision") or request.query_params.getlist("decision") or [""])[0]
    payin = await anyio.to_thread.run_sync(
        lambda: p.payins.complete_challenge(payin_id, token=token, approve=decision == "approve")
    )
    back = return_path((form.get("return_to") or [""])[0])
    if back is not None:
        return RedirectResponse(back, status_code=303)
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
    request: Request,
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

    p = platform_owning(request.app, T.payins, {"gateway_ref": payment_intent})
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
