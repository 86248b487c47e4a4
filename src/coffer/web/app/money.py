"""The wallet app's money pages: balances, history, send money (the fee shown before
confirming), top up by card (3-D Secure in the sandbox), pay out, beneficiaries,
notifications. Each page calls the users service with the signed-in actor: it reaches only
the user's own wallets."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

import anyio.to_thread
from fastapi import APIRouter, Depends
from starlette.responses import RedirectResponse, Response

from coffer.errors import CofferError, StepUpRequired, ValidationError
from coffer.identity.users import schemas as U
from coffer.wallets import currencies
from coffer.wallets import schemas as S
from coffer.web.app.deps import PREFIX, AppContext, app_context, form_text
from coffer.web.pages import WebRoute

router = APIRouter(prefix=PREFIX, route_class=WebRoute, include_in_schema=False)
Signed = Annotated[AppContext, Depends(app_context())]
PENDING_FORM = "pending_form"
HISTORY_PAGE = 50
# the form fields a step-up keeps (never a card number or a password)
KEPT_FIELDS = ("wallet_id", "amount", "to_email", "beneficiary_id", "note", "kind", "name",
               "email", "iban", "bic", "holder_name", "recipe", "threshold", "day",
               "pot_name")  # fmt: skip


def minor_units(text: str, currency: str) -> int:
    """An amount typed in major units ("12.5") as minor units of ``currency`` (1250)."""
    try:
        value = Decimal(text.replace(",", ".").replace(" ", ""))
    except InvalidOperation:
        raise ValidationError("Enter the amount as a number, like 12.50.") from None
    minor = value.scaleb(currencies.exponent(currency))
    if not value.is_finite() or minor != minor.to_integral_value() or minor <= 0:
        raise ValidationError("Enter a positive amount with at most the currency's decimals.")
    return int(minor)


def step_up_redirect(ctx: AppContext, path: str, form: dict[str, str]) -> Response:
    """Keep the form (its safe fields) and ask for a second factor; the form comes back
    filled in once it was given."""
    ctx.session.data[PENDING_FORM] = {
        "path": path,
        "fields": {k: v for k, v in form.items() if k in KEPT_FIELDS},
    }
    ctx.state.sessions.save_data(ctx.session)
    return RedirectResponse(f"{PREFIX}/step-up?{urlencode({'next': path})}", status_code=303)


def kept_form(ctx: AppContext, path: str) -> dict[str, str]:
    """The form a step-up kept for ``path`` (then forgotten), or an empty one."""
    pending = ctx.session.data.get(PENDING_FORM)
    if not isinstance(pending, dict) or pending.get("path") != path:
        return {}
    ctx.session.data.pop(PENDING_FORM, None)
    ctx.state.sessions.save_data(ctx.session)
    fields = pending.get("fields")
    return {str(k): str(v) for k, v in fields.items()} if isinstance(fields, dict) else {}


async def read_form(ctx: AppContext) -> dict[str, str]:
    form = await ctx.request.form()
    return {name: form_text(form, name, 300) for name in form if isinstance(name, str)}


# -- home and history ---------------------------------------------------------------------


@router.get("/")
def home(ctx: Signed) -> Response:
    users = ctx.state.users
    wallets = users.wallets(ctx.user)
    recent = users.history(ctx.user, limit=5)
    return ctx.page(
        "app/home.html", "Your wallet", wallets=wallets, recent=recent,
        names=_wallet_names(wallets),
        notice=ctx._("Converted.") if ctx.request.query_params.get("converted") else None,
        open_currencies=[
            c for c in ctx.state.settings.currencies if c not in {w.currency for w in wallets}
        ],
    )  # fmt: skip


@router.post("/wallets")
async def open_wallet(ctx: Signed) -> Response:
    form = await read_form(ctx)
    try:
        await anyio.to_thread.run_sync(
            lambda: ctx.state.users.open_wallet(ctx.user, form.get("currency", ""))
        )
    except CofferError as error:
        return _error_page(ctx, error)
    return RedirectResponse(f"{PREFIX}/", status_code=303)


@router.get("/history")
def history(ctx: Signed, wallet: str = "") -> Response:
    users = ctx.state.users
    wallets = users.wallets(ctx.user)
    lines = users.history(ctx.user, wallet_id=wallet or None, limit=HISTORY_PAGE)
    return ctx.page(
        "app/history.html", "History", lines=lines, wallets=wallets, selected=wallet,
        names=_wallet_names(wallets),
    )  # fmt: skip


def _wallet_names(wallets: list[S.Wallet]) -> dict[str, str]:
    return {w.id: w.currency for w in wallets}


# -- send money ---------------------------------------------------------------------------


@router.get("/send")
def send_form(ctx: Signed) -> Response:
    values = kept_form(ctx, f"{PREFIX}/send")
    return _send_page(ctx, values)


def _send_page(
    ctx: AppContext, values: dict[str, str], status: int = 200, **extra: Any
) -> Response:
    users = ctx.state.users
    return ctx.page(
        "app/send.html", "Send money", status, values=values, wallets=users.wallets(ctx.user),
        beneficiaries=users.beneficiaries(ctx.user, kind="customer"), **extra,
    )  # fmt: skip


def _transfer_request(ctx: AppContext, form: dict[str, str]) -> U.TransferQuoteRequest:
    wallet = ctx.state.users.wallet(ctx.user, form.get("wallet_id", ""))
    recipient = form.get("beneficiary_id") or ""
    try:
        return U.TransferQuoteRequest(
            wallet_id=wallet.id,
            amount=minor_units(form.get("amount", ""), wallet.currency),
            to_email=None if recipient else (form.get("to_email") or None),
            beneficiary_id=recipient or None,
            note=form.get("note") or None,
        )
    except ValueError:
        raise ValidationError(
            "Choose a saved beneficiary or enter the recipient's email."
        ) from None


@router.post("/send/quote")
async def send_quote(ctx: Signed) -> Response:
    """The confirmation page: amount, fee, what the recipient gets."""
    form = await read_form(ctx)

    def run() -> Response:
        try:
            request = _transfer_request(ctx, form)
            quote = ctx.state.users.quote(ctx.user, request)
        except CofferError as error:
            return _send_page(ctx, form, error.status, error=ctx._(error.message))
        return ctx.page("app/send_confirm.html", "Confirm the transfer", quote=quote, values=form)

    return await anyio.to_thread.run_sync(run)


@router.post("/send")
async def send(ctx: Signed) -> Response:
    form = await read_form(ctx)

    def run() -> Response:
        try:
            request = _transfer_request(ctx, form)
            key = form.get("idempotency_key") or None
            transfer = ctx.state.users.send(ctx.user, request, idempotency_key=key)
        except StepUpRequired:
            return step_up_redirect(ctx, f"{PREFIX}/send", form)
        except CofferError as error:
            return _send_page(ctx, form, error.status, error=ctx._(error.message))
        return RedirectResponse(f"{PREFIX}/history?{urlencode({'sent': transfer.id})}", 303)

    return await anyio.to_thread.run_sync(run)


# -- top up -----------------------------------------------------------------------------


@router.get("/top-up")
def top_up_form(ctx: Signed) -> Response:
    return _top_up_page(ctx, {})


def _top_up_page(
    ctx: AppContext, values: dict[str, str], status: int = 200, **extra: Any
) -> Response:
    values = {k: v for k, v in values.items() if k in ("wallet_id", "amount")}
    return ctx.page(
        "app/top_up.html", "Top up", status, values=values,
        wallets=ctx.state.users.wallets(ctx.user),
        sandbox=ctx.state.users.platform.payins.gateway.name == "sandbox", **extra,
    )  # fmt: skip


@router.post("/top-up")
async def top_up(ctx: Signed) -> Response:
    form = await read_form(ctx)

    def run() -> Response:
        try:
            wallet = ctx.state.users.wallet(ctx.user, form.get("wallet_id", ""))
            try:
                card = S.Card(
                    number=form.get("card_number", "").replace(" ", ""),
                    exp_month=int(form.get("exp_month") or 0),
                    exp_year=int(form.get("exp_year") or 0),
                    cvc=form.get("cvc", ""),
                )
            except ValueError:
                raise ValidationError(
                    "Check the card number, expiry date and security code."
                ) from None
            request = U.TopUpRequest(
                wallet_id=wallet.id,
                amount=minor_units(form.get("amount", ""), wallet.currency),
                card=card,
            )
            payin = ctx.state.users.top_up(
                ctx.user, request, idempotency_key=form.get("idempotency_key") or None
            )
        except CofferError as error:
            return _top_up_page(ctx, form, error.status, error=ctx._(error.message))
        status_page = f"{PREFIX}/top-up/{payin.id}"
        if payin.status == "requires_action" and payin.next_action is not None:
            return RedirectResponse(_with_return(payin.next_action.url, status_page), 303)
        return RedirectResponse(status_page, 303)

    return await anyio.to_thread.run_sync(run)


def _with_return(url: str, back: str) -> str:
    """The 3-D Secure page's URL, told to send the browser back to ``back`` (a path of
    this app) when the customer has answered; only the sandbox's own page takes it."""
    if urlsplit(url).path.startswith("/api/wallets/v1/sandbox/3ds/"):
        separator = "&" if "?" in url else "?"
        return f"{url}{separator}{urlencode({'return_to': back})}"
    return url


@router.get("/top-up/{payin_id}")
def top_up_status(payin_id: str, ctx: Signed) -> Response:
    payin = ctx.state.users.top_up_returned(ctx.user, payin_id)
    return ctx.page("app/top_up_status.html", "Top up", payin=payin)


# -- pay out ------------------------------------------------------------------------------


@router.get("/payout")
def payout_form(ctx: Signed) -> Response:
    return _payout_page(ctx, kept_form(ctx, f"{PREFIX}/payout"))


def _payout_page(
    ctx: AppContext, values: dict[str, str], status: int = 200, **extra: Any
) -> Response:
    users = ctx.state.users
    return ctx.page(
        "app/payout.html", "Pay out", status, values=values, wallets=users.wallets(ctx.user),
        accounts=users.beneficiaries(ctx.user, kind="bank_account"),
        payouts=users.payouts(ctx.user)[:20], **extra,
    )  # fmt: skip


@router.post("/payout")
async def payout(ctx: Signed) -> Response:
    form = await read_form(ctx)

    def run() -> Response:
        try:
            wallet = ctx.state.users.wallet(ctx.user, form.get("wallet_id", ""))
            request = U.PayoutRequest(
                wallet_id=wallet.id,
                beneficiary_id=form.get("beneficiary_id", "") or "-",
                amount=minor_units(form.get("amount", ""), wallet.currency),
            )
            ctx.state.users.payout(
                ctx.user, request, idempotency_key=form.get("idempotency_key") or None
            )
        except StepUpRequired:
            return step_up_redirect(ctx, f"{PREFIX}/payout", form)
        except CofferError as error:
            return _payout_page(ctx, form, error.status, error=ctx._(error.message))
        return RedirectResponse(f"{PREFIX}/payout?done=1", 303)

    return await anyio.to_thread.run_sync(run)


# -- beneficiaries ------------------------------------------------------------------------


@router.get("/beneficiaries")
def beneficiaries(ctx: Signed) -> Response:
    return _beneficiaries_page(ctx, kept_form(ctx, f"{PREFIX}/beneficiaries"))


def _beneficiaries_page(
    ctx: AppContext, values: dict[str, str], status: int = 200, **extra: Any
) -> Response:
    return ctx.page(
        "app/beneficiaries.html", "Beneficiaries", status, values=values,
        beneficiaries=ctx.state.users.beneficiaries(ctx.user), **extra,
    )  # fmt: skip


@router.post("/beneficiaries")
async def add_beneficiary(ctx: Signed) -> Response:
    form = await read_form(ctx)

    def run() -> Response:
        try:
            try:
                request = U.BeneficiaryCreate(
                    kind=form.get("kind", "customer"),  # type: ignore[arg-type]
                    name=form.get("name", ""),
                    email=form.get("email") or None,
                    iban=(form.get("iban") or "").replace(" ", "") or None,
                    bic=form.get("bic") or None,
                    holder_name=form.get("holder_name") or None,
                )
            except ValueError:
                raise ValidationError(
                    "Give a name, and the email of the person or the IBAN of the account."
                ) from None
            ctx.state.users.add_beneficiary(ctx.user, request)
        except StepUpRequired:
            return step_up_redirect(ctx, f"{PREFIX}/beneficiaries", form)
        except CofferError as error:
            return _beneficiaries_page(ctx, form, error.status, error=ctx._(error.message))
        return RedirectResponse(f"{PREFIX}/beneficiaries", 303)

    return await anyio.to_thread.run_sync(run)


@router.post("/beneficiaries/{beneficiary_id}/delete")
def delete_beneficiary(beneficiary_id: str, ctx: Signed) -> Response:
    ctx.state.users.delete_beneficiary(ctx.user, beneficiary_id)
    return RedirectResponse(f"{PREFIX}/beneficiaries", 303)


# -- notifications ------------------------------------------------------------------------


@router.get("/notifications")
def notifications(ctx: Signed) -> Response:
    from coffer.web.app.customer import Domains
    from coffer.web.app.feed import sync

    sync(Domains(ctx.request.app, ctx.state), ctx.user, ctx.session)
    items = ctx.state.users.notifications(ctx.user)
    return ctx.page(
        "app/notifications.html", "Notifications", items=items, alerts=_assistant_alerts(ctx)
    )


def _assistant_alerts(ctx: AppContext) -> list[dict[str, Any]]:
    """The assistant's alerts published for the signed-in customer (budget pace, bills
    due, unusual spending, ...), newest first; none when the assistant cannot answer."""
    from coffer.assistant.endpoints import assistant_for

    try:
        assistant = assistant_for(ctx.request.app, ctx.user.platform_id)
        return assistant.sent_alerts(ctx.user.customer_id, limit=20)
    except CofferError:
        return []


@router.post("/notifications/read")
def read_all(ctx: Signed) -> Response:
    ctx.state.users.mark_read(ctx.user)
    return RedirectResponse(f"{PREFIX}/notifications", 303)


def _error_page(ctx: AppContext, error: CofferError) -> Response:
    return ctx.page("app/message.html", "Something went wrong", error.status,
                    message=ctx._(error.message))  # fmt: skip
