"""Coffer's additions beside the Formance API: holds, journal checkpoints and proofs."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse

import coffer
from coffer.api import schemas as S
from coffer.api.deps import ReadScope, WriteScope, hold_json, ledger_of, transaction_json
from coffer.api.ledger_queries import format_time
from coffer.api.routers.ledger import (
    DEFAULT_ERROR,
    IdempotencyKey,
    LedgerName,
    create_one,
)
from coffer.api.routers.ledger.common import created
from coffer.errors import ValidationError
from coffer.ledger import journal as J
from coffer.ledger.models import Checkpoint, Hold, JournalEntry

router = APIRouter(prefix="/api/ledger/v2/{ledger}", tags=["coffer"], responses=DEFAULT_ERROR)

HoldId = Annotated[int, Path(ge=0, le=2**63 - 1)]
TreeSize = Annotated[int, Query(ge=1, le=2**63 - 1)]


def _checkpoint_json(checkpoint: Checkpoint) -> dict[str, Any]:
    return {
        "ledger": checkpoint.ledger,
        "treeSize": checkpoint.tree_size,
        "root": checkpoint.root.hex(),
        "createdAt": format_time(checkpoint.created_at),
        "publicKey": checkpoint.public_key.hex(),
        "signature": checkpoint.signature.hex(),
    }


def _entry_json(entry: JournalEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "kind": entry.kind,
        "type": J.KIND_NAMES.get(entry.kind, str(entry.kind)),
        "refId": entry.ref_id,
        "body": entry.body,
        "createdAt": format_time(entry.created_at),
        "hash": entry.hash.hex(),
        "previousHash": entry.previous_hash.hex(),
    }


@created(
    "/holds",
    S.HoldResponse,
    "cofferCreateHold",
    "Create a hold (a pending transaction that reserves funds)",
    on=router,
)
def create_hold(
    request: Request,
    ledger: LedgerName,
    body: S.CreateHoldRequest,
    idempotency_key: IdempotencyKey = None,
    _principal: Any = WriteScope,
) -> Any:
    post = S.PostTransaction(
        postings=body.postings,
        script=body.script,
        reference=body.reference,
        metadata=body.metadata,
        timestamp=body.timestamp,
    )
    hold = create_one(
        request, ledger, post, idempotency_key, pending=True, timeout_seconds=body.timeoutSeconds
    )
    assert isinstance(hold, Hold)
    return JSONResponse({"data": hold_json(hold)}, 201)


@router.get("/holds", response_model=S.HoldsResponse, operation_id="cofferListHolds")
def list_holds(
    request: Request,
    ledger: LedgerName,
    status: Annotated[str | None, Query(pattern="^(pending|posted|voided|expired)$")] = None,
    page_size: Annotated[int, Query(alias="pageSize", ge=1, le=1000)] = 100,
    _principal: Any = ReadScope,
) -> Any:
    holds = ledger_of(request, ledger).holds(status=status, page_size=page_size)
    return JSONResponse({"data": [hold_json(h) for h in holds]})


@router.get("/holds/{id}", response_model=S.HoldResponse, operation_id="cofferGetHold")
def get_hold(request: Request, ledger: LedgerName, id: HoldId, _principal: Any = ReadScope) -> Any:
    return JSONResponse({"data": hold_json(ledger_of(request, ledger).hold(id))})


@created(
    "/holds/{id}/post",
    S.TransactionResponse,
    "cofferPostHold",
    "Post a hold in full (no body) or in part (amount or amounts)",
    on=router,
)
def post_hold(
    request: Request,
    ledger: LedgerName,
    id: HoldId,
    body: S.PostHoldRequest | None = None,
    idempotency_key: IdempotencyKey = None,
    _principal: Any = WriteScope,
) -> Any:
    body = body or S.PostHoldRequest()
    tx = ledger_of(request, ledger).post_pending(
        id,
        body.amount,
        amounts=body.amounts,
        metadata=body.metadata,
        idempotency_key=idempotency_key,
    )
    return JSONResponse({"data": transaction_json(tx)}, 201)


@router.post("/holds/{id}/void", response_model=S.HoldResponse, operation_id="cofferVoidHold")
def void_hold(
    request: Request,
    ledger: LedgerName,
    id: HoldId,
    idempotency_key: IdempotencyKey = None,
    _principal: Any = WriteScope,
) -> Any:
    hold = ledger_of(request, ledger).void_pending(id, idempotency_key=idempotency_key)
    return JSONResponse({"data": hold_json(hold)})


@router.get(
    "/checkpoints", response_model=S.CheckpointsResponse, operation_id="cofferListCheckpoints"
)
def list_checkpoints(
    request: Request,
    ledger: LedgerName,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    _principal: Any = ReadScope,
) -> Any:
    checkpoints = ledger_of(request, ledger).checkpoints(limit=limit)
    return JSONResponse({"data": [_checkpoint_json(c) for c in checkpoints]})


@created(
    "/checkpoints",
    S.CheckpointResponse,
    "cofferCreateCheckpoint",
    "Sign a checkpoint of the journal as it is now",
    on=router,
)
def create_checkpoint(request: Request, ledger: LedgerName, _principal: Any = WriteScope) -> Any:
    checkpoint = ledger_of(request, ledger).checkpoint()
    return JSONResponse({"data": _checkpoint_json(checkpoint)}, 201)


@router.get(
    "/journal",
    response_model=S.JournalPage,
    operation_id="cofferListJournal",
    summary="The ledger's journal in order: every entry kind, with its hash chain",
    description="Unlike the Formance logs endpoints, which show only the entry kinds "
    "Formance knows, this lists holds (NEW_HOLD, VOID_HOLD, EXPIRE_HOLD), overdraft "
    "grants (SET_OVERDRAFT) and ledger metadata (SET_LEDGER_METADATA) too, with the "
    "canonical body each entry's hash covers.",
)
def list_journal(
    request: Request,
    ledger: LedgerName,
    after_seq: Annotated[int, Query(alias="afterSeq", ge=-1, le=2**63 - 1)] = -1,
    page_size: Annotated[int, Query(alias="pageSize", ge=1, le=999)] = 100,
    _principal: Any = ReadScope,
) -> Any:
    entries = ledger_of(request, ledger).journal(after_seq=after_seq, limit=page_size + 1)
    has_more = len(entries) > page_size
    entries = entries[:page_size]
    body: dict[str, Any] = {"data": [_entry_json(e) for e in entries], "hasMore": has_more}
    if has_more:
        body["next"] = entries[-1].seq
    return JSONResponse(body)


@router.get(
    "/proofs/inclusion/{id}",
    response_model=S.InclusionProofResponse,
    operation_id="cofferInclusionProof",
    summary="Prove a transaction is in a signed checkpoint (the newest by default)",
)
def inclusion_proof(
    request: Request,
    ledger: LedgerName,
    id: HoldId,
    tree_size: Annotated[int | None, Query(alias="treeSize", ge=1, le=2**63 - 1)] = None,
    _principal: Any = ReadScope,
) -> Any:
    book = ledger_of(request, ledger)
    proof = book.inclusion_proof(id, tree_size=tree_size)
    verified = coffer.verify_inclusion_proof(proof, proof.checkpoint.public_key)
    return JSONResponse(
        {
            "data": {
                "entry": _entry_json(proof.entry),
                "leafIndex": proof.leaf_index,
                "treeSize": proof.tree_size,
                "path": [node.hex() for node in proof.path],
                "checkpoint": _checkpoint_json(proof.checkpoint),
                "verified": bool(verified),
            }
        }
    )


@router.get(
    "/proofs/consistency",
    response_model=S.ConsistencyProofResponse,
    operation_id="cofferConsistencyProof",
    summary="Prove the checkpoint of oldSize entries is a prefix of the one of newSize",
)
def consistency_proof(
    request: Request,
    ledger: LedgerName,
    old_size: Annotated[int, Query(alias="oldSize", ge=1, le=2**63 - 1)],
    new_size: Annotated[int, Query(alias="newSize", ge=1, le=2**63 - 1)],
    _principal: Any = ReadScope,
) -> Any:
    if old_size > new_size:
        raise ValidationError("oldSize must not exceed newSize")
    proof = ledger_of(request, ledger).consistency_proof(old_size, new_size)
    verified = coffer.verify_consistency_proof(proof, proof.new.public_key)
    return JSONResponse(
        {
            "data": {
                "old": _checkpoint_json(proof.old),
                "new": _checkpoint_json(proof.new),
                "path": [node.hex() for node in proof.path],
                "verified": bool(verified),
            }
        }
    )
