"""The end-user API's domain routes under ``/api/me/v1``: the assistant (categorized
lines and corrections, budgets, goals, questions, insights), the customer's own
automations (rules from recipes, recurring payments, runs), conversions between their
own wallets and loyalty points. Same sign-in, errors and step-up as the rest of the API
(:mod:`coffer.web.app.api`); every route reaches only the signed-in customer's data."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request, Response

from coffer.assistant import schemas as AS
from coffer.assistant.models import Txn
from coffer.automations import schemas as A
from coffer.fx import schemas as F
from coffer.fx.loyalty import schemas as L
from coffer.wallets import schemas as W
from coffer.wallets.endpoints.deps import IdempotencyKey
from coffer.wallets.http_errors import WalletRoute, errors
from coffer.web.app import schemas as C
from coffer.web.app.api import AUTH, Me, signed_in_session
from coffer.web.app.customer import Domains
from coffer.web.app.state import app_state


def domains_of(request: Request) -> Domains:
    return Domains(request.app, app_state(request))


D = Annotated[Domains, Depends(domains_of)]
router = APIRouter(route_class=WalletRoute, dependencies=[Depends(signed_in_session)])


def _line(t: Txn) -> C.CategorizedLine:
    return C.CategorizedLine(
        id=t.id, date=t.date, amount=t.amount, currency=t.currency, description=t.description,
        merchant=t.merchant, primary=t.primary, detailed=t.detailed, confidence=t.confidence,
        category_source=t.category_source,
    )  # fmt: skip


# -- the assistant ------------------------------------------------------------------------


@router.get("/spending", responses=errors(*AUTH))
def spending(actor: Me, d: D, review: bool = False) -> list[C.CategorizedLine]:
    """Categorized lines, newest first; ``review=true``: the review queue (no category)."""
    return [_line(t) for t in d.lines(actor, review=review)]


@router.post("/spending/{transaction_id}/category", responses=errors(*AUTH, 400, 404))
def recategorize(transaction_id: str, body: C.Recategorize, actor: Me, d: D) -> C.CategorizedLine:
    """Correct a line's category: kept (locked) and learned for the payee."""
    return _line(d.recategorize(actor, transaction_id, body.category))


@router.get("/budgets", responses=errors(*AUTH))
def budgets(actor: Me, d: D) -> dict[str, Any]:
    """Budgets with this month's rollover, spending, what is left and pace alerts."""
    return d.budgets(actor)


@router.post("/budgets", status_code=201, responses=errors(*AUTH, 400))
def create_budget(body: C.BudgetCreate, actor: Me, d: D) -> dict[str, Any]:
    return d.create_budget(actor, body)


@router.delete("/budgets/{budget_id}", status_code=204, responses=errors(*AUTH, 404))
def delete_budget(budget_id: str, actor: Me, d: D) -> Response:
    d.delete_budget(actor, budget_id)
    return Response(status_code=204)


@router.get("/goals", responses=errors(*AUTH))
def goals(actor: Me, d: D) -> list[dict[str, Any]]:
    """Goals with progress, the monthly saving they need and the forecasted date."""
    return d.goals(actor)


@router.post("/goals", status_code=201, responses=errors(*AUTH, 400))
def create_goal(body: C.GoalCreate, actor: Me, d: D) -> dict[str, Any]:
    return d.create_goal(actor, body)


@router.post("/ask", responses=errors(*AUTH, 400))
def ask(body: C.Question, actor: Me, d: D) -> AS.AskAnswer:
    """A question in plain language (English or Chinese): the answer and its figures."""
    return AS.AskAnswer.model_validate(d.ask(actor, body.question))


@router.get("/insights", responses=errors(*AUTH))
def insights(actor: Me, d: D) -> C.Insights:
    """Recurring payments detected and the 90-day balance forecast."""
    return C.Insights.model_validate(d.insights(actor))


# -- the customer's automations -------------------------------------------------------


@router.get("/automations", responses=errors(*AUTH))
def rules(actor: Me, d: D) -> list[A.Automation]:
    return d.rules(actor)


@router.post("/automations", status_code=201, responses=errors(*AUTH, 400, 403, 404))
def create_rule(body: C.RuleCreate, actor: Me, d: D) -> A.Automation:
    """A rule from a recipe. A fixed amount above the step-up threshold, or a recurring
    payment to another person, needs a fresh second factor (403 step_up_required)."""
    return d.create_rule(actor, body)


@router.get("/automations/{automation_id}/runs", responses=errors(*AUTH, 404))
def runs(automation_id: str, actor: Me, d: D) -> list[A.Run]:
    return d.runs(actor, automation_id)


@router.post("/automations/{automation_id}/{action}", responses=errors(*AUTH, 404, 409))
def rule_action(
    automation_id: str, action: Literal["pause", "resume", "cancel"], actor: Me, d: D
) -> A.Automation:
    return d.set_rule_status(actor, automation_id, action)


@router.get("/pots", responses=errors(*AUTH))
def pots(actor: Me, d: D) -> list[W.Wallet]:
    """The customer's pots (the wallets their rules save into), with balances."""
    return d.pots(actor)


@router.post("/pots/{pot_id}/withdrawals", status_code=201,
             responses=errors(*AUTH, 400, 404, 409))  # fmt: skip
def withdraw(
    pot_id: str, body: C.PotWithdrawal, actor: Me, d: D, key: IdempotencyKey = None
) -> W.Transfer:
    """Move money from a pot back to the customer's wallet of its currency."""
    return d.withdraw(actor, pot_id, body.amount, idempotency_key=key)


# -- conversions and loyalty ----------------------------------------------------------


@router.post("/conversions/quote", status_code=201, responses=errors(*AUTH, 400, 404, 409))
def quote(body: C.ConversionQuote, actor: Me, d: D) -> F.Quote:
    """A quote: rate, fee, both amounts and its expiry. Nothing moves."""
    return d.quote(actor, body)


@router.post("/conversions", status_code=201, responses=errors(*AUTH, 400, 404, 409, 410))
def convert(body: C.ConversionCreate, actor: Me, d: D, key: IdempotencyKey = None) -> F.Conversion:
    """Convert at the quote into the customer's wallet of the bought currency (opened
    when missing). An expired or used quote is refused: ask for a new one."""
    return d.convert(actor, body, idempotency_key=key)


@router.get("/loyalty", responses=errors(*AUTH))
def loyalty(actor: Me, d: D) -> list[C.LoyaltyBalance]:
    """Points per program, the tier, and the lots with their expiry."""
    return d.loyalty(actor)


@router.post("/loyalty/redemptions", status_code=201, responses=errors(*AUTH, 400, 404, 409))
def redeem(body: C.Redemption, actor: Me, d: D, key: IdempotencyKey = None) -> L.Movement:
    return d.redeem(actor, body, idempotency_key=key)
