"""Settings of payment batches (COFFER_PAYROLL_* environment variables)."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from pydantic import Field

from coffer.settings import CofferSettings


class PayrollSettings(CofferSettings):
    payroll_max_lines: Annotated[int, Field(ge=1, le=100_000)] = 20_000
    """Most lines one payment batch may have, for a platform that did not set its own max_lines (PUT
    /api/automations/v1/payment_batch_limits/{currency})."""
    payroll_max_line_amount: Annotated[int, Field(gt=0)] = 10**12
    """Largest amount of one payment batch line, in minor units (cents), for a platform that did not
    set its own max_line_amount; a line above it is reported as over_line_limit."""
    payroll_max_batch_total: Annotated[int, Field(gt=0)] = 10**14
    """Largest total of one payment batch, in minor units, for a platform that did not set its own
    max_batch_total; a batch above it is refused with over_batch_limit."""
    payroll_approval_timeout_seconds: Annotated[float, Field(gt=0, le=90 * 86400)] = 7 * 86400.0
    """Default time approvers have to approve a payment batch; after it the batch expires (a batch
    may set its own approval_timeout_seconds)."""
    payroll_funds_recheck_seconds: Annotated[float, Field(gt=0, le=86400)] = 300.0
    """How often a batch with funding_policy=wait checks again whether its source wallet covers the
    batch's total."""
    payroll_chunk_size: Annotated[int, Field(ge=1, le=5000)] = 500
    """Lines a worker executes per round trip (one ledger submission and one commit of their
    statuses)."""


@lru_cache(maxsize=1)
def get_payroll_settings() -> PayrollSettings:
    return PayrollSettings()
