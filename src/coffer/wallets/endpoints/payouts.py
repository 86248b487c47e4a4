"""Bank accounts, payouts and their pain.001 batches."""

from __future__ import annotations

from typing import Any

from fastapi import Response

from coffer.wallets import schemas as S
from coffer.wallets.endpoints.deps import IdempotencyKey, Platform, Routes

api = Routes()


@api.write.post("/bank_accounts", status_code=201, responses=api.errors(400, 404, 409))
def add_bank_account(
    body: S.BankAccountCreate, p: Platform, key: IdempotencyKey = None
) -> S.BankAccount:
    return p.payouts.add_bank_account(body, idempotency_key=key)


api.list_and_retrieve(
    "/bank_accounts",
    S.BankAccount,
    service=lambda p: p.payouts,
    names=("bank_accounts", "bank_account"),
    id_name="account_id",
    list_errors=(400,),
)


api.create(
    "/payouts", S.PayoutCreate, S.Payout, service=lambda p: p.payouts, method="create_payout"
)


api.list_and_retrieve(
    "/payouts", S.Payout, service=lambda p: p.payouts, names=("payouts", "payout")
)


@api.write.post(
    "/payout_batches",
    status_code=201,
    response_model=S.PayoutBatch,
    responses={204: {"description": "No payout is waiting to be exported"}, **api.errors(409)},
)
def export_payouts(p: Platform, key: IdempotencyKey = None) -> S.PayoutBatch | Response:
    """Export every created payout as one pain.001.001.03 file (204 when none waits)."""
    batch = p.core.once(
        key=key,
        operation="payout_batch",
        payload={},
        run=p.payouts.export_batch,
        model=S.PayoutBatch,
    )
    return Response(status_code=204) if batch is None else batch


api.list_and_retrieve(
    "/payout_batches",
    S.PayoutBatch,
    service=lambda p: p.payouts,
    names=("payout_batches", "payout_batch"),
    id_name="batch_id",
    list_doc="Batches holding payouts that meet the filters (which apply to their payouts).",
)


_PAIN001_FILE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The batch's pain.001.001.03 file, the same bytes as at its export",
        "content": {"application/xml": {"schema": {"type": "string"}}},
    }
}


@api.read.get(
    "/payout_batches/{batch_id}/pain001",
    response_class=Response,
    responses={**_PAIN001_FILE, **api.errors(404)},
)
def download_pain001(batch_id: str, p: Platform) -> Response:
    """Download a batch's pain.001 file again (to hand it to the bank)."""
    batch = p.payouts.payout_batch(batch_id)
    disposition = f'attachment; filename="{batch.id}.xml"'
    return Response(
        batch.xml.encode(),
        media_type="application/xml",
        headers={"Content-Disposition": disposition},
    )


@api.write.post("/payouts/{payout_id}/outcome", responses=api.errors(400, 404, 409))
@api.action("payout_outcome", "payout_id")
def payout_outcome(
    payout_id: str, body: S.PayoutOutcome, p: Platform, key: IdempotencyKey = None
) -> S.Payout:
    return p.payouts.settle(payout_id, body)
