"""The wallet app's assistant pages: categorized spending with corrections and the review
queue, budgets (progress and a chart), goals, and questions with insights (recurring
payments, the balance forecast). Each page reaches only the signed-in customer's data
(:class:`coffer.web.app.customer.Domains`)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any
from urllib.parse import quote

import anyio.to_thread
from fastapi import APIRouter
from starlette.responses import RedirectResponse, Response

from coffer.assistant import taxonomy
from coffer.errors import CofferError, ValidationError
from coffer.wallets import currencies
from coffer.web.app import schemas as C
from coffer.web.app.customer import Domains
from coffer.web.app.deps import PREFIX, AppContext
from coffer.web.app.money import Signed, minor_units, read_form
from coffer.web.pages import WebRoute

router = APIRouter(prefix=PREFIX, route_class=WebRoute, include_in_schema=False)


def domains(ctx: AppContext) -> Domains:
    return Domains(ctx.request.app, ctx.state)


def category_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """(primary, [(detailed, what it covers)]) in Plaid's order, for the pickers."""
    return [
        (p, [(d, taxonomy.CATEGORIES[d].description) for d in taxonomy.detailed_of(p)])
        for p in taxonomy.PRIMARY_CATEGORIES
    ]


def major(amount: int, currency: str) -> float:
    """An amount for a chart's axis (a float is fine for drawing, never for money)."""
    return float(currencies.to_major(currency, int(amount)))


def chart_json(kind: str, labels: list[str], datasets: list[dict[str, Any]]) -> str:
    """A chart's data for static/app/charts.js (inside a JSON script block)."""
    text = json.dumps({"type": kind, "labels": labels, "datasets": datasets})
    return text.replace("<", "\\u003c")


# -- spending and the review queue ------------------------------------------------------


@router.get("/spending")
def spending(ctx: Signed, review: bool = False) -> Response:
    lines = domains(ctx).lines(ctx.user, review=review)
    return ctx.page(
        "app/spending.html", "Spending", lines=lines, review=review, quote=quote,
    )  # fmt: skip


@router.get("/spending/{transaction_id}")
def line_page(transaction_id: str, ctx: Signed) -> Response:
    line = domains(ctx).line(ctx.user, transaction_id)
    return _line_page(ctx, line)


def _line_page(ctx: AppContext, line: Any, status: int = 200, **extra: Any) -> Response:
    return ctx.page(
        "app/spending_line.html", "Change the category", status, line=line,
        choices=category_choices(), quote=quote, **extra,
    )  # fmt: skip


@router.post("/spending/{transaction_id}")
async def recategorize(transaction_id: str, ctx: Signed) -> Response:
    form = await read_form(ctx)

    def run() -> Response:
        d = domains(ctx)
        try:
            d.recategorize(ctx.user, transaction_id, form.get("category", ""))
        except ValidationError as error:
            line = d.line(ctx.user, transaction_id)
            return _line_page(ctx, line, error.status, error=ctx._(error.message))
        back = "/app/spending?review=true" if form.get("review") else "/app/spending"
        return RedirectResponse(f"{back}{'&' if '?' in back else '?'}changed=1", 303)

    return await anyio.to_thread.run_sync(run)


# -- budgets ----------------------------------------------------------------------------


@router.get("/budgets")
def budgets(ctx: Signed) -> Response:
    return _budgets_page(ctx, {})


def _budgets_page(
    ctx: AppContext, values: dict[str, str], status: int = 200, **extra: Any
) -> Response:
    view = domains(ctx).budgets(ctx.user)
    rows = view["data"]
    chart = chart_json(
        "bar",
        [row["name"] for row in rows],
        [
            {
                "label": ctx._("Budget"),
                "data": [major(r["available"], r["currency"]) for r in rows],
            },
            {"label": ctx._("Spent"), "data": [major(r["spent"], r["currency"]) for r in rows]},
        ],
    )
    return ctx.page(
        "app/budgets.html", "Budgets", status, budgets=rows, chart=chart if rows else None,
        values=values, choices=category_choices(), primaries=taxonomy.PRIMARY_CATEGORIES,
        currencies=[w.currency for w in ctx.state.users.wallets(ctx.user)], **extra,
    )  # fmt: skip


@router.post("/budgets")
async def create_budget(ctx: Signed) -> Response:
    form = await read_form(ctx)

    def run() -> Response:
        try:
            currency = form.get("currency", "")
            request = C.BudgetCreate(
                category=form.get("category") or "-", currency=currency or "XXX",
                amount=minor_units(form.get("amount", ""), currency or "EUR"),
                rollover=form.get("rollover") == "on",
            )  # fmt: skip
            domains(ctx).create_budget(ctx.user, request)
        except CofferError as error:
            return _budgets_page(ctx, form, error.status, error=ctx._(error.message))
        return RedirectResponse(f"{PREFIX}/budgets", 303)

    return await anyio.to_thread.run_sync(run)


@router.post("/budgets/{budget_id}/delete")
def delete_budget(budget_id: str, ctx: Signed) -> Response:
    domains(ctx).delete_budget(ctx.user, budget_id)
    return RedirectResponse(f"{PREFIX}/budgets", 303)


# -- goals ------------------------------------------------------------------------------


@router.get("/goals")
def goals(ctx: Signed) -> Response:
    return _goals_page(ctx, {})


def _goals_page(
    ctx: AppContext, values: dict[str, str], status: int = 200, **extra: Any
) -> Response:
    return ctx.page(
        "app/goals.html", "Goals", status, goals=domains(ctx).goals(ctx.user), values=values,
        currencies=[w.currency for w in ctx.state.users.wallets(ctx.user)],
        **extra,
    )  # fmt: skip


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


@router.post("/goals")
async def create_goal(ctx: Signed) -> Response:
    form = await read_form(ctx)

    def run() -> Response:
        try:
            currency = form.get("currency", "") or "EUR"
            saved = form.get("saved_amount", "")
            try:
                target_date = _day(form.get("target_date"))
            except ValueError:
                raise ValidationError("Enter the date as YYYY-MM-DD.") from None
            request = C.GoalCreate(
                name=form.get("name", "") or "-", currency=currency,
                target_amount=minor_units(form.get("target_amount", ""), currency),
                target_date=target_date,
                saved_amount=minor_units(saved, currency) if saved not in ("", "0") else 0,
            )  # fmt: skip
            domains(ctx).create_goal(ctx.user, request)
        except CofferError as error:
            return _goals_page(ctx, form, error.status, error=ctx._(error.message))
        return RedirectResponse(f"{PREFIX}/goals", 303)

    return await anyio.to_thread.run_sync(run)


# -- questions and insights -----------------------------------------------------------


@router.get("/ask")
def ask_page(ctx: Signed) -> Response:
    return _ask_page(ctx, None, "")


def _ask_page(
    ctx: AppContext, answer: dict[str, Any] | None, question: str, status: int = 200, **extra: Any
) -> Response:
    insights = domains(ctx).insights(ctx.user)
    projection = insights["forecast"]["balance_projection"]
    currency = insights["currency"]
    chart = chart_json(
        "line",
        [point["date"] for point in projection],
        [{"label": ctx._("Balance"), "data": [major(p["balance"], currency) for p in projection]}],
    )
    figures = {
        k: v for k, v in (answer or {}).get("data", {}).items() if _simple(v) and k != "chart"
    }
    return ctx.page(
        "app/ask.html", "Ask", status, answer=answer, question=question, insights=insights,
        chart=chart if projection else None, figures=figures, **extra,
    )  # fmt: skip


def _simple(value: Any) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)


@router.post("/ask")
async def ask(ctx: Signed) -> Response:
    form = await read_form(ctx)
    question = form.get("question", "")

    def run() -> Response:
        try:
            answer = domains(ctx).ask(ctx.user, question)
        except CofferError as error:
            return _ask_page(ctx, None, question, error.status, error=ctx._(error.message))
        return _ask_page(ctx, answer, question)

    return await anyio.to_thread.run_sync(run)
