"""Console pages of payment batches (``coffer.automations.payroll``): the platform's
batches (filters: status, source wallet), a new batch from CSV text (validated line by line
first: the report shows every bad line and nothing is stored), a batch with its approvals,
its summary and its lines with their status (paged, filtered), approve or reject
(maker-checker: whoever created the batch cannot approve it), cancel, and its pain.001 file.
Everything goes through the payment batches' service of the automations platform, for the
operator's platform; changes are written to the audit log with the operator as actor."""

from __future__ import annotations

from datetime import date
from typing import Annotated, get_args

import anyio.to_thread
from fastapi import Form, Query
from starlette.responses import Response

from coffer.automations.payroll import schemas as B
from coffer.automations.payroll.errors import PaymentBatchInvalid
from coffer.automations.payroll.service import PaymentBatches
from coffer.errors import CofferError
from coffer.web.console.automations import Approver, Decision, Manager, Reader, automations_of
from coffer.web.console.deps import ConsoleContext, console_router
from coffer.web.console.views import (
    Column,
    choice_filter,
    list_base,
    list_page,
    page,
    pain001_file,
    platform_page,
    redirect,
    text_filter,
)
from coffer.web.console.wallets import Cursor, Exporter, Id, Status, _audit, money_of

router = console_router()
BASE = "/console/payment-batches"
BATCH_STATUSES = list(get_args(B.BatchStatus))
LINE_STATUSES = list(get_args(B.LineStatus))
LINES_PER_PAGE = 100
CSV_EXAMPLE = "wallet_id,iban,bic,name,amount,reference\n"


def batches_of(ctx: ConsoleContext) -> PaymentBatches:
    return automations_of(ctx).payment_batches


@router.get("/payment-batches")
def batches(
    ctx: Reader,
    cursor: Cursor = None,
    status: Status = None,
    wallet: Id = None,
) -> Response:
    listing = platform_page(
        ctx, batches_of(ctx).batches, cursor, status=status, source_wallet_id=wallet
    )
    return list_page(
        ctx,
        listing,
        title="Payment batches",
        active=BASE,
        base=list_base(BASE, wallet=wallet),
        statuses=BATCH_STATUSES,
        status=status,
        columns=[
            Column("Batch", lambda b: b.id, lambda b: f"{BASE}/{b.id}"),
            Column("Name", lambda b: b.name or ""),
            Column("Status", lambda b: b.status),
            Column("Lines", lambda b: b.line_count, numeric=True),
            Column("Total", lambda b: money_of(b.total_amount, b.currency), numeric=True),
            Column("From", lambda b: b.source_wallet_id),
            Column("Created by", lambda b: b.created_by),
            Column("Executes", lambda b: b.execute_at),
        ],
        extra={
            "filters": [text_filter("wallet", "Source wallet", wallet)],
            "intro_link": (f"{BASE}/new", "New payment batch")
            if ctx.can("automations.manage")
            else None,
        },
    )


def _new_page(
    ctx: ConsoleContext,
    form: dict[str, str],
    *,
    report: B.ValidationReport | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    return page(
        ctx,
        "console/payment_batch_new.html",
        {"form": form, "report": report, "error": error, "money": money_of},
        title="New payment batch",
        active=BASE,
        status_code=status_code,
    )


@router.get("/payment-batches/new")
def new_batch(ctx: Manager) -> Response:
    return _new_page(ctx, {"csv": CSV_EXAMPLE, "currency": "EUR", "approvals": "1"})


@router.post("/payment-batches")
async def create_batch(
    ctx: Manager,
    source_wallet_id: Annotated[str, Form(min_length=1, max_length=40)],
    currency: Annotated[str, Form(min_length=3, max_length=3)],
    csv: Annotated[str, Form(min_length=1, max_length=20_000_000)],
    name: Annotated[str, Form(max_length=200)] = "",
    approvals: Annotated[int, Form(ge=1, le=10)] = 1,
    funding_policy: Annotated[str, Form(pattern="^(wait|partial)$")] = "wait",
    execute_on: Annotated[str, Form(max_length=10)] = "",
    step: Annotated[str, Form(pattern="^(validate|create)$")] = "validate",
) -> Response:
    """``validate`` shows the line-by-line report and stores nothing; ``create`` stores
    the batch (pending approval, the operator as its maker) when every line is valid."""
    form = {
        "source_wallet_id": source_wallet_id,
        "currency": currency,
        "csv": csv,
        "name": name,
        "approvals": str(approvals),
        "funding_policy": funding_policy,
        "execute_on": execute_on,
    }

    def run() -> Response:
        try:
            day = date.fromisoformat(execute_on) if execute_on.strip() else None
        except ValueError:
            return _new_page(ctx, form, error="Give the day as YYYY-MM-DD.", status_code=400)
        request = B.BatchCreate(
            source_wallet_id=source_wallet_id.strip(),
            currency=currency.strip().upper(),
            name=name.strip() or None,
            approvals=approvals,
            funding_policy=funding_policy,  # type: ignore[arg-type]
            execute_on=day,
            csv=csv,
            validate_only=step == "validate",
        )
        service = batches_of(ctx)
        try:
            made = service.create(ctx.operator.platform_id, request, maker=ctx.operator.email)
        except PaymentBatchInvalid as exc:
            report = B.ValidationReport.model_validate(exc.details.get("report") or {})
            return _new_page(ctx, form, report=report, error=exc.message, status_code=400)
        except CofferError as exc:
            if exc.status != 400:
                raise
            return _new_page(ctx, form, error=exc.message, status_code=400)
        if isinstance(made, B.ValidationReport):
            return _new_page(ctx, form, report=made, status_code=200 if made.valid else 400)
        _audit(ctx, "payment_batch.created", made.id, lines=made.line_count)
        return redirect(f"{BASE}/{made.id}")

    return await anyio.to_thread.run_sync(run)


@router.get("/payment-batches/{batch_id}")
def batch(
    ctx: Reader,
    batch_id: str,
    line_status: Status = None,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> Response:
    service = batches_of(ctx)
    platform_id = ctx.operator.platform_id
    found = service.batch(platform_id, batch_id)
    lines = service.lines(
        platform_id,
        batch_id,
        status=line_status or None,
        starting_after=after,
        limit=LINES_PER_PAGE,
    )
    approvals = automations_of(ctx).approvals(platform_id, status=None, run_id=batch_id).data
    return page(
        ctx,
        "console/payment_batch.html",
        {
            "batch": found,
            "lines": lines.data,
            "next_line": lines.data[-1].line_number if lines.has_more else None,
            "line_base": list_base(f"{BASE}/{batch_id}", line_status=line_status),
            "line_filters": [
                choice_filter(
                    "line_status",
                    "Line status",
                    line_status,
                    [("", "any"), *((s, s) for s in LINE_STATUSES)],
                )
            ],
            "approvals": approvals,
            "maker": ctx.named_in([found.created_by]),
            "money": money_of,
        },
        title=f"Payment batch {found.name or found.id}",
        active=BASE,
    )


@router.post("/payment-batches/{batch_id}/decision")
def decide(
    ctx: Approver,
    batch_id: str,
    decision: Decision,
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """One approver's decision, as the operator; the batch's creator cannot approve it."""
    service = batches_of(ctx)
    platform_id = ctx.operator.platform_id
    found = service.batch(platform_id, batch_id)
    approve = decision == "approve"
    if approve:
        ctx.refuse_maker([found.created_by], "created this batch")
    decided = service.approve(
        platform_id,
        batch_id,
        B.Decision(note=note.strip() or None),
        caller=ctx.operator.email,
        approve=approve,
    )
    action = "approved" if approve else "rejected"
    _audit(ctx, f"payment_batch.{action}", batch_id, status=decided.status)
    return redirect(f"{BASE}/{batch_id}")


@router.post("/payment-batches/{batch_id}/cancel")
def cancel(ctx: Manager, batch_id: str) -> Response:
    cancelled = batches_of(ctx).cancel(ctx.operator.platform_id, batch_id)
    _audit(ctx, "payment_batch.cancelled", batch_id, status=cancelled.status)
    return redirect(f"{BASE}/{batch_id}")


@router.get("/payment-batches/{batch_id}/pain001")
def pain001(ctx: Exporter, batch_id: str) -> Response:
    xml = batches_of(ctx).pain001(ctx.operator.platform_id, batch_id)
    _audit(ctx, "payment_batch.pain001_downloaded", batch_id)
    return pain001_file(xml, batch_id)
