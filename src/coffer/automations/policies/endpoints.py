"""Spending policies over HTTP, under ``/api/automations/v1/spending_policies``.

Scopes: ``automations:read`` to read (policies, versions, usage, decisions),
``automations:write`` for the rest. Every route is scoped to the caller's platform: another
platform's policy, wallet or customer is a 404.
"""

from __future__ import annotations

import threading
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from coffer.automations.endpoints import PREFIX, Paging, built_once, scoped_routers
from coffer.automations.policies import schemas as S
from coffer.automations.policies.service import SpendingPolicies, open_spending_policies
from coffer.automations.schemas import ListPage
from coffer.platforms import platform_id_of
from coffer.wallets.http_errors import WalletRoute

_lock = threading.Lock()


def attach_spending_policies(app: Any, platform: Any) -> SpendingPolicies:
    """Register the policies' check on a wallets platform of the app (each platform's
    wallets get it when built); the first one also serves the API."""
    policies = open_spending_policies(platform)
    if getattr(app.state, "spending_policies", None) is None:
        app.state.spending_policies = policies
    return policies


def policies_for(app: Any) -> SpendingPolicies:
    """The policies of a FastAPI app (``app.state.spending_policies``), built on first use."""

    def build() -> SpendingPolicies:
        from coffer.wallets.endpoints import platform_for

        platform = platform_for(app)  # the app's extensions may attach the policies
        attached: SpendingPolicies | None = getattr(app.state, "spending_policies", None)
        return attached if attached is not None else attach_spending_policies(app, platform)

    return built_once(app, "spending_policies", _lock, build)


def policies_of(request: Request) -> SpendingPolicies:
    return policies_for(request.app)


Policies = Annotated[SpendingPolicies, Depends(policies_of)]
ROUTES = "/spending_policies"
router = APIRouter(prefix=PREFIX, tags=["spending policies"], route_class=WalletRoute)
read, write = scoped_routers()


@write.post(ROUTES, status_code=201)
def create_policy(
    body: S.SpendingPolicyCreate, request: Request, policies: Policies
) -> S.SpendingPolicy:
    """Create a policy on a wallet or on every wallet of a customer (version 1)."""
    return policies.create(platform_id_of(request), body)


@read.get(ROUTES)
def list_policies(
    request: Request,
    policies: Policies,
    paging: Paging,
    wallet_id: str | None = None,
    customer_id: str | None = None,
    owner_customer_id: str | None = None,
) -> ListPage[S.SpendingPolicy]:
    return policies.policies(
        platform_id_of(request),
        wallet_id=wallet_id,
        customer_id=customer_id,
        owner_customer_id=owner_customer_id,
        **paging,
    )


@read.get(ROUTES + "/{policy_id}")
def get_policy(policy_id: str, request: Request, policies: Policies) -> S.SpendingPolicy:
    return policies.policy(platform_id_of(request), policy_id)


@write.post(ROUTES + "/{policy_id}")
def update_policy(
    policy_id: str, body: S.SpendingPolicyUpdate, request: Request, policies: Policies
) -> S.SpendingPolicy:
    """Rename, or change the mode or rules (a new version; usage so far stays)."""
    return policies.update(platform_id_of(request), policy_id, body)


@write.post(ROUTES + "/{policy_id}/disable")
def disable_policy(policy_id: str, request: Request, policies: Policies) -> S.SpendingPolicy:
    return policies.set_status(platform_id_of(request), policy_id, "disabled")


@write.post(ROUTES + "/{policy_id}/enable")
def enable_policy(policy_id: str, request: Request, policies: Policies) -> S.SpendingPolicy:
    return policies.set_status(platform_id_of(request), policy_id, "active")


@write.delete(ROUTES + "/{policy_id}")
def delete_policy(policy_id: str, request: Request, policies: Policies) -> S.Deleted:
    """The policy, its versions and usage go; its decisions stay."""
    return policies.delete(platform_id_of(request), policy_id)


@read.get(ROUTES + "/{policy_id}/versions")
def list_policy_versions(
    policy_id: str, request: Request, policies: Policies
) -> list[S.SpendingPolicyVersion]:
    return policies.versions(platform_id_of(request), policy_id)


@read.get(ROUTES + "/{policy_id}/usage")
def get_usage(policy_id: str, request: Request, policies: Policies) -> S.SpendingPolicyUsage:
    """What is spent in the current day, week and month windows of the policy's limits."""
    return policies.usage(platform_id_of(request), policy_id)


@read.get(ROUTES + "/{policy_id}/decisions")
def list_decisions(
    policy_id: str, request: Request, policies: Policies, paging: Paging
) -> ListPage[S.SpendingPolicyDecision]:
    """Refusals and monitored would-be refusals, newest first."""
    return policies.decisions(platform_id_of(request), policy_id, **paging)


router.include_router(read)
router.include_router(write)
