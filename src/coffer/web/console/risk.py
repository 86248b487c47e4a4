"""Console pages of the risk domain (``coffer.risk.online``): the case queue (filters:
status, kind, assignee, age, overdue), a case (the movement, score, rules fired, the
model's reasons, the event's features, the customer's recent decisions) with assign, note
and decide (a review's approve posts the held movement, decline voids it), decisions,
rules (versions, monitor/enforce, new rules from CEL with the save-time error shown),
block/allow lists and sanctions screening hits. Every change goes through the risk
service of the operator's platform, which writes it to the audit log."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Annotated, Any

from fastapi import Depends, Form, Query
from starlette.responses import Response

from coffer.errors import CofferError
from coffer.risk.online import RiskService
from coffer.risk.online import repository as RR
from coffer.risk.online import tables as RT
from coffer.risk.online.cases import CASE_KINDS, CASE_STATUSES
from coffer.risk.online.endpoints import risk_of_platform
from coffer.risk.online.rules import ACTIONS, LIST_KINDS, LISTS, MODES
from coffer.web.console.deps import PREFIX, ConsoleContext, console_context, console_router
from coffer.web.console.views import (
    PAGE_SIZE,
    Column,
    Rows,
    Section,
    Tabs,
    choice_filter,
    link_column,
    list_base,
    page,
    platform_page,
    redirect,
    text_filter,
)
from coffer.web.console.wallets import Cursor, wallets_of

router = console_router()
Reader = Annotated[ConsoleContext, Depends(console_context("risk.read"))]
Decider = Annotated[ConsoleContext, Depends(console_context("risk.decide"))]
Manager = Annotated[ConsoleContext, Depends(console_context("risk.manage"))]
Word = Annotated[str | None, Query(max_length=32, pattern=r"^[a-z_]*$")]
RuleName = Annotated[str, Form(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")]
AGES = (
    ("", "any age"),
    ("1", "older than 1 hour"),
    ("24", "older than 24 hours"),
    ("168", "older than 7 days"),
)
OVERDUE = (("", "any"), ("yes", "overdue"), ("no", "on time"))
HIT_STATUSES = ("open", "whitelisted", "confirmed")


def risk_of(ctx: ConsoleContext) -> RiskService:
    """The risk service of the operator's platform (its wallets resolve its reviews)."""
    return risk_of_platform(ctx.request.app, wallets_of(ctx))


def _act(
    ctx: ConsoleContext, method: Callable[..., object], then: str, /, *args: Any, **fields: Any
) -> Response:
    """A form's work: ``method`` (of the risk service) on the operator's platform with
    ``args`` and ``fields``, as the operator; then the browser goes to ``then``."""
    method(ctx.operator.platform_id, *args, actor=ctx.actor, **fields)
    return redirect(PREFIX + then)


def _case_act(
    ctx: ConsoleContext, case_id: str, method: Callable[..., object], /, **fields: Any
) -> Response:
    """:func:`_act` on the case ``case_id``; then back to the case's page."""
    return _act(ctx, method, f"/risk/cases/{case_id}", case_id, **fields)


def _rows(data: list[dict[str, Any]]) -> list[Any]:
    return [SimpleNamespace(**item) for item in data]


def _age_cursor(hours: str | None, cursor: str | None) -> str | None:
    """Ids sort by creation time (``rc_`` + 12 hex digits of milliseconds): "older than N
    hours" is the id cursor of that moment, so the filter uses the primary key's order."""
    if not hours:
        return cursor
    moment = time.time_ns() // 1_000_000 - int(hours) * 3_600_000
    bound = f"rc_{moment:012x}"
    return bound if cursor is None or cursor > bound else cursor


def _score(value: float) -> str:
    return f"{value:.3f}"


# -- cases ---------------------------------------------------------------------------------


@router.get("/risk")
def cases(
    ctx: Reader,
    cursor: Cursor = None,
    status: Word = None,
    kind: Word = None,
    assignee: Annotated[str | None, Query(max_length=200)] = None,
    age: Annotated[str | None, Query(pattern=r"^(|1|24|168)$")] = None,
    overdue: Annotated[str | None, Query(pattern=r"^(|yes|no)$")] = None,
) -> Response:
    data, more = risk_of(ctx).cases(
        ctx.operator.platform_id,
        status=status or None,
        kind=kind or None,
        assignee=assignee or None,
        overdue=None if not overdue else overdue == "yes",
        starting_after=_age_cursor(age, cursor),
        limit=PAGE_SIZE,
    )
    return _section.list_page(
        ctx,
        Rows(_rows(data), more),
        tab="/console/risk",
        title="Risk cases",
        base=list_base("/console/risk", kind=kind, assignee=assignee, age=age, overdue=overdue),
        statuses=list(CASE_STATUSES),
        status=status,
        columns=[
            link_column("Case", "id", "/console/risk/cases"),
            Column("Kind", lambda c: c.kind),
            Column("Status", lambda c: c.status + (" (overdue)" if c.overdue else "")),
            Column("Title", lambda c: c.title),
            Column("Assignee", lambda c: c.assignee or ""),
            Column("Due", lambda c: c.due_at),
            Column("Opened", lambda c: c.created_at),
        ],
        extra={
            "filters": [
                choice_filter("kind", "Kind", kind, [("", "any"), *((k, k) for k in CASE_KINDS)]),
                text_filter("assignee", "Assignee", assignee),
                choice_filter("age", "Age", age, AGES),
                choice_filter("overdue", "Overdue", overdue, OVERDUE),
            ],
        },
    )


_section = Section(
    "/console/risk",
    Tabs(
        (
            ("/console/risk", "Cases"),
            ("/console/risk/decisions", "Decisions"),
            ("/console/risk/rules", "Rules"),
            ("/console/risk/lists", "Lists"),
            ("/console/risk/screening", "Screening hits"),
        )
    ),
)  # the section: its navigation entry and tab list


def _tab_page(
    ctx: ConsoleContext, name: str, title: str, values: dict[str, Any], status_code: int = 200
) -> Response:
    """The section's page ``name`` (rules, lists): its tab ``/console/risk/<name>``, its
    template ``console/risk_<name>.html``."""
    template, tab = f"console/risk_{name}.html", f"/console/risk/{name}"
    return _section.page(ctx, template, values, tab=tab, title=title, status_code=status_code)


def _decision_event(risk: RiskService, platform_id: str, decision_id: str) -> dict[str, Any]:
    """The risk event the decision was made on (its features), read through the risk
    repository (tenancy filter included)."""
    with risk.engine.connect() as connection:
        row = RR.get(connection, RT.decisions, platform_id, decision_id)
    if row is None:
        return {}
    event = json.loads(row["event"])
    return event if isinstance(event, dict) else {}


@router.get("/risk/cases/{case_id}")
def case(ctx: Reader, case_id: str) -> Response:
    risk = risk_of(ctx)
    platform_id = ctx.operator.platform_id
    found = risk.case(platform_id, case_id)
    decision = None
    features: dict[str, Any] = {}
    if found["decision_id"]:
        decision = risk.decision(platform_id, found["decision_id"])
        features = _decision_event(risk, platform_id, found["decision_id"])
    recent: list[dict[str, Any]] = []
    for customer_id in found["customer_ids"][:3]:
        recent.extend(risk.decisions(platform_id, customer_id=customer_id, limit=10)[0])
    hits = risk.screening_hits(platform_id, limit=20)[0]
    decisions = (
        ("approve", "decline")
        if found["kind"] == "review"
        else ("confirmed", "false_positive", "escalated")
    )
    return page(
        ctx,
        "console/risk_case.html",
        {
            "case": found,
            "decision": decision,
            "features": sorted(features.items()),
            "recent": recent,
            "hits": [h for h in hits if h["case_id"] == case_id],
            "choices": decisions,
            "score": _score,
        },
        title=f"Risk case {case_id}",
        active="/console/risk",
    )


@router.post("/risk/cases/{case_id}/decision")
def decide(
    ctx: Decider,
    case_id: str,
    decision: Annotated[
        str, Form(pattern="^(approve|decline|confirmed|false_positive|escalated)$")
    ],
    reason: Annotated[str, Form(max_length=2000)] = "",
    narrative: Annotated[str, Form(max_length=10_000)] = "",
) -> Response:
    return _case_act(
        ctx,
        case_id,
        risk_of(ctx).decide,
        decision=decision,
        reason=reason.strip(),
        narrative=narrative.strip() or None,
    )


@router.post("/risk/cases/{case_id}/assign")
def assign(
    ctx: Decider,
    case_id: str,
    to: Annotated[str, Form(pattern="^(me|queue)$")],
) -> Response:
    assignee = ctx.operator.email if to == "me" else None
    return _case_act(ctx, case_id, risk_of(ctx).assign, assignee=assignee)


@router.post("/risk/cases/{case_id}/notes")
def add_note(
    ctx: Decider,
    case_id: str,
    body: Annotated[str, Form(max_length=10_000)] = "",
    reference: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    return _case_act(
        ctx, case_id, risk_of(ctx).add_note, body=body, reference=reference.strip() or None
    )


# -- decisions -----------------------------------------------------------------------------


@router.get("/risk/decisions")
def decisions(
    ctx: Reader,
    cursor: Cursor = None,
    status: Word = None,
    customer: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    data, more = platform_page(
        ctx, risk_of(ctx).decisions, cursor, outcome=status, customer_id=customer
    )
    return _section.list_page(
        ctx,
        Rows(_rows(data), more),
        tab="/console/risk/decisions",
        title="Risk decisions",
        base=list_base("/console/risk/decisions", customer=customer),
        statuses=list(ACTIONS),
        status=status,
        columns=[
            Column("Decision", lambda d: d.id),
            Column("Movement", lambda d: f"{d.movement_type} {d.movement_id}"),
            Column("Customer", lambda d: d.customer_id or ""),
            Column("Amount", lambda d: f"{d.amount} {d.currency}", numeric=True),
            Column("Outcome", lambda d: d.outcome),
            Column("Score", lambda d: _score(d.score), numeric=True),
            Column("Reasons", lambda d: ", ".join(d.reasons[:4])),
            Column("Review", lambda d: d.review_status or ""),
            Column("At", lambda d: d.created_at),
        ],
        extra={
            "filters": [text_filter("customer", "Customer", customer)],
        },
    )


# -- rules ---------------------------------------------------------------------------------


def _rules_page(
    ctx: ConsoleContext,
    *,
    error: str | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    values = {
        "rules": risk_of(ctx).rules(ctx.operator.platform_id),
        "error": error,
        "form": form or {},
        "actions": ACTIONS,
        "modes": MODES,
    }
    return _tab_page(ctx, "rules", "Risk rules", values, status_code)


@router.get("/risk/rules")
def rules(ctx: Reader) -> Response:
    return _rules_page(ctx)


@router.get("/risk/rules/{name}")
def rule_versions(ctx: Reader, name: str) -> Response:
    versions = risk_of(ctx).rule_versions(ctx.operator.platform_id, name)
    return _section.list_page(
        ctx,
        Rows(_rows(versions), False),
        tab="/console/risk/rules",
        title=f"Rule {name}: versions",
        base=f"/console/risk/rules/{name}",
        columns=[
            Column("Version", lambda r: r.version, numeric=True),
            Column("Expression", lambda r: r.expression),
            Column("Action", lambda r: r.action),
            Column("Mode", lambda r: r.mode),
            Column("Enabled", lambda r: "yes" if r.enabled else "no"),
            Column("By", lambda r: r.created_by),
            Column("Saved", lambda r: r.created_at),
        ],
    )


@router.post("/risk/rules")
def save_rule(
    ctx: Manager,
    name: RuleName,
    expression: Annotated[str, Form(min_length=1, max_length=4000)],
    action: Annotated[str, Form(pattern="^(block|review|allow)$")],
    mode: Annotated[str, Form(pattern="^(enforce|monitor)$")] = "enforce",
    description: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """A new rule or a new version of one; a bad expression re-shows the form with the
    compiler's message (400) and saves nothing."""
    try:
        risk_of(ctx).save_rule(
            ctx.operator.platform_id,
            name=name,
            expression=expression,
            action=action,
            mode=mode,
            description=description.strip() or None,
            actor=ctx.actor,
        )
    except CofferError as exc:
        if exc.status != 400:
            raise
        form = {"name": name, "expression": expression, "action": action, "mode": mode}
        return _rules_page(ctx, error=exc.message, form=form, status_code=400)
    return redirect(f"{PREFIX}/risk/rules")


@router.post("/risk/rules/{name}/mode")
def set_rule_mode(
    ctx: Manager,
    name: str,
    mode: Annotated[str, Form(pattern="^(enforce|monitor)$")],
) -> Response:
    """Switch a rule between monitor and enforce: a new version, same expression."""
    risk = risk_of(ctx)
    current = risk.rule_versions(ctx.operator.platform_id, name)[0]
    return _act(
        ctx,
        risk.save_rule,
        "/risk/rules",
        name=name,
        expression=current["expression"],
        action=current["action"],
        mode=mode,
        enabled=current["enabled"],
        description=current["description"],
    )


# -- lists ---------------------------------------------------------------------------------


@router.get("/risk/lists")
def lists(ctx: Reader) -> Response:
    entries = risk_of(ctx).list_entries(ctx.operator.platform_id)
    values = {"entries": entries, "lists": LISTS, "kinds": LIST_KINDS}
    return _tab_page(ctx, "lists", "Block and allow lists", values)


@router.post("/risk/lists")
def add_list_entry(
    ctx: Manager,
    list_name: Annotated[str, Form(alias="list", pattern="^(block|allow)$")],
    kind: Annotated[str, Form(pattern="^(iban|card|email|device|country|customer)$")],
    value: Annotated[str, Form(min_length=1, max_length=255)],
    reason: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    return _act(
        ctx,
        risk_of(ctx).add_list_entry,
        "/risk/lists",
        list_name=list_name,
        kind=kind,
        value=value.strip(),
        reason=reason.strip() or None,
    )


@router.post("/risk/lists/{entry_id}/remove")
def remove_list_entry(ctx: Manager, entry_id: str) -> Response:
    return _act(ctx, risk_of(ctx).remove_list_entry, "/risk/lists", entry_id)


# -- screening -----------------------------------------------------------------------------


@router.get("/risk/screening")
def screening(ctx: Reader, cursor: Cursor = None, status: Word = None) -> Response:
    data, more = platform_page(ctx, risk_of(ctx).screening_hits, cursor, status=status)
    return _section.list_page(
        ctx,
        Rows(_rows(data), more),
        tab="/console/risk/screening",
        title="Sanctions screening hits",
        base="/console/risk/screening",
        statuses=list(HIT_STATUSES),
        status=status,
        columns=[
            Column("Hit", lambda h: h.id),
            Column("Subject", lambda h: f"{h.subject_type} {h.subject_id}"),
            Column("Name", lambda h: h.name),
            Column("List", lambda h: h.list),
            Column("Entry", lambda h: h.entry_name),
            Column("Score", lambda h: f"{h.score:.2f}", numeric=True),
            Column("Status", lambda h: h.status),
            Column(
                "Case",
                lambda h: h.case_id or "",
                lambda h: f"/console/risk/cases/{h.case_id}" if h.case_id else "",
            ),
            Column("At", lambda h: h.created_at),
        ],
    )


@router.post("/risk/screening/{hit_id}/whitelist")
def whitelist(
    ctx: Manager, hit_id: str, reason: Annotated[str, Form(max_length=2000)] = ""
) -> Response:
    hit = risk_of(ctx).whitelist_hit(
        ctx.operator.platform_id, hit_id, reason=reason, actor=ctx.actor
    )
    case_id = hit["case_id"]
    target = f"/risk/cases/{case_id}" if case_id else "/risk/screening"
    return redirect(PREFIX + target)
