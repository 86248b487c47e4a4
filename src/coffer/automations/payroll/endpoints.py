"""The payment batches' HTTP API, under ``/api/automations/v1/payment_batches``.

Scopes: ``automations:read`` to read, ``automations:write`` for the rest. A batch is
created from JSON (``lines``, or ``csv`` text) or by uploading the CSV file itself
(``POST /payment_batches/upload`` with ``Content-Type: text/csv`` and the batch's options
as query parameters); ``validate_only`` answers the line-by-line report and stores
nothing. Both creations take an ``Idempotency-Key`` (the wallets API's semantics: a
repeat answers the first answer, the key with another request is refused with 409).

``/payment_batch_limits/{currency}``: the platform's limits of its batches (lines per
batch, amount per line, total per batch) in a currency, read, set and reset.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import ValidationError as PydanticValidationError
from starlette.concurrency import run_in_threadpool

from coffer.automations.endpoints import (
    PREFIX,
    Automations,
    Paging,
    automations_for,
    scoped_routers,
)
from coffer.automations.payroll import schemas as S
from coffer.automations.payroll.errors import PaymentBatchInvalid
from coffer.platforms import platform_id_of
from coffer.wallets.currencies import check_currency
from coffer.wallets.endpoints.deps import IdempotencyKey

MAX_UPLOAD_BYTES = 20_000_000
read, write = scoped_routers()
router = APIRouter(prefix=PREFIX, tags=["payment batches"])
BATCHES = "/payment_batches"
LIMITS = "/payment_batch_limits"


def caller_of(request: Request) -> str:
    """Who the authenticated caller is, as approvals name it: ``client:<id>``."""
    principal = getattr(request.state, "principal", None)
    client_id = getattr(principal, "client_id", None)
    return f"client:{client_id}" if client_id else "client:unknown"


DRY_RUN: dict[int | str, dict[str, Any]] = {
    200: {"model": S.ValidationReport, "description": "validate_only: the report"}
}


@write.post(BATCHES, status_code=201, responses=DRY_RUN)
def create_batch(
    body: S.BatchCreate,
    request: Request,
    response: Response,
    automations: Automations,
    key: IdempotencyKey = None,
) -> S.Batch | S.ValidationReport:
    """Create a batch (status ``pending_approval``), or with ``validate_only`` only its
    report (200). A batch with any bad line answers 400 ``payment_batch_invalid`` (over
    the platform's limits: ``payment_batch_over_limit``) with the report in
    ``details.report`` and stores nothing."""
    if body.validate_only:
        response.status_code = 200
    return automations.payment_batches.create(
        platform_id_of(request), body, maker=caller_of(request), idempotency_key=key
    )


@write.post(
    BATCHES + "/upload",
    status_code=201,
    responses=DRY_RUN,
    openapi_extra={
        "requestBody": {"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}}
    },
)
async def upload_batch(
    request: Request,
    response: Response,
    source_wallet_id: Annotated[str, Query(max_length=40)],
    currency: Annotated[str, Query(min_length=3, max_length=3)],
    name: Annotated[str | None, Query(max_length=200)] = None,
    funding_policy: Literal["wait", "partial"] = "wait",
    approvals: Annotated[int, Query(ge=1, le=10)] = 1,
    execute_on: date | None = None,
    calendar: Annotated[str | None, Query(min_length=2, max_length=8)] = None,
    convention: Literal["following", "preceding", "modified_following"] = "following",
    validate_only: bool = False,
    key: IdempotencyKey = None,
) -> S.Batch | S.ValidationReport:
    """Create a batch from a CSV file (the body); the options as query parameters."""
    body = await request.body()
    if len(body) > MAX_UPLOAD_BYTES:
        raise PaymentBatchInvalid(f"the file is larger than {MAX_UPLOAD_BYTES} bytes")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise PaymentBatchInvalid("the CSV file is not UTF-8 text") from error
    options: dict[str, Any] = {
        "source_wallet_id": source_wallet_id,
        "currency": currency,
        "name": name,
        "funding_policy": funding_policy,
        "approvals": approvals,
        "execute_on": execute_on,
        "csv": text,
        "validate_only": validate_only,
    }
    if calendar:
        options["business_days"] = {"country": calendar, "convention": convention}
    try:
        batch = S.BatchCreate.model_validate(options)
    except PydanticValidationError as error:  # a malformed request: 422 as for JSON bodies
        raise RequestValidationError(error.errors(include_url=False)) from error
    if validate_only:
        response.status_code = 200
    automations = automations_for(request.app)
    return await run_in_threadpool(
        automations.payment_batches.create,
        platform_id_of(request),
        batch,
        maker=caller_of(request),
        idempotency_key=key,
    )


@read.get(BATCHES)
def list_batches(
    request: Request,
    automations: Automations,
    paging: Paging,
    status: S.BatchStatus | None = None,
    source_wallet_id: str | None = None,
) -> S.ListPage[S.Batch]:
    return automations.payment_batches.batches(
        platform_id_of(request), status=status, source_wallet_id=source_wallet_id, **paging
    )


@read.get(BATCHES + "/{batch_id}")
def get_batch(batch_id: str, request: Request, automations: Automations) -> S.Batch:
    return automations.payment_batches.batch(platform_id_of(request), batch_id)


@read.get(BATCHES + "/{batch_id}/lines")
def list_lines(
    batch_id: str,
    request: Request,
    automations: Automations,
    status: S.LineStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    starting_after: Annotated[int | None, Query(ge=0, description="A line number")] = None,
) -> S.ListPage[S.Line]:
    return automations.payment_batches.lines(
        platform_id_of(request),
        batch_id,
        status=status,
        starting_after=starting_after,
        limit=limit,
    )


def _decision_route(action: str, approve: bool, doc: str) -> None:
    """``POST /payment_batches/{batch_id}/<action>``: one approver's decision."""

    def decide(
        batch_id: str, body: S.Decision, request: Request, automations: Automations
    ) -> S.Batch:
        return automations.payment_batches.approve(
            platform_id_of(request), batch_id, body, caller=caller_of(request), approve=approve
        )

    decide.__name__ = f"{action}_batch"  # the OpenAPI operation's name
    decide.__doc__ = doc
    write.post(BATCHES + "/{batch_id}/" + action)(decide)


_decision_route("approve", True, "One approval (the batch's creator cannot approve).")
_decision_route("reject", False, "Reject: the batch is cancelled.")


@write.post(BATCHES + "/{batch_id}/cancel")
def cancel_batch(batch_id: str, request: Request, automations: Automations) -> S.Batch:
    return automations.payment_batches.cancel(platform_id_of(request), batch_id)


@read.get(
    BATCHES + "/{batch_id}/pain001",
    response_class=Response,
    responses={200: {"content": {"application/xml": {"schema": {"type": "string"}}}}},
)
def download_pain001(batch_id: str, request: Request, automations: Automations) -> Response:
    """The ISO 20022 pain.001.001.03 file of the batch's bank lines."""
    xml = automations.payment_batches.pain001(platform_id_of(request), batch_id)
    return Response(
        xml,
        media_type="application/xml",
        headers={"content-disposition": f'attachment; filename="{batch_id}.xml"'},
    )


@read.get(LIMITS)
def list_limits(request: Request, automations: Automations) -> S.ListPage[S.Limits]:
    """The limits of every currency the platform set some for."""
    return automations.payment_batches.all_limits(platform_id_of(request))


@read.get(LIMITS + "/{currency}")
def get_limits(currency: str, request: Request, automations: Automations) -> S.Limits:
    """The limits a batch in ``currency`` is validated against (the platform's own, the
    default settings for the others)."""
    return automations.payment_batches.limits(platform_id_of(request), check_currency(currency))


@write.put(LIMITS + "/{currency}")
def set_limits(
    currency: str, body: S.LimitsSet, request: Request, automations: Automations
) -> S.Limits:
    """Set the platform's limits in ``currency`` (a field left out: the default)."""
    return automations.payment_batches.set_limits(
        platform_id_of(request), currency, body, actor=caller_of(request)
    )


@write.delete(LIMITS + "/{currency}")
def reset_limits(currency: str, request: Request, automations: Automations) -> S.Limits:
    """Back to the default settings in ``currency``."""
    return automations.payment_batches.reset_limits(platform_id_of(request), currency)


router.include_router(read)
router.include_router(write)
