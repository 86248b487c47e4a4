"""Request and response models of spending policies (``/api/automations/v1/spending_policies``)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from coffer.automations.policies.rules import PolicyRules
from coffer.wallets.schemas import exactly_one

Mode = Literal["enforce", "monitor"]


class SpendingPolicyCreate(BaseModel):
    """A policy on one wallet (``wallet_id``) or on every wallet of a customer
    (``customer_id``)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    wallet_id: str | None = Field(default=None, max_length=40)
    customer_id: str | None = Field(default=None, max_length=40)
    owner_customer_id: str | None = Field(
        default=None,
        max_length=40,
        description="The customer who owns the policy (it may only cover that customer's "
        "wallets); None: the platform's.",
    )
    mode: Mode = "enforce"
    rules: PolicyRules

    @model_validator(mode="after")
    def _one_target(self) -> SpendingPolicyCreate:
        return exactly_one(self, "wallet_id", "customer_id")


class SpendingPolicyUpdate(BaseModel):
    """New rules or mode make a new version; the usage counted so far stays."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    mode: Mode | None = None
    rules: PolicyRules | None = None


class SpendingPolicy(BaseModel):
    object: Literal["spending_policy"] = "spending_policy"
    id: str
    name: str
    wallet_id: str | None
    customer_id: str | None
    owner_customer_id: str | None
    status: Literal["active", "disabled"]
    mode: Mode
    version: int
    rules: PolicyRules
    created_at: datetime
    updated_at: datetime


class SpendingPolicyVersion(BaseModel):
    object: Literal["spending_policy_version"] = "spending_policy_version"
    policy_id: str
    version: int
    mode: Mode
    rules: PolicyRules
    created_at: datetime


class WindowUsage(BaseModel):
    """What is spent in one current calendar window, against the policy's limit."""

    window: Literal["day", "week", "month"]
    window_start: str  # local date, YYYY-MM-DD
    resets_at: datetime
    currency: str | None
    amount_limit: int | None
    amount_used: int
    count_limit: int | None
    count_used: int


class SpendingPolicyUsage(BaseModel):
    object: Literal["spending_policy_usage"] = "spending_policy_usage"
    policy_id: str
    time_zone: str
    windows: list[WindowUsage]


class SpendingPolicyDecision(BaseModel):
    object: Literal["spending_policy_decision"] = "spending_policy_decision"
    id: str
    policy_id: str
    policy_version: int
    mode: Mode
    outcome: Literal["refused", "would_refuse"]
    rule: str
    message: str
    movement_kind: str
    movement_id: str
    wallet_id: str
    amount: int
    currency: str
    created_at: datetime


class Deleted(BaseModel):
    object: Literal["spending_policy"] = "spending_policy"
    id: str
    deleted: bool = True
