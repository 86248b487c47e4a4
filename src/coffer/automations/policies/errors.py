"""Errors of spending policies (in the one ``coffer.errors`` tree)."""

from __future__ import annotations

from coffer.errors import CofferError, NotFound


class SpendingPolicyRefused(
    CofferError, code="spending_policy_refused", status=402, formance_code="VALIDATION"
):
    """A spending policy in ``enforce`` mode refused the movement: the message names the
    policy and the limit (e.g. ``daily amount limit 500.00 EUR of policy sp_...: 430.00 EUR
    already spent``). No money moved."""

    hint = "Wait for the window to reset, lower the amount, or change the policy."


class SpendingPolicyNotFound(NotFound, code="spending_policy_not_found"):
    hint = "Check the id (GET /api/automations/v1/spending_policies lists them)."
