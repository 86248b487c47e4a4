"""The automations domain's errors (in the one ``coffer.errors`` tree)."""

from __future__ import annotations

from coffer.errors import NotFound, ValidationError


class AutomationNotFound(NotFound, code="automation_not_found"):
    hint = "Check the id (GET /api/automations/v1/automations lists them)."


class RunNotFound(NotFound, code="automation_run_not_found"):
    hint = "Check the id (GET /api/automations/v1/runs lists them)."


class ApprovalNotFound(NotFound, code="automation_approval_not_found"):
    hint = "Check the id (GET /api/automations/v1/approvals lists the pending ones)."


class WebhookSignatureInvalid(ValidationError, code="webhook_signature_invalid", status=401):
    """An inbound webhook whose signature or timestamp does not verify."""

    hint = "Sign the body per Standard Webhooks with the automation's secret, timestamp within 5 minutes."
