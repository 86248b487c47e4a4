"""Request bodies of the risk API (answers are the service's JSON objects)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RuleSave(Model):
    expression: str = Field(min_length=1, max_length=4000, description="CEL, see docs/risk.md.")
    action: Literal["block", "review", "allow"]
    mode: Literal["enforce", "monitor"] = "enforce"
    enabled: bool = True
    description: str | None = Field(default=None, max_length=1000)


class ListEntryCreate(Model):
    list: Literal["block", "allow"]
    kind: Literal["iban", "card", "email", "device", "country", "customer"]
    value: str = Field(min_length=1, max_length=255)
    reason: str | None = Field(default=None, max_length=1000)


class CaseAssign(Model):
    assignee: str | None = Field(max_length=200, description="null: back to the queue.")


class CaseNote(Model):
    body: str = Field(min_length=1, max_length=10_000)
    reference: str | None = Field(
        default=None, max_length=2000, description="An attachment's URI (kept elsewhere)."
    )


class CaseDecision(Model):
    decision: Literal["approve", "decline", "confirmed", "false_positive", "escalated"]
    reason: str = Field(min_length=1, max_length=2000)
    narrative: str | None = Field(
        default=None, max_length=20_000, description="For a suspicious activity report."
    )


class Whitelist(Model):
    reason: str = Field(min_length=1, max_length=2000)


class ScreenCustomer(Model):
    customer_id: str = Field(min_length=1, max_length=40)


class RiskSettingsSave(Model):
    review_expiry_policy: Literal["approve", "decline", "escalate"] = Field(
        description="What a review left past its deadline becomes."
    )


class ModelRegister(Model):
    model_dir: str = Field(
        min_length=1,
        max_length=2000,
        description="A folder `coffer risk train` wrote, under the server's model root "
        "(COFFER_RISK_MODEL_ROOT): a path relative to the root, or an absolute path inside it.",
    )


class ModelChange(Model):
    reason: str | None = Field(
        default=None, max_length=2000, description="Why (kept in the audit log)."
    )
