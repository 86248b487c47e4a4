"""Errors of payment batches (in the one ``coffer.errors`` tree)."""

from __future__ import annotations

from coffer.errors import Conflict, NotFound, ValidationError


class PaymentBatchNotFound(NotFound, code="payment_batch_not_found"):
    hint = "Check the id (GET /api/automations/v1/payment_batches lists them)."


class PaymentBatchInvalid(ValidationError, code="payment_batch_invalid"):
    """A payment batch with lines that do not validate: nothing was stored."""

    hint = "Fix the lines named in details.lines (each with its errors) and send the batch again; validate_only=true checks without storing."


class PaymentBatchOverLimit(PaymentBatchInvalid, code="payment_batch_over_limit"):
    """A payment batch over the platform's limits (lines, line amount, total): nothing was
    stored."""

    hint = "Split the batch or lower the lines named in details.report; the limits (details.limits) are the platform's: GET /api/automations/v1/payment_batch_limits/{currency}."


class PaymentBatchState(Conflict, code="payment_batch_state"):
    """A payment batch whose status does not allow the operation."""

    hint = "Read the batch's status: approve only pending_approval batches, cancel only those not executing yet."


class ApproverNotAllowed(ValidationError, code="approver_not_allowed", status=403):
    """The batch's creator tried to approve it (maker-checker)."""

    hint = "Another operator or API client approves the batch; its creator cannot."
