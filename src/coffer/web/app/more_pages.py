"""The wallet app's pages of the customer's automations (rules from recipes, recurring
payments: create, pause, resume, cancel, runs), conversions between the customer's own
wallets (a quote with its rate, fee and expiry before confirming) and loyalty points
(balance, lots with their expiry, redeem into cash)."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from typing import Any

import anyio.to_thread
from fastapi import APIRouter
from starlette.responses import RedirectResponse, Response

from coffer.errors import CofferError, QuoteExpired, QuoteUsed, StepUpRequired, ValidationError
from coffer.web.app import schemas as C
from coffer.web.app.assistant_pages import domains
from coffer.web.app.deps import PREFIX, AppContext
from coffer.web.app.money import Signed, kept_form, minor_units, read_form, step_up_redirect
from coffer.web.app.recipes import recurrence_of
from coffer.web.pages import WebRoute

router = APIRouter(prefix=PREFIX, route_class=WebRoute, include_in_schema=False)
RECIPES = ("round_up", "payday", "sweep", "recurring_payment")


# -- the customer's automations ---------------------------------------------------------


@router.get("/automations")
def automations(ctx: Signed) -> Response:
    return _automations_page(ctx, kept_form(ctx, f"{PREFIX}/automations"))


def _automations_page(
    ctx: AppContext, values: dict[str, str], status: int = 200, **extra: Any
) -> Response:
    d = domains(ctx)
    users = ctx.state.users
    return ctx.page(
        "app/automations.html", "Automations", status, rules=d.rules(ctx.user),
        recurrence=recurrence_of,
        pots=d.pots(ctx.user), values=values, recipes=RECIPES, wallets=users.wallets(ctx.user),
        people=users.beneficiaries(ctx.user, kind="customer"), **extra,
    )  # fmt: skip


def _rule_request(ctx: AppContext, form: dict[str, str]) -> C.RuleCreate:
    wallet = ctx.state.users.wallet(ctx.user, form.get("wallet_id", ""))
    recipe = form.get("recipe", "")
    if recipe not in RECIPES:
        raise ValidationError("Choose what the rule does.")
    amount = form.get("amount", "")
    threshold = form.get("threshold", "")
    try:
        day = int(form.get("day") or 25)
    except ValueError:
        raise ValidationError("Enter the day of the month as a number from 1 to 28.") from None
    if not 1 <= day <= 28:
        raise ValidationError("Enter the day of the month as a number from 1 to 28.")
    return C.RuleCreate(
        **_schedule_fields(form),
        recipe=recipe,  # type: ignore[arg-type]
        wallet_id=wallet.id,
        name=form.get("name") or None,
        amount=minor_units(amount, wallet.currency) if amount else None,
        threshold=minor_units(threshold, wallet.currency) if threshold else None,
        day=day,
        pot_name=form.get("pot_name") or None,
        beneficiary_id=form.get("beneficiary_id") or None,
    )


def _schedule_fields(form: dict[str, str]) -> dict[str, Any]:
    """The time of day, time zone and end of a scheduled rule, as typed in the form."""
    try:
        at = time.fromisoformat(form.get("at") or "09:00")
    except ValueError:
        raise ValidationError("Enter the time as HH:MM, for example 09:30.") from None
    ends = form.get("ends") or "never"
    if ends not in ("never", "on_date", "after"):
        raise ValidationError("Choose when the payments end.")
    end_date = None
    if ends == "on_date" and form.get("end_date"):
        try:
            end_date = date.fromisoformat(form["end_date"])
        except ValueError:
            raise ValidationError("Enter the last day as a date, for example 2027-06-30.") from None
    occurrences = None
    if ends == "after" and form.get("occurrences"):
        try:
            occurrences = int(form["occurrences"])
        except ValueError:
            occurrences = 0
        if not 1 <= occurrences <= C.MAX_OCCURRENCES:
            raise ValidationError(
                f"Enter how many times it runs: a number from 1 to {C.MAX_OCCURRENCES}."
            )
    return {"at": at.replace(second=0, microsecond=0), "time_zone": form.get("time_zone") or "UTC",
            "ends": ends, "end_date": end_date, "occurrences": occurrences}  # fmt: skip


@router.post("/automations")
async def create_rule(ctx: Signed) -> Response:
    form = await read_form(ctx)

    def run() -> Response:
        try:
            domains(ctx).create_rule(ctx.user, _rule_request(ctx, form))
        except StepUpRequired:
            return step_up_redirect(ctx, f"{PREFIX}/automations", form)
        except CofferError as error:
            return _automations_page(ctx, form, error.status, error=ctx._(error.message))
        return RedirectResponse(f"{PREFIX}/automations?created=1", 303)

    return await anyio.to_thread.run_sync(run)


@router.post("/pots/{pot_id}/withdraw")
async def withdraw(pot_id: str, ctx: Signed) -> Response:
    form = await read_form(ctx)

    def run() -> Response:
        d = domains(ctx)
        try:
            pot = next((p for p in d.pots(ctx.user) if p.id == pot_id), None)
            currency = pot.currency if pot is not None else "EUR"
            amount = minor_units(form.get("amount", ""), currency)
            d.withdraw(ctx.user, pot_id, amount, idempotency_key=form.get("idempotency_key"))
        except CofferError as error:
            return _automations_page(ctx, {}, error.status, error=ctx._(error.message))
        return RedirectResponse(f"{PREFIX}/automations?withdrawn=1", 303)

    return await anyio.to_thread.run_sync(run)


@router.get("/automations/{automation_id}")
def rule(automation_id: str, ctx: Signed) -> Response:
    d = domains(ctx)
    found = d.rule(ctx.user, automation_id)
    return ctx.page("app/automation.html", "Automation", rule=found,
                    runs=d.runs(ctx.user, automation_id))  # fmt: skip


@router.post("/automations/{automation_id}/{action}")
def rule_action(automation_id: str, action: str, ctx: Signed) -> Response:
    domains(ctx).set_rule_status(ctx.user, automation_id, action)
    return RedirectResponse(f"{PREFIX}/automations", 303)


# -- conversions ------------------------------------------------------------------------


@router.get("/convert")
def convert_form(ctx: Signed) -> Response:
    return _convert_page(ctx, {})


def _convert_page(
    ctx: AppContext, values: dict[str, str], status: int = 200, **extra: Any
) -> Response:
    return ctx.page(
        "app/convert.html", "Convert", status, values=values,
        wallets=ctx.state.users.wallets(ctx.user), currencies=ctx.state.settings.currencies,
        **extra,
    )  # fmt: skip


@router.post("/convert/quote")
async def convert_quote(ctx: Signed) -> Response:
    form = await read_form(ctx)

    def run() -> Response:
        try:
            wallet = ctx.state.users.wallet(ctx.user, form.get("wallet_id", ""))
            request = C.ConversionQuote(
                wallet_id=wallet.id, to_currency=form.get("to_currency", "XXX")[:3] or "XXX",
                amount=minor_units(form.get("amount", ""), wallet.currency),
            )  # fmt: skip
            quote = domains(ctx).quote(ctx.user, request)
        except CofferError as error:
            return _convert_page(ctx, form, error.status, error=ctx._(error.message))
        return ctx.page("app/convert_confirm.html", "Confirm the conversion", quote=quote,
                        wallet_id=wallet.id, rate=rate_text(quote.customer_rate),
                        mid_rate=rate_text(quote.mid_rate))  # fmt: skip

    return await anyio.to_thread.run_sync(run)


@router.post("/convert")
async def convert(ctx: Signed) -> Response:
    form = await read_form(ctx)

    def run() -> Response:
        request = C.ConversionCreate(
            quote_id=form.get("quote_id", "") or "-", wallet_id=form.get("wallet_id", "") or "-"
        )
        try:
            domains(ctx).convert(
                ctx.user, request, idempotency_key=form.get("idempotency_key") or None
            )
        except (QuoteExpired, QuoteUsed):
            message = ctx._(
                "The quote expired before you confirmed it. Ask for a new quote and confirm again."
            )
            return _convert_page(ctx, {"wallet_id": request.wallet_id}, 409, error=message)
        except CofferError as error:
            return _convert_page(ctx, form, error.status, error=ctx._(error.message))
        return RedirectResponse(f"{PREFIX}/?converted=1", 303)

    return await anyio.to_thread.run_sync(run)


def rate_text(rate: str) -> str:
    """A quote's exact rate (decimal text or a fraction) to 6 significant digits."""
    numerator, _, denominator = rate.partition("/")
    value = Decimal(numerator) / Decimal(denominator or 1)
    return f"{value:.6g}"


# -- loyalty points ---------------------------------------------------------------------


@router.get("/points")
def points(ctx: Signed) -> Response:
    return _points_page(ctx)


def _points_page(ctx: AppContext, status: int = 200, **extra: Any) -> Response:
    return ctx.page(
        "app/points.html", "Points", status, programs=domains(ctx).loyalty(ctx.user),
        wallets=ctx.state.users.wallets(ctx.user), **extra,
    )  # fmt: skip


@router.post("/points/redeem")
async def redeem(ctx: Signed) -> Response:
    form = await read_form(ctx)

    def run() -> Response:
        try:
            try:
                count = int(form.get("points", ""))
            except ValueError:
                raise ValidationError("Enter the number of points, like 500.") from None
            if count <= 0:
                raise ValidationError("Enter the number of points, like 500.")
            request = C.Redemption(
                program_id=form.get("program_id", "") or "-", points=count,
                wallet_id=form.get("wallet_id", "") or "-",
            )  # fmt: skip
            domains(ctx).redeem(ctx.user, request, idempotency_key=form.get("idempotency_key"))
        except CofferError as error:
            return _points_page(ctx, error.status, error=ctx._(error.message))
        return RedirectResponse(f"{PREFIX}/points?redeemed=1", 303)

    return await anyio.to_thread.run_sync(run)
