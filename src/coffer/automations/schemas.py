"""Request and response models of the automations API (``/api/automations/v1``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from coffer.wallets.schemas.common import ListPage as ListPage  # the APIs share these
from coffer.wallets.schemas.common import Model as Model

AutomationStatus = Literal["active", "paused", "archived"]
RunStatus = Literal["pending", "running", "waiting", "succeeded", "failed", "cancelled", "skipped"]
ApprovalStatus = Literal["pending", "approved", "rejected", "expired"]


class AutomationCreate(Model):
    name: str = Field(min_length=1, max_length=200)
    owner_customer_id: str | None = Field(
        default=None,
        max_length=40,
        description="A customer owning the automation: its steps may only spend from that"
        " customer's wallets. None: the platform's automation.",
    )
    definition: dict[str, Any] = Field(
        description="trigger, condition, steps, retry, parties (docs/automations.md)"
    )
    consent: dict[str, Any] | None = Field(
        default=None,
        description="The customer's consent to a customer-owned automation (who, when, how):"
        " stored with the version.",
    )


class AutomationUpdate(Model):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    definition: dict[str, Any] | None = None
    consent: dict[str, Any] | None = None


class Automation(BaseModel):
    object: Literal["automation"] = "automation"
    id: str
    name: str
    owner_customer_id: str | None
    status: AutomationStatus
    version: int
    trigger_type: str
    definition: dict[str, Any]
    consent: dict[str, Any] | None
    next_fire_at: datetime | None
    last_fire_at: datetime | None
    webhook_url: str | None = Field(
        default=None, description="Webhook triggers: where to POST (signed) to start a run"
    )
    secret: str | None = Field(
        default=None,
        description="Shown once, at creation: signs inbound webhooks and webhook steps",
    )
    created_at: datetime
    updated_at: datetime


class AutomationVersion(BaseModel):
    object: Literal["automation_version"] = "automation_version"
    automation_id: str
    version: int
    definition: dict[str, Any]
    consent: dict[str, Any] | None
    created_at: datetime


class RunCreate(Model):
    inputs: dict[str, Any] = Field(default_factory=dict)


class StepRecord(BaseModel):
    object: Literal["automation_step"] = "automation_step"
    key: str
    type: str
    status: str
    attempts: int
    request: Any
    output: Any
    error: dict[str, Any] | None
    deadline_at: datetime | None
    started_at: datetime
    finished_at: datetime | None


class Run(BaseModel):
    object: Literal["automation_run"] = "automation_run"
    id: str
    automation_id: str
    version: int
    status: RunStatus
    trigger_type: str
    occurrence_key: str
    trigger: dict[str, Any]
    inputs: dict[str, Any]
    output: Any
    error: dict[str, Any] | None
    waiting_for: str | None = Field(description="event, approval, run or timer")
    scheduled_for: datetime
    next_run_at: datetime | None
    parent_run_id: str | None
    parties: list[str]
    steps: list[StepRecord] | None = Field(default=None, description="With ?expand=steps")
    started_at: datetime | None
    finished_at: datetime | None
    created_at: datetime


class ApprovalDecision(Model):
    approve: bool
    approver: str = Field(min_length=1, max_length=200, description="Who decides (an operator)")
    note: str | None = Field(default=None, max_length=1000)


class Approval(BaseModel):
    object: Literal["automation_approval"] = "automation_approval"
    id: str
    run_id: str
    step_key: str
    status: ApprovalStatus
    required: int
    decisions: list[dict[str, Any]]
    message: str | None
    expires_at: datetime | None
    created_at: datetime


class EventCreate(Model):
    """An event of the platform's own (an order delivered, a dispute opened): it starts
    event-triggered automations, wakes waiting runs and goes out to webhooks."""

    type: str = Field(min_length=3, max_length=64, pattern=r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
    data: dict[str, Any] = Field(default_factory=dict)


class EventPublished(BaseModel):
    object: Literal["event"] = "event"
    id: str
    type: str
