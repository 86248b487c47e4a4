"""The risk HTTP API under ``/api/risk/v1`` (mounted by ``create_app``).

Scopes ``risk:read`` (decisions, rules, lists, cases, hits, model) and ``risk:write``
(everything that changes something). Every object is the caller's platform's
(``coffer.platforms.platform_id_of``); another platform's id answers 404. Errors are the
wallets API's typed objects. Changes are written to the audit log with the client as actor.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, Security
from fastapi.security import SecurityScopes

from coffer.platforms import platform_id_of
from coffer.risk.online import RiskService, open_risk
from coffer.risk.online import schemas as S
from coffer.wallets.endpoints.deps import authorize, platform_for
from coffer.wallets.http_errors import WalletRoute, errors

PREFIX = "/api/risk/v1"
AUTH = (401, 403, 422)
_lock = threading.Lock()


def attach_risk(app: Any, platform: Any) -> RiskService:
    """The app's risk service (one for every platform), checking ``platform``'s movements."""
    existing: RiskService | None = getattr(app.state, "risk", None)
    if existing is None or existing.wallets.coffer is not platform.coffer:
        existing = open_risk(
            platform,
            app.state.server.coffer.settings,
            lambda platform_id: platform_for(app, platform_id),
        )
        app.state.risk = existing
    else:
        existing.attach(platform)
    return existing


def risk_of_platform(app: Any, platform: Any) -> RiskService:
    """The app's risk service, with ``platform`` (a wallets platform of the app) attached."""
    with _lock:
        return attach_risk(app, platform)


def risk_for(app: Any) -> RiskService:
    existing: RiskService | None = getattr(app.state, "risk", None)
    if existing is not None:
        return existing
    with _lock:
        platform = platform_for(app)  # builds the risk service through the app's extension
        existing = getattr(app.state, "risk", None)
        if existing is None:
            existing = attach_risk(app, platform)
    return existing


def risk_of(request: Request) -> RiskService:
    return risk_for(request.app)


async def _actor(request: Request, scopes: SecurityScopes) -> str:
    principal = await authorize(request, scopes)
    return str(getattr(principal, "client_id", "unknown"))


Read = Security(authorize, scopes=["risk:read"])
Write = Security(_actor, scopes=["risk:write"])
Service = Annotated[RiskService, Depends(risk_of)]
Actor = Annotated[str, Write]
Limit = Annotated[int, Query(ge=1, le=200)]
After = Annotated[str | None, Query(max_length=40)]

router = APIRouter(prefix=PREFIX, tags=["risk"], route_class=WalletRoute)
read = APIRouter(dependencies=[Read], route_class=WalletRoute)
write = APIRouter(route_class=WalletRoute)


def _page(data: list[dict[str, Any]], more: bool) -> dict[str, Any]:
    return {"object": "list", "data": data, "has_more": more}


def _paging(starting_after: After = None, limit: Limit = 50) -> dict[str, Any]:
    """The cursor of a paged list: after which id, and how many at most."""
    return {"starting_after": starting_after, "limit": limit}


Paging = Annotated[dict[str, Any], Depends(_paging)]


def _paged(
    fetch: Callable[..., tuple[list[dict[str, Any]], bool]],
    request: Request,
    paging: dict[str, Any],
    **filters: Any,
) -> dict[str, Any]:
    """One page of the caller's platform's objects that ``fetch`` lists, newest first."""
    return _page(*fetch(platform_id_of(request), **filters, **paging))


# -- decisions -------------------------------------------------------------------------------


@read.get("/decisions", responses=errors(*AUTH))
def decisions(
    request: Request,
    r: Service,
    paging: Paging,
    outcome: str | None = None,
    customer_id: str | None = None,
    movement_id: str | None = None,
) -> dict[str, Any]:
    """Decisions, newest first (filter by outcome, customer or movement)."""
    return _paged(
        r.decisions,
        request,
        paging,
        outcome=outcome,
        customer_id=customer_id,
        movement_id=movement_id,
    )


@read.get("/decisions/{decision_id}", responses=errors(*AUTH, 404))
def decision(decision_id: str, request: Request, r: Service) -> dict[str, Any]:
    return r.decision(platform_id_of(request), decision_id)


# -- rules -----------------------------------------------------------------------------------


@read.get("/rules", responses=errors(*AUTH))
def rules(request: Request, r: Service) -> dict[str, Any]:
    """The newest version of each rule."""
    return _page(r.rules(platform_id_of(request)), False)


@read.get("/rules/{name}/versions", responses=errors(*AUTH, 404))
def rule_versions(name: str, request: Request, r: Service) -> dict[str, Any]:
    return _page(r.rule_versions(platform_id_of(request), name), False)


@write.put("/rules/{name}", status_code=201, responses=errors(*AUTH, 400))
def save_rule(
    name: str, body: S.RuleSave, request: Request, r: Service, actor: Actor
) -> dict[str, Any]:
    """Save a new version of the rule (compiled first: a bad expression answers 400)."""
    return r.save_rule(platform_id_of(request), name=name, actor=actor, **body.model_dump())


# -- lists -----------------------------------------------------------------------------------


@read.get("/lists", responses=errors(*AUTH))
def list_entries(
    request: Request, r: Service, list: str | None = None, kind: str | None = None
) -> dict[str, Any]:
    return _page(r.list_entries(platform_id_of(request), list_name=list, kind=kind), False)


@write.post("/lists", status_code=201, responses=errors(*AUTH, 400))
def add_list_entry(
    body: S.ListEntryCreate, request: Request, r: Service, actor: Actor
) -> dict[str, Any]:
    return r.add_list_entry(
        platform_id_of(request),
        list_name=body.list,
        kind=body.kind,
        value=body.value,
        reason=body.reason,
        actor=actor,
    )


@write.delete("/lists/{entry_id}", status_code=204, responses=errors(*AUTH, 404))
def remove_list_entry(entry_id: str, request: Request, r: Service, actor: Actor) -> Response:
    r.remove_list_entry(platform_id_of(request), entry_id, actor=actor)
    return Response(status_code=204)


# -- cases -----------------------------------------------------------------------------------


@read.get("/cases", responses=errors(*AUTH))
def cases(
    request: Request,
    r: Service,
    paging: Paging,
    status: str | None = None,
    kind: str | None = None,
    assignee: str | None = None,
    overdue: bool | None = None,
) -> dict[str, Any]:
    """The case queue, newest first (filter by status, kind, assignee, overdue)."""
    return _paged(
        r.cases, request, paging, status=status, kind=kind, assignee=assignee, overdue=overdue
    )


@read.get("/cases/{case_id}", responses=errors(*AUTH, 404))
def case(case_id: str, request: Request, r: Service) -> dict[str, Any]:
    return r.case(platform_id_of(request), case_id)


@read.get("/cases/{case_id}/export", responses=errors(*AUTH, 404))
def export_case(case_id: str, request: Request, r: Service) -> dict[str, Any]:
    """The case as a suspicious activity report needs it."""
    return r.export_case(platform_id_of(request), case_id)


@write.post("/cases/{case_id}/assign", responses=errors(*AUTH, 404, 409))
def assign(
    case_id: str, body: S.CaseAssign, request: Request, r: Service, actor: Actor
) -> dict[str, Any]:
    return r.assign(platform_id_of(request), case_id, assignee=body.assignee, actor=actor)


@write.post("/cases/{case_id}/notes", status_code=201, responses=errors(*AUTH, 400, 404))
def add_note(
    case_id: str, body: S.CaseNote, request: Request, r: Service, actor: Actor
) -> dict[str, Any]:
    return r.add_note(
        platform_id_of(request), case_id, body=body.body, reference=body.reference, actor=actor
    )


@write.post("/cases/{case_id}/decision", responses=errors(*AUTH, 400, 404, 409))
def decide(
    case_id: str, body: S.CaseDecision, request: Request, r: Service, actor: Actor
) -> dict[str, Any]:
    """Decide a case: a review's approve posts the held movement, decline voids it."""
    return r.decide(platform_id_of(request), case_id, actor=actor, **body.model_dump())


# -- screening -------------------------------------------------------------------------------


@read.get("/screening/hits", responses=errors(*AUTH))
def screening_hits(
    request: Request,
    r: Service,
    paging: Paging,
    subject_id: str | None = None,
    status: str | None = None,
) -> dict[str, Any]:
    return _paged(r.screening_hits, request, paging, subject_id=subject_id, status=status)


@write.post("/screening/customers", responses=errors(*AUTH, 404))
def screen_customer(
    body: S.ScreenCustomer, request: Request, r: Service, actor: Actor
) -> dict[str, Any]:
    """Screen a customer now (the worker does it at onboarding and on list updates)."""
    del actor
    return _page(r.screen_customer(platform_id_of(request), body.customer_id), False)


@write.post("/screening/hits/{hit_id}/whitelist", responses=errors(*AUTH, 400, 404))
def whitelist_hit(
    hit_id: str, body: S.Whitelist, request: Request, r: Service, actor: Actor
) -> dict[str, Any]:
    """A false positive: this customer or beneficiary never matches this entry again."""
    return r.whitelist_hit(platform_id_of(request), hit_id, reason=body.reason, actor=actor)


@read.get("/whitelist", responses=errors(*AUTH))
def whitelist(request: Request, r: Service, subject_id: str | None = None) -> dict[str, Any]:
    return _page(r.whitelist(platform_id_of(request), subject_id), False)


# -- model -----------------------------------------------------------------------------------


@read.get("/models", responses=errors(*AUTH))
def models(request: Request, r: Service) -> dict[str, Any]:
    """The model the online path uses (version, validation metrics, thresholds)."""
    return _page([r.model_info(platform_id_of(request))], False)


@read.get("/models/versions", responses=errors(*AUTH))
def model_versions(request: Request, r: Service) -> dict[str, Any]:
    """The platform's model versions, newest first."""
    return _page(r.model_versions(platform_id_of(request)), False)


@read.get("/models/versions/{version_id}", responses=errors(*AUTH, 404))
def model_version(version_id: str, request: Request, r: Service) -> dict[str, Any]:
    return r.model_version(platform_id_of(request), version_id)


@write.post("/models/versions", status_code=201, responses=errors(*AUTH, 400, 404))
def register_model(
    body: S.ModelRegister, request: Request, r: Service, actor: Actor
) -> dict[str, Any]:
    """Register a trained model folder under the server's model root
    (``COFFER_RISK_MODEL_ROOT``; a path relative to it) as the platform's next version (not
    active yet). Without a configured root, or for a path leading outside it: 400
    ``risk_model_path_refused``."""
    return r.register_model(platform_id_of(request), body.model_dir, actor=actor)


@write.post("/models/versions/{version_id}/activate", responses=errors(*AUTH, 404))
def activate_model(
    version_id: str,
    request: Request,
    r: Service,
    actor: Actor,
    body: S.ModelChange | None = None,
) -> dict[str, Any]:
    """Score the platform's movements with this version from now on."""
    reason = None if body is None else body.reason
    return r.activate_model(platform_id_of(request), version_id, actor=actor, reason=reason)


@write.post("/models/rollback", responses=errors(*AUTH, 404))
def rollback_model(
    request: Request, r: Service, actor: Actor, body: S.ModelChange | None = None
) -> dict[str, Any]:
    """Activate again the version active before the current one."""
    reason = None if body is None else body.reason
    return r.rollback_model(platform_id_of(request), actor=actor, reason=reason)


# -- settings --------------------------------------------------------------------------------


@read.get("/settings", responses=errors(*AUTH))
def risk_settings(request: Request, r: Service) -> dict[str, Any]:
    """The platform's risk settings (the review-expiry policy)."""
    return r.risk_settings(platform_id_of(request))


@write.put("/settings", responses=errors(*AUTH, 400))
def save_risk_settings(
    body: S.RiskSettingsSave, request: Request, r: Service, actor: Actor
) -> dict[str, Any]:
    return r.set_risk_settings(
        platform_id_of(request), review_expiry_policy=body.review_expiry_policy, actor=actor
    )


router.include_router(read)
router.include_router(write)
