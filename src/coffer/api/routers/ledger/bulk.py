"""Formance v2 _bulk: many actions in one request, atomic or not, in parallel or not."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Annotated, Any, NamedTuple

from fastapi import Query, Request, Response

from coffer.api import schemas as S
from coffer.api.deps import WriteScope, ledger_of, plain_transaction, state, transaction_text
from coffer.api.errors import NoPostings
from coffer.api.ledger_access import check_force, principal_of
from coffer.api.routers.ledger.common import LedgerName, router
from coffer.api.routers.ledger.transactions import _postings, _vars, create_one
from coffer.errors import CofferError, ValidationError
from coffer.ledger import Ledger
from coffer.ledger.models import ScriptRequest, Transaction, TransactionRequest


def _error_result(error: CofferError) -> dict[str, Any]:
    return {
        "responseType": "ERROR",
        "logID": 0,
        "errorCode": error.formance_code,
        "errorDescription": error.message,
        "errorDetails": error.code,
    }


def _tx_result(kind: str, tx: Transaction) -> str:
    """A bulk element's result, already JSON (see :func:`bulk_body`)."""
    return f'{{"responseType":"{kind}","logID":{tx.seq},"data":{transaction_text(tx)}}}'


_bulk_encoder = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def bulk_body(results: list[dict[str, Any] | str]) -> bytes:
    """``{"data": results}`` as JSON bytes; str items are JSON already."""
    encode = _bulk_encoder.encode
    parts = [item if isinstance(item, str) else encode(item) for item in results]
    return ('{"data":[' + ",".join(parts) + "]}").encode("utf-8")


def _target(data: dict[str, Any]) -> tuple[str, Any]:
    kind = data.get("targetType")
    target = data.get("targetId")
    if kind == "TRANSACTION":
        if isinstance(target, bool) or not isinstance(target, int):
            raise ValidationError("targetId of a TRANSACTION is its integer id")
        return kind, target
    if kind == "ACCOUNT":
        if not isinstance(target, str):
            raise ValidationError("targetId of an ACCOUNT is its address")
        return kind, target
    raise ValidationError("targetType is TRANSACTION or ACCOUNT")


def _run_element(request: Request, ledger: str, element: Element) -> dict[str, Any] | str:
    book = ledger_of(request, ledger)
    data = element.data or {}
    if element.action == "CREATE_TRANSACTION":
        body = S.PostTransaction.model_validate(data)
        result = create_one(request, ledger, body, element.ik)
        assert isinstance(result, Transaction)
        return _tx_result("CREATE_TRANSACTION", result)
    if element.action == "REVERT_TRANSACTION":
        tx_id = data.get("id")
        if isinstance(tx_id, bool) or not isinstance(tx_id, int):
            raise ValidationError("REVERT_TRANSACTION needs data.id, the transaction id")
        metadata = data.get("metadata")
        if data.get("force"):
            check_force(state(request).coffer, principal_of(request), ledger)
        tx = book.revert(
            tx_id,
            force=bool(data.get("force", False)),
            at_effective_date=bool(data.get("atEffectiveDate", False)),
            metadata=metadata if isinstance(metadata, dict) else None,
            idempotency_key=element.ik,
        )
        return _tx_result("REVERT_TRANSACTION", tx)
    kind, target = _target(data)
    if element.action == "ADD_METADATA":
        metadata = data.get("metadata")
        if not isinstance(metadata, dict):
            raise ValidationError("ADD_METADATA needs data.metadata")
        if kind == "TRANSACTION":
            book.set_transaction_metadata(target, metadata, idempotency_key=element.ik)
        else:
            book.set_account_metadata(target, metadata, idempotency_key=element.ik)
        return {"responseType": "ADD_METADATA", "logID": 0}
    key = data.get("key")
    if not isinstance(key, str):
        raise ValidationError("DELETE_METADATA needs data.key")
    if kind == "TRANSACTION":
        book.delete_transaction_metadata(target, key)
    else:
        book.delete_account_metadata(target, key)
    return {"responseType": "DELETE_METADATA", "logID": 0}


def _simple_request(element: Element) -> TransactionRequest | None:
    """The element as a plain postings request the sequencer can batch, if it is one."""
    if element.action != "CREATE_TRANSACTION" or not element.data:
        return None
    if element.data.get("force"):  # the general path checks the caller may force
        return None
    item = plain_transaction(element.data, element.ik)
    if item is not None:
        return item
    data = element.data
    if data.get("script") is not None or data.get("accountMetadata") or data.get("force"):
        return None
    try:
        body = S.PostTransaction.model_validate(data)
    except Exception:
        return None
    if not body.postings:
        return None
    return TransactionRequest(
        postings=_postings(body.postings),
        metadata=body.metadata,
        reference=body.reference,
        idempotency_key=element.ik,
        timestamp=body.timestamp,
    )


def _batch_results(results: list[Any]) -> list[dict[str, Any] | str]:
    out: list[dict[str, Any] | str] = []
    for result in results:
        if isinstance(result, CofferError):
            out.append(_error_result(result))
        else:
            out.append(_tx_result("CREATE_TRANSACTION", result))
    return out


_BULK_ACTIONS = frozenset(
    ("CREATE_TRANSACTION", "ADD_METADATA", "REVERT_TRANSACTION", "DELETE_METADATA")
)
_BULK_KEYS = frozenset(("action", "ik", "data"))


class BulkItem(NamedTuple):
    """A ``_bulk`` element checked by :func:`bulk_elements` (what ``S.BulkElement`` holds)."""

    action: str
    ik: str | None
    data: dict[str, Any] | None


Element = S.BulkElement | BulkItem


def bulk_elements(data: Any) -> list[Element] | None:
    """A parsed ``_bulk`` body as elements, checked by hand; None when it is not exactly
    the common shape (then FastAPI validates it, with its error messages)."""
    if type(data) is not list:
        return None
    out: list[Element] = []
    for item in data:
        if type(item) is not dict or not _BULK_KEYS.issuperset(item):
            return None
        action, ik, element_data = item.get("action"), item.get("ik"), item.get("data")
        if type(action) is not str or action not in _BULK_ACTIONS:
            return None
        if ik is not None and (type(ik) is not str or len(ik) > 255):
            return None
        if element_data is not None and type(element_data) is not dict:
            return None
        out.append(BulkItem(action, ik, element_data))
    return out


def run_bulk(
    request: Request,
    book: Ledger,
    elements: Sequence[Element],
    *,
    atomic: bool,
    continue_on_failure: bool,
    parallel: bool,
) -> tuple[int, bytes]:
    """Apply a ``_bulk``: (HTTP status, JSON response body). Blocking: call it from a thread.

    Runs of consecutive plain-postings elements go to the ledger as one ``post_many``
    call each (so a bulk of N transfers is one call, not N).
    """
    limit = state(request).settings.max_bulk_size
    if len(elements) > limit:
        error = {"errorCode": "BULK_SIZE_EXCEEDED", "errorMessage": f"at most {limit} elements"}
        return 400, _bulk_encoder.encode(error).encode("utf-8")
    simple = [_simple_request(element) for element in elements]
    if atomic:
        return _run_atomic(elements, simple, book)
    keep_going = continue_on_failure or parallel
    results: list[dict[str, Any] | str] = []
    index = 0
    failed = False
    for _ in range(len(elements) + 1):  # bounded: every turn consumes at least one element
        if index >= len(elements):
            break
        end = index
        while end < len(simple) and simple[end] is not None:
            end += 1
        if end > index:
            chunk = [s for s in simple[index:end] if s is not None]
            outcome = book.post_many(chunk) if keep_going else _until_failure(book, chunk)
            results.extend(_batch_results(outcome))
            index = end
            if any(isinstance(r, CofferError) for r in outcome):
                failed = True
                if not keep_going:
                    break
            continue
        try:
            results.append(_run_element(request, book.name, elements[index]))
        except CofferError as error:
            results.append(_error_result(error))
            failed = True
        except ValueError as error:  # pydantic validation of an element's data
            results.append(_error_result(ValidationError(str(error).splitlines()[0])))
            failed = True
        index += 1
        if failed and not keep_going:
            break
    return (400 if failed else 200), bulk_body(results)


def _script_element(index: int, element: Element) -> ScriptRequest:
    """A CREATE_TRANSACTION element with a script, as an item of an atomic batch."""
    if element.action != "CREATE_TRANSACTION":
        raise ValidationError(
            f"element {index}: atomic bulks take CREATE_TRANSACTION elements only"
        )
    body = S.PostTransaction.model_validate(element.data or {})
    script = body.script if body.script is not None and body.script.plain.strip() else None
    if script is None:
        raise NoPostings(
            f"element {index}: you must pass either a posting array or a numscript script"
        )
    if body.postings:
        raise ValidationError(
            f"element {index}: cannot pass postings and numscript in the same request"
        )
    return ScriptRequest(
        script.plain,
        vars=_vars(script.vars),
        metadata=body.metadata,
        reference=body.reference,
        idempotency_key=element.ik,
        timestamp=body.timestamp,
    )


def _until_failure(book: Ledger, chunk: list[TransactionRequest]) -> list[Any]:
    """Apply ``chunk`` in order and stop at the first failure (earlier ones stay)."""
    # all or nothing first (one call); on a failure, find where it stops
    try:
        outcome: list[Any] = book.post_many(chunk, atomic=True)
    except CofferError:
        outcome = [CofferError("retry")]
    if not any(isinstance(r, CofferError) for r in outcome):
        return outcome
    outcome = []
    for item in chunk:
        single = book.post_many([item])[0]
        outcome.append(single)
        if isinstance(single, CofferError):
            break
    return outcome


def _run_atomic(
    elements: Sequence[Element], simple: list[TransactionRequest | None], book: Ledger
) -> tuple[int, bytes]:
    """All elements or none: one ``post_many(atomic=True)`` call (postings and scripts)."""
    requests: list[TransactionRequest | ScriptRequest] = []
    for index, (element, item) in enumerate(zip(elements, simple, strict=True)):
        if item is not None:
            requests.append(item)
            continue
        try:
            requests.append(_script_element(index, element))
        except (CofferError, ValueError) as problem:
            error = (
                problem
                if isinstance(problem, CofferError)
                else ValidationError(f"element {index}: {str(problem).splitlines()[0]}")
            )
            results: list[dict[str, Any] | str] = [
                _error_result(error) if i == index else _error_result(_skipped(index))
                for i in range(len(elements))
            ]
            return 400, bulk_body(results)
    try:
        outcome: list[Any] = book.post_many(requests, atomic=True)
    except CofferError as error:
        outcome = [error] * len(elements)
    failed = any(isinstance(r, CofferError) for r in outcome)
    return (400 if failed else 200), bulk_body(_batch_results(outcome))


def _skipped(index: int) -> CofferError:
    return ValidationError(f"not applied: element {index} of this atomic bulk is invalid")


@router.post(
    "/v2/{ledger}/_bulk",
    response_model=S.BulkResponse,
    responses={
        400: {"model": S.BulkResponse, "description": "Some elements failed"},
    },
    operation_id="v2CreateBulk",
)
def bulk(
    request: Request,
    ledger: LedgerName,
    elements: list[S.BulkElement],
    atomic: bool = False,
    continue_on_failure: Annotated[bool, Query(alias="continueOnFailure")] = False,
    parallel: bool = False,
    _principal: Any = WriteScope,
) -> Any:
    status, body = run_bulk(
        request,
        ledger_of(request, ledger),
        elements,
        atomic=atomic,
        continue_on_failure=continue_on_failure,
        parallel=parallel,
    )
    return Response(body, status, media_type="application/json")
