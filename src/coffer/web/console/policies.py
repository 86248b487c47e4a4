"""Console pages of spending policies (``coffer.automations.policies``): the platform's
policies (filters: wallet, customer, owner), a policy with its rules, the usage of its
current windows, its recent refusals and monitored would-be refusals and its versions;
create, edit (a new version) and disable or enable for operators allowed to manage
automations. Changes go through the policies service of the operator's platform and are
written to the audit log with the operator as actor."""

from __future__ import annotations

import json
from typing import Annotated, Any, TypeVar

from fastapi import Form
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError
from starlette.responses import Response

from coffer.automations.policies import schemas as P
from coffer.automations.policies.endpoints import policies_for
from coffer.automations.policies.rules import PolicyRules
from coffer.automations.policies.service import SpendingPolicies
from coffer.errors import CofferError, ValidationError
from coffer.web.console.automations import Manager, Reader, pretty
from coffer.web.console.deps import ConsoleContext, console_router
from coffer.web.console.views import (
    Column,
    list_base,
    list_page,
    page,
    platform_page,
    redirect,
    text_filter,
)
from coffer.web.console.wallets import Cursor, Id, _audit, money_of

router = console_router()
BASE = "/console/spending-policies"
M = TypeVar("M", bound=BaseModel)
STATUS_ACTIONS = {"disable": "disabled", "enable": "active"}
EXAMPLE_RULES = {
    "currency": "EUR",
    "time_zone": "Europe/Paris",
    "max_per_transaction": 50000,
    "limits": [{"window": "day", "amount": 100000, "count": 20}],
    "blocked_merchant_categories": ["7995"],
}


def policies_of(ctx: ConsoleContext) -> SpendingPolicies:
    return policies_for(ctx.request.app)


def target_of(policy: P.SpendingPolicy) -> str:
    return f"wallet {policy.wallet_id}" if policy.wallet_id else f"customer {policy.customer_id}"


@router.get("/spending-policies")
def policies(
    ctx: Reader,
    cursor: Cursor = None,
    wallet: Id = None,
    customer: Id = None,
    owner: Id = None,
) -> Response:
    listing = platform_page(
        ctx,
        policies_of(ctx).policies,
        cursor,
        wallet_id=wallet,
        customer_id=customer,
        owner_customer_id=owner,
    )
    return list_page(
        ctx,
        listing,
        title="Spending policies",
        active=BASE,
        base=list_base(BASE, wallet=wallet, customer=customer, owner=owner),
        columns=[
            Column("Policy", lambda p: p.id, lambda p: f"{BASE}/{p.id}"),
            Column("Name", lambda p: p.name),
            Column("Covers", target_of),
            Column("Owner", lambda p: p.owner_customer_id or "platform"),
            Column("Mode", lambda p: p.mode),
            Column("Status", lambda p: p.status),
            Column("Version", lambda p: p.version, numeric=True),
            Column("Updated", lambda p: p.updated_at),
        ],
        extra={
            "filters": [
                text_filter("wallet", "Wallet", wallet),
                text_filter("customer", "Customer", customer),
                text_filter("owner", "Owner customer", owner),
            ],
            "intro_link": (f"{BASE}/new", "New spending policy")
            if ctx.can("automations.manage")
            else None,
        },
    )


def _rules(text: str) -> PolicyRules:
    """The rules typed in the form (JSON), or a ValidationError naming what is wrong."""
    try:
        values = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"The rules are not JSON: {exc.msg} (line {exc.lineno}).") from exc
    return _valid(PolicyRules, values, "rules")


def _valid(model: type[M], values: Any, what: str) -> M:
    """``values`` as ``model``, or a ValidationError naming the first problem."""
    try:
        return model.model_validate(values)
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or what
        raise ValidationError(f"The {what} are not valid: {where}: {first['msg']}.") from exc


def _save(ctx: ConsoleContext, form: dict[str, str], policy_id: str | None) -> Response:
    """Create (``policy_id`` None) or update a policy from the form; a form that does not
    validate comes back with the reason (400) and nothing is saved."""
    service = policies_of(ctx)
    platform_id = ctx.operator.platform_id
    fields: dict[str, Any] = {"name": form["name"].strip(), "mode": form["mode"]}
    try:
        fields["rules"] = _rules(form["rules"])
        if policy_id is None:
            fields[f"{form['target']}_id"] = form["target_id"].strip()
            saved = service.create(platform_id, _valid(P.SpendingPolicyCreate, fields, "fields"))
        else:
            update = _valid(P.SpendingPolicyUpdate, fields, "fields")
            saved = service.update(platform_id, policy_id, update)
    except CofferError as exc:
        if exc.status not in (400, 422):
            raise
        if policy_id is None:
            return _new_page(ctx, form, error=exc.message, status_code=400)
        return _policy_page(ctx, policy_id, form=form, error=exc.message, status_code=400)
    action = "created" if policy_id is None else "updated"
    _audit(ctx, f"spending_policy.{action}", saved.id, version=saved.version, mode=saved.mode)
    return redirect(f"{BASE}/{saved.id}")


def _new_page(
    ctx: ConsoleContext, form: dict[str, str], *, error: str | None = None, status_code: int = 200
) -> Response:
    return page(
        ctx,
        "console/spending_policy_new.html",
        {"form": form, "error": error},
        title="New spending policy",
        active=BASE,
        status_code=status_code,
    )


@router.get("/spending-policies/new")
def new_policy(ctx: Manager) -> Response:
    form = {"rules": pretty(EXAMPLE_RULES), "mode": "enforce", "target": "wallet"}
    return _new_page(ctx, form)


@router.post("/spending-policies")
def create_policy(
    ctx: Manager,
    name: Annotated[str, Form(min_length=1, max_length=200)],
    target: Annotated[str, Form(pattern="^(wallet|customer)$")],
    target_id: Annotated[str, Form(min_length=1, max_length=40)],
    rules: Annotated[str, Form(min_length=1, max_length=100_000)],
    mode: Annotated[str, Form(pattern="^(enforce|monitor)$")] = "enforce",
) -> Response:
    """A policy on one wallet or on every wallet of a customer; bad rules re-show the form
    with the reason (400) and save nothing."""
    form = {"name": name, "target": target, "target_id": target_id, "rules": rules, "mode": mode}
    return _save(ctx, form, None)


def _policy_page(
    ctx: ConsoleContext,
    policy_id: str,
    *,
    form: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    service = policies_of(ctx)
    platform_id = ctx.operator.platform_id
    found = service.policy(platform_id, policy_id)
    rules = found.rules.model_dump(mode="json", exclude_defaults=True)
    return page(
        ctx,
        "console/spending_policy.html",
        {
            "policy": found,
            "target": target_of(found),
            "rules": pretty(rules),
            "usage": service.usage(platform_id, policy_id),
            "decisions": service.decisions(platform_id, policy_id, limit=20).data,
            "versions": service.versions(platform_id, policy_id),
            "form": form or {"name": found.name, "mode": found.mode, "rules": pretty(rules)},
            "error": error,
            "pretty": pretty,
            "money": money_of,
        },
        title=f"Spending policy {found.name}",
        active=BASE,
        status_code=status_code,
    )


@router.get("/spending-policies/{policy_id}")
def policy(ctx: Reader, policy_id: str) -> Response:
    return _policy_page(ctx, policy_id)


@router.post("/spending-policies/{policy_id}")
def update_policy(
    ctx: Manager,
    policy_id: str,
    name: Annotated[str, Form(min_length=1, max_length=200)],
    rules: Annotated[str, Form(min_length=1, max_length=100_000)],
    mode: Annotated[str, Form(pattern="^(enforce|monitor)$")] = "enforce",
) -> Response:
    """New rules or mode make a new version (the usage counted so far stays)."""
    form = {"name": name, "rules": rules, "mode": mode}
    return _save(ctx, form, policy_id)


@router.post("/spending-policies/{policy_id}/status")
def set_policy_status(
    ctx: Manager,
    policy_id: str,
    action: Annotated[str, Form(pattern="^(disable|enable)$")],
) -> Response:
    status = STATUS_ACTIONS[action]
    policies_of(ctx).set_status(ctx.operator.platform_id, policy_id, status)
    _audit(ctx, f"spending_policy.{status}", policy_id)
    return redirect(f"{BASE}/{policy_id}")
