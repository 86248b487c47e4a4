"""The assistant HTTP API under ``/api/assistant/v1`` (mounted by ``create_app``).

Scopes ``assistant:read`` and ``assistant:write``; errors in the wallets API's typed shape.
The customer's data is read through the wallets service and the assistant's own imports.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, Literal, ParamSpec

from fastapi import APIRouter, Depends, Request, Response, Security

from coffer.assistant import schemas as S
from coffer.assistant.models import newest_first
from coffer.assistant.service import Assistant
from coffer.platforms import DEFAULT_PLATFORM_ID, platform_id_of
from coffer.wallets.endpoints.deps import authorize, domain_for
from coffer.wallets.http_errors import WalletRoute, errors
from coffer.wallets.platform import WalletPlatform

PREFIX = "/api/assistant/v1"
AUTH = (401, 403, 422)
P = ParamSpec("P")


def assistant_for(app: Any, platform_id: str = DEFAULT_PLATFORM_ID) -> Assistant:
    """The assistant of a platform in a FastAPI app, built on first use on the platform's
    wallets (another platform's customers are not found). The default platform's is
    ``app.state.assistant``, which an embedding app may set itself."""

    def build(platform: WalletPlatform) -> Assistant:
        settings = app.state.server.coffer.settings
        hook = None
        if settings.assistant_model_url:
            from coffer.assistant.ask.model import ModelHook

            hook = ModelHook(
                settings.assistant_model_url,
                settings.assistant_model_name,
                api_key=settings.assistant_model_api_key,
                timeout_seconds=settings.assistant_model_timeout_seconds,
            )
        from coffer.assistant.home_currency import fx_rate_source
        from coffer.fx.endpoints import fx_for

        return Assistant(
            platform.core.engine,
            platform.wallets,
            model_hook=hook,
            rates=fx_rate_source(fx_for(app, platform_id)),
        )

    return domain_for(app, "assistant", platform_id, build)


def assistant_of(request: Request) -> Assistant:
    return assistant_for(request.app, platform_id_of(request))


Read = Security(authorize, scopes=["assistant:read"])
Write = Security(authorize, scopes=["assistant:write"])
Service = Annotated[Assistant, Depends(assistant_of)]

router = APIRouter(prefix=PREFIX, tags=["assistant"], route_class=WalletRoute)


def known_customer(request: Request) -> None:
    """Every route is about a customer of the caller's platform: another platform's (or an
    unknown) customer answers 404 before anything is read or written."""
    customer_id = request.path_params.get("customer_id")
    assistant = assistant_of(request)
    if customer_id is not None and assistant.wallets is not None:
        assistant.wallets.customer(str(customer_id))


# every route may answer 404: a customer of another platform, or none
read = APIRouter(
    dependencies=[Read, Depends(known_customer)], route_class=WalletRoute, responses=errors(404)
)
write = APIRouter(
    dependencies=[Write, Depends(known_customer)], route_class=WalletRoute, responses=errors(404)
)


def _deletes(path: str) -> Callable[[Callable[P, None]], Callable[P, Response]]:
    """Register the decorated function as ``DELETE path``: 204 with no body once it ran,
    404 when what it removes does not exist."""

    def register(remove: Callable[P, None]) -> Callable[P, Response]:
        @functools.wraps(remove)
        def endpoint(*args: P.args, **kwargs: P.kwargs) -> Response:
            remove(*args, **kwargs)
            return Response(status_code=204)

        write.delete(path, status_code=204, responses=errors(*AUTH, 404))(endpoint)
        return endpoint

    return register


@read.post("/customers/{customer_id}/ask", responses=errors(*AUTH, 400, 404))
def ask(customer_id: str, body: S.AskRequest, a: Service) -> S.AskAnswer:
    """A question in plain language (English or Chinese), answered from the data."""
    return S.AskAnswer.model_validate(a.ask(customer_id, body.question, today=body.today))


@read.get("/customers/{customer_id}/transactions", responses=errors(*AUTH, 404))
def transactions(customer_id: str, a: Service, limit: int = 100) -> dict[str, Any]:
    """The customer's categorized transactions, newest first."""
    data = a.data(customer_id)
    rows = newest_first(data.transactions)[: max(1, min(limit, 1000))]
    return {
        "currency": data.currency,
        "data": [
            {
                **t.summary(),
                "primary": t.primary,
                "detailed": t.detailed,
                "confidence": t.confidence,
                "source": t.source,
                "category_source": t.category_source,
            }
            for t in rows
        ],
    }


@write.post("/customers/{customer_id}/corrections", status_code=204,
            responses=errors(*AUTH, 400, 404))  # fmt: skip
def correct(customer_id: str, body: S.CorrectionCreate, a: Service) -> Response:
    """Lock a transaction's category; variants of its descriptor follow (the customer's
    correction model), and two consistent corrections of a payee make a payee rule."""
    a.correct(customer_id, body.transaction_id, body.primary, body.detailed, body.merchant)
    return Response(status_code=204)


@read.get("/customers/{customer_id}/corrections", responses=errors(*AUTH, 404))
def corrections(customer_id: str, a: Service) -> dict[str, Any]:
    """The customer's corrected (locked) transaction categories."""
    return {"data": a.corrections(customer_id)}


@_deletes("/customers/{customer_id}/corrections/{transaction_id}")
def delete_correction(customer_id: str, transaction_id: str, a: Service) -> None:
    """Unlock a transaction's category (the pipeline categorizes it again)."""
    a.delete_correction(customer_id, transaction_id)


@read.get("/customers/{customer_id}/rules", responses=errors(*AUTH, 404))
def rules(customer_id: str, a: Service) -> dict[str, Any]:
    """The customer's categorization rules, in the order they run."""
    return {"data": [S.RuleOut.model_validate(r) for r in a.rules(customer_id)]}


@write.post("/customers/{customer_id}/rules", status_code=201, responses=errors(*AUTH, 400))
def create_rule(customer_id: str, body: S.RuleCreate, a: Service) -> S.RuleOut:
    """Add a categorization rule; it applies to the whole history at once."""
    return S.RuleOut.model_validate(a.save_rule(customer_id, body.model_dump()))


@read.post("/customers/{customer_id}/rules/test", responses=errors(*AUTH, 400, 404))
def test_rule(customer_id: str, body: S.RuleCreate, a: Service, limit: int = 100) -> dict[str, Any]:
    """Run a rule against the customer's history without saving it: the transactions it
    matches, with their category now."""
    return a.test_rule(customer_id, body.model_dump(), limit=max(1, min(limit, 1000)))


@read.get("/customers/{customer_id}/rules/{rule_id}", responses=errors(*AUTH, 404))
def rule(customer_id: str, rule_id: str, a: Service) -> S.RuleOut:
    return S.RuleOut.model_validate(a.rule(customer_id, rule_id))


@write.put("/customers/{customer_id}/rules/{rule_id}", responses=errors(*AUTH, 400, 404))
def update_rule(customer_id: str, rule_id: str, body: S.RuleCreate, a: Service) -> S.RuleOut:
    """Replace a rule's name, stage, conditions, category and position."""
    return S.RuleOut.model_validate(a.save_rule(customer_id, body.model_dump(), rule_id))


@_deletes("/customers/{customer_id}/rules/{rule_id}")
def delete_rule(customer_id: str, rule_id: str, a: Service) -> None:
    a.delete_rule(customer_id, rule_id)


@write.post("/customers/{customer_id}/budgets", status_code=201, responses=errors(*AUTH, 400))
def create_budget(customer_id: str, body: S.BudgetCreate, a: Service) -> S.BudgetOut:
    b = a.set_budget(customer_id, body.category, body.amount, body.currency, body.rollover,
                     body.start_month)  # fmt: skip
    return S.BudgetOut(id=b.id, category=b.category, amount=b.amount, currency=b.currency,
                       rollover=b.rollover, start_month=b.start_month)  # fmt: skip


@read.get("/customers/{customer_id}/budgets", responses=errors(*AUTH, 404))
def budget_status(customer_id: str, a: Service, today: date | None = None) -> dict[str, Any]:
    """Budgets with this month's rollover, spending, remaining and pace alerts."""
    from coffer.assistant.views import budget_view

    return budget_view(a.data(customer_id), today or a.today())


@_deletes("/customers/{customer_id}/budgets/{budget_id}")
def delete_budget(customer_id: str, budget_id: str, a: Service) -> None:
    a.delete_budget(customer_id, budget_id)


@write.post("/customers/{customer_id}/goals", status_code=201, responses=errors(*AUTH, 400))
def create_goal(customer_id: str, body: S.GoalCreate, a: Service) -> dict[str, Any]:
    from coffer.assistant.goals import goal_status

    g = a.create_goal(customer_id, body.name, body.target_amount, body.currency,
                      body.target_date, body.saved_amount)  # fmt: skip
    return goal_status(g, a.today()).as_dict()


@read.get("/customers/{customer_id}/goals", responses=errors(*AUTH))
def goals(customer_id: str, a: Service, today: date | None = None) -> dict[str, Any]:
    from coffer.assistant.goals import goal_status

    day = today or a.today()
    return {"data": [goal_status(g, day).as_dict() for g in a.goals(customer_id)]}


@write.post("/customers/{customer_id}/goals/{goal_id}/contributions", status_code=201,
            responses=errors(*AUTH, 404))  # fmt: skip
def contribute(
    customer_id: str, goal_id: str, body: S.ContributionCreate, a: Service
) -> dict[str, Any]:
    from coffer.assistant.goals import goal_status

    g = a.contribute(customer_id, goal_id, body.amount, body.day)
    return goal_status(g, a.today()).as_dict()


@read.get("/customers/{customer_id}/recurring", responses=errors(*AUTH, 404))
def recurring(customer_id: str, a: Service, today: date | None = None) -> dict[str, Any]:
    from coffer.assistant.recurring import detect_recurring

    data = a.data(customer_id)
    return {"data": [s.as_dict() for s in detect_recurring(data.transactions, today or a.today())]}


@read.get("/customers/{customer_id}/forecast", responses=errors(*AUTH, 404))
def forecast(
    customer_id: str, a: Service, months: int = 3, today: date | None = None
) -> dict[str, Any]:
    from coffer.assistant.views import forecast_view

    return forecast_view(a.data(customer_id), today or a.today(), max(1, min(months, 12)))


@read.get("/customers/{customer_id}/health", responses=errors(*AUTH, 404))
def health(customer_id: str, a: Service, today: date | None = None) -> dict[str, Any]:
    from coffer.assistant.health import health_score

    return health_score(a.data(customer_id), today or a.today()).as_dict()


@read.get("/customers/{customer_id}/alerts", responses=errors(*AUTH, 404))
def alerts(customer_id: str, a: Service, today: date | None = None) -> dict[str, Any]:
    from coffer.assistant.alerts import find_alerts

    return {"data": [x.as_dict() for x in find_alerts(a.data(customer_id), today or a.today())]}


@write.post("/customers/{customer_id}/alerts/publish", responses=errors(*AUTH, 404))
def publish_alerts(customer_id: str, a: Service, today: date | None = None) -> dict[str, Any]:
    """Send the customer's new alerts as events (webhooks ``assistant.alert.*``), once each."""
    return {"data": a.publish_alerts(customer_id, today=today)}


@write.post("/customers/{customer_id}/imports", status_code=201, responses=errors(*AUTH, 400, 404))
def import_statement(customer_id: str, body: S.ImportRequest, a: Service) -> S.ImportResult:
    """Import a bank statement (CSV with a column mapping, OFX/QFX, camt.053)."""
    options: dict[str, Any] = {}
    if body.format == "csv":
        options = {"mapping": body.mapping, "decimal_comma": body.decimal_comma}
        if body.date_format:
            options["date_format"] = body.date_format
        if body.delimiter:
            options["delimiter"] = body.delimiter
    result = a.import_statement(customer_id, body.format, body.content,
                                account_name=body.account_name, currency=body.currency, **options)  # fmt: skip
    return S.ImportResult.model_validate(result)


@read.get(
    "/customers/{customer_id}/charts/{kind}",
    response_class=Response,
    responses={
        **errors(*AUTH, 400, 404),
        200: {"content": {"image/svg+xml": {"schema": {"type": "string"}}}, "description": "SVG"},
    },
)
def chart(
    customer_id: str,
    kind: Literal[
        "spending_by_category", "monthly_trend", "budget_vs_actual", "forecast", "goal_progress"
    ],
    a: Service,
    today: date | None = None,
) -> Response:
    """An SVG chart of the customer's data."""
    from coffer.assistant.views import chart_svg

    svg = chart_svg(kind, a.data(customer_id), today or a.today())
    return Response(svg, media_type="image/svg+xml")


router.include_router(read)
router.include_router(write)
