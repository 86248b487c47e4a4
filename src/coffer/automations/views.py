"""Rows of the automations tables as the API's models (automations, runs, steps, approvals)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from coffer.automations import repository as R
from coffer.automations import schemas as S
from coffer.automations.runstate import from_micros


def maybe_time(value: int | None) -> datetime | None:
    return None if value is None else from_micros(value)


def same_named(row: Mapping[str, Any], *names: str) -> dict[str, Any]:
    """The columns ``names`` of ``row`` as they are: model fields named like them."""
    return {name: row[name] for name in names}


def moments(row: Mapping[str, Any], *names: str) -> dict[str, Any]:
    """The time columns ``names`` of ``row`` (microseconds) as datetimes (None stays)."""
    return {name: maybe_time(row[name]) for name in names}


def decoded(row: Mapping[str, Any], *names: str) -> dict[str, Any]:
    """The JSON columns ``names`` of ``row``, decoded (None stays)."""
    return {name: R.loads(row[name]) for name in names}


def automation_model(row: Mapping[str, Any], version: Mapping[str, Any]) -> S.Automation:
    return S.Automation(
        **same_named(row, "id", "name", "owner_customer_id", "status", "version", "trigger_type"),
        **decoded(version, "definition", "consent"),
        **moments(row, "next_fire_at", "last_fire_at", "created_at", "updated_at"),
        webhook_url=f"/api/automations/v1/hooks/{row['id']}"
        if row["trigger_type"] == "webhook"
        else None,
    )


def version_model(row: Mapping[str, Any]) -> S.AutomationVersion:
    return S.AutomationVersion(
        **same_named(row, "automation_id", "version"),
        **decoded(row, "definition", "consent"),
        **moments(row, "created_at"),
    )


def step_model(row: Mapping[str, Any]) -> S.StepRecord:
    request = R.loads(row["request"])
    return S.StepRecord(
        key=row["step_key"],
        type=row["step_type"],
        **same_named(row, "status", "attempts"),
        request=request.get("params", request) if isinstance(request, dict) else request,
        **decoded(row, "output", "error"),
        **moments(row, "deadline_at", "started_at", "finished_at"),
    )


def run_model(
    row: Mapping[str, Any], steps: list[dict[str, Any]] | None, parties: list[str]
) -> S.Run:
    return S.Run(
        **same_named(
            row, "id", "automation_id", "version", "status", "trigger_type", "occurrence_key"
        ),
        trigger=R.loads(row["trigger"]) or {},
        inputs=R.loads(row["inputs"]) or {},
        **decoded(row, "output", "error"),
        waiting_for=row["wait_kind"] if row["status"] == "waiting" else None,
        **moments(row, "scheduled_for", "next_run_at", "started_at", "finished_at", "created_at"),
        parent_run_id=row["parent_run_id"],
        parties=parties,
        steps=None if steps is None else [step_model(step) for step in steps],
    )


def approval_model(row: Mapping[str, Any]) -> S.Approval:
    return S.Approval(
        **same_named(row, "id", "run_id", "step_key", "status", "required", "message"),
        decisions=R.loads(row["decisions"]) or [],
        **moments(row, "expires_at", "created_at"),
    )
