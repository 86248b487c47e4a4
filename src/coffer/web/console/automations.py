"""Console pages of the automations domain (``coffer.automations``): automations (list,
detail with versions, trigger and steps; pause, resume, archive; run now), runs (filters,
a run's step history with inputs, outputs, errors and retries) and the approvals to give
(approve or reject; whoever started a run from the console cannot approve it: maker and
checker are two people). Changes go through the automations service for the operator's
platform and are written to the audit log with the operator as actor."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Depends, Form, Query
from starlette.responses import Response

from coffer.automations import schemas as S
from coffer.automations.endpoints import automations_for
from coffer.automations.errors import ApprovalNotFound
from coffer.automations.service import AutomationsPlatform
from coffer.errors import ValidationError
from coffer.web.console.deps import PREFIX, ConsoleContext, console_context, console_router
from coffer.web.console.views import (
    Column,
    Section,
    Tabs,
    link_column,
    list_base,
    platform_page,
    redirect,
    text_filter,
)
from coffer.web.console.wallets import Cursor, Status, _audit

router = console_router()
Reader = Annotated[ConsoleContext, Depends(console_context("automations.read"))]
Manager = Annotated[ConsoleContext, Depends(console_context("automations.manage"))]
Approver = Annotated[ConsoleContext, Depends(console_context("automations.approve"))]
AutomationStatuses = ["active", "paused", "archived"]
RunStatuses = ["pending", "running", "waiting", "succeeded", "failed", "cancelled", "skipped"]
Decision = Annotated[str, Form(pattern="^(approve|reject)$")]  # an approver's choice
ApprovalStatuses = ["pending", "approved", "rejected", "expired"]
MAKER_KEYS = ("requested_by", "maker", "created_by")  # run inputs naming who asked for it
ACTIONS = {"pause": "paused", "resume": "active", "archive": "archived"}


def automations_of(ctx: ConsoleContext) -> AutomationsPlatform:
    return automations_for(ctx.request.app)


_section = Section(
    "/console/automations",
    Tabs(
        (
            ("/console/automations", "Automations"),
            ("/console/automations/runs", "Runs"),
            ("/console/automations/approvals", "Approvals"),
        )
    ),
)  # the section: its navigation entry and tab list


def pretty(value: Any) -> str:
    return "" if value is None else json.dumps(value, indent=2, sort_keys=True, default=str)


@router.get("/automations")
def automations(ctx: Reader, cursor: Cursor = None, status: Status = None) -> Response:
    listing = platform_page(ctx, automations_of(ctx).automations, cursor, status=status)
    return _section.list_page(
        ctx,
        listing,
        tab="/console/automations",
        title="Automations",
        base="/console/automations",
        statuses=AutomationStatuses,
        status=status,
        columns=[
            link_column("Automation", "id", "/console/automations"),
            Column("Name", lambda a: a.name),
            Column("Owner", lambda a: a.owner_customer_id or "platform"),
            Column("Trigger", lambda a: a.trigger_type),
            Column("Status", lambda a: a.status),
            Column("Version", lambda a: a.version, numeric=True),
            Column("Next", lambda a: a.next_fire_at or ""),
            Column("Updated", lambda a: a.updated_at),
        ],
    )


@router.get("/automations/runs")
def runs(
    ctx: Reader,
    cursor: Cursor = None,
    status: Status = None,
    automation: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    listing = platform_page(
        ctx, automations_of(ctx).runs, cursor, automation_id=automation, status=status
    )
    return _section.list_page(
        ctx,
        listing,
        tab="/console/automations/runs",
        title="Automation runs",
        base=list_base("/console/automations/runs", automation=automation),
        statuses=RunStatuses,
        status=status,
        columns=[
            link_column("Run", "id", "/console/automations/runs"),
            Column(
                "Automation",
                lambda r: f"{r.automation_id} v{r.version}",
                lambda r: f"/console/automations/{r.automation_id}",
            ),
            Column("Trigger", lambda r: r.trigger_type),
            Column("Status", lambda r: r.status),
            Column("Waiting for", lambda r: r.waiting_for or ""),
            Column("Scheduled", lambda r: r.scheduled_for),
            Column("Finished", lambda r: r.finished_at or ""),
        ],
        extra={
            "filters": [text_filter("automation", "Automation", automation)],
        },
    )


@router.get("/automations/runs/{run_id}")
def run_detail(ctx: Reader, run_id: str) -> Response:
    service = automations_of(ctx)
    found = service.run(ctx.operator.platform_id, run_id)
    approvals = service.approvals(ctx.operator.platform_id, status=None, run_id=run_id).data
    return _section.page(
        ctx,
        "console/automation_run.html",
        {
            "run": found,
            "approvals": approvals,
            "pretty": pretty,
        },
        tab="/console/automations/runs",
        title=f"Run {run_id}",
    )


@router.get("/automations/approvals")
def approvals(ctx: Reader, cursor: Cursor = None, status: Status = "pending") -> Response:
    listing = platform_page(ctx, automations_of(ctx).approvals, cursor, status=status)
    return _section.page(
        ctx,
        "console/automation_approvals.html",
        {
            "approvals": listing.data,
            "next_cursor": listing.data[-1].id if listing.has_more and listing.data else None,
            "statuses": ApprovalStatuses,
            "status": status or "",
        },
        tab="/console/automations/approvals",
        title="Approvals",
    )


def _makers(run: S.Run) -> set[str]:
    """Who asked for the run (its inputs' ``requested_by``, ``maker`` or ``created_by``)."""
    return {str(run.inputs[key]) for key in MAKER_KEYS if run.inputs.get(key)}


@router.post("/automations/approvals/{approval_id}/decision")
def decide_approval(
    ctx: Approver,
    approval_id: str,
    decision: Decision,
    note: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    service = automations_of(ctx)
    platform_id = ctx.operator.platform_id
    approval = _approval_by_id(service, platform_id, approval_id)
    run_ = service.run(platform_id, approval.run_id, steps=False)
    ctx.refuse_maker(_makers(run_), "asked for this run")
    decided = service.decide(
        platform_id,
        approval_id,
        S.ApprovalDecision(
            approve=decision == "approve",
            approver=ctx.operator.email,
            note=note.strip() or None,
        ),
    )
    _audit(
        ctx,
        f"automation_approval.{'approved' if decision == 'approve' else 'rejected'}",
        approval_id,
        run_id=approval.run_id,
        step=approval.step_key,
        status=decided.status,
        note=note.strip() or None,
    )
    run_id = approval.run_id
    return redirect(f"{PREFIX}/automations/runs/{run_id}")


def _approval_by_id(service: AutomationsPlatform, platform_id: str, approval_id: str) -> S.Approval:
    """An approval of the platform by id (approvals are listed newest first by id: the
    first one before ``approval_id + "~"`` is that approval when it exists)."""
    after = approval_id + "~"  # the smallest id after approval_id's prefix
    listing = service.approvals(platform_id, status=None, starting_after=after, limit=1)
    if not listing.data or listing.data[0].id != approval_id:
        raise ApprovalNotFound(f"approval {approval_id!r} does not exist")
    return listing.data[0]


@router.get("/automations/{automation_id}")
def automation(ctx: Reader, automation_id: str) -> Response:
    service = automations_of(ctx)
    platform_id = ctx.operator.platform_id
    found = service.automation(platform_id, automation_id)
    versions = service.versions(platform_id, automation_id)
    recent = service.runs(platform_id, automation_id=automation_id, limit=10).data
    definition = found.definition
    return _section.page(
        ctx,
        "console/automation.html",
        {
            "automation": found,
            "versions": versions,
            "runs": recent,
            "trigger": definition.get("trigger", {}),
            "steps": definition.get("steps", []),
            "condition": definition.get("condition"),
            "pretty": pretty,
        },
        tab="/console/automations",
        title=f"Automation {found.name}",
    )


@router.post("/automations/{automation_id}/status")
def set_status(
    ctx: Manager,
    automation_id: str,
    action: Annotated[str, Form(pattern="^(pause|resume|archive)$")],
) -> Response:
    changed = automations_of(ctx).set_status(
        ctx.operator.platform_id, automation_id, ACTIONS[action]
    )
    _audit(ctx, f"automation.{ACTIONS[action]}", automation_id, status=changed.status)
    return redirect(f"{PREFIX}/automations/{automation_id}")


@router.post("/automations/{automation_id}/runs")
def start_run(
    ctx: Manager,
    automation_id: str,
    inputs: Annotated[str, Form(max_length=10_000)] = "",
) -> Response:
    """Run it now with JSON ``inputs``; the operator is recorded as ``requested_by`` (the
    maker, who may not approve the run's approvals)."""

    try:
        values = json.loads(inputs) if inputs.strip() else {}
    except json.JSONDecodeError as exc:
        raise ValidationError(f"The inputs are not JSON: {exc.msg}.") from exc
    if not isinstance(values, dict):
        raise ValidationError("The inputs are a JSON object.")
    values["requested_by"] = ctx.operator.email
    started = automations_of(ctx).start_run(ctx.operator.platform_id, automation_id, values)
    _audit(ctx, "automation.run_started", automation_id, run_id=started.id)
    run_id = started.id
    return redirect(f"{PREFIX}/automations/runs/{run_id}")
