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


def automation_model(row: Mapping[str, Any], version: Mapping[str, Any]) -> S.Automation:
    return S.Automation(
        id=row["id"],
        name=row["name"],
        owner_customer_id=row["owner_customer_id"],
        status=row["status"],
        version=row["version"],
        trigger_type=row["trigger_type"],
        definition=R.loads(version["definition"]),
        consent=R.loads(version["consent"]),
        next_fire_at=maybe_time(row["next_fire_at"]),
        last_fire_at=maybe_time(row["last_fire_at"]),
        webhook_url=f"/api/automations/v1/hooks/{row['id']}"
        if row["trigger_type"] == "webhook"
        else None,
        created_at=from_micros(row["created_at"]),
        updated_at=from_micros(row["updated_at"]),
    )


def step_model(row: Mapping[str, Any]) -> S.StepRecord:
    request = R.loads(row["request"])
    return S.StepRecord(
        key=row["step_key"],
        type=row["step_type"],
        status=row["status"],
        attempts=row["attempts"],
        request=request.get("params", request) if isinstance(request, dict) else request,
        output=R.loads(row["output"]),
        error=R.loads(row["error"]),
        deadline_at=maybe_time(row["deadline_at"]),
        started_at=from_micros(row["started_at"]),
        finished_at=maybe_time(row["finished_at"]),
    )


def run_model(
    row: Mapping[str, Any], steps: list[dict[str, Any]] | None, parties: list[str]
) -> S.Run:
    return S.Run(
        id=row["id"],
        automation_id=row["automation_id"],
        version=row["version"],
        status=row["status"],
        trigger_type=row["trigger_type"],
        occurrence_key=row["occurrence_key"],
        trigger=R.loads(row["trigger"]) or {},
        inputs=R.loads(row["inputs"]) or {},
        output=R.loads(row["output"]),
        error=R.loads(row["error"]),
        waiting_for=row["wait_kind"] if row["status"] == "waiting" else None,
        scheduled_for=from_micros(row["scheduled_for"]),
        next_run_at=maybe_time(row["next_run_at"]),
        parent_run_id=row["parent_run_id"],
        parties=parties,
        steps=None if steps is None else [step_model(step) for step in steps],
        started_at=maybe_time(row["started_at"]),
        finished_at=maybe_time(row["finished_at"]),
        created_at=from_micros(row["created_at"]),
    )


def approval_model(row: Mapping[str, Any]) -> S.Approval:
    return S.Approval(
        id=row["id"],
        run_id=row["run_id"],
        step_key=row["step_key"],
        status=row["status"],
        required=row["required"],
        decisions=R.loads(row["decisions"]) or [],
        message=row["message"],
        expires_at=maybe_time(row["expires_at"]),
        created_at=from_micros(row["created_at"]),
    )
