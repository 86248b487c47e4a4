"""The embedded ledger API: :class:`Ledger` (writes go through the sequencer, reads to SQL).

Reads are in :mod:`coffer.ledger.reads`, the journal and proofs in
:mod:`coffer.ledger.audit`, argument checks in :mod:`coffer.ledger.validation`."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Literal, overload

import sqlalchemy as sa

from coffer.db.engine import raw_connect
from coffer.errors import CofferError, NoPostings, ValidationError
from coffer.ledger.audit import LedgerAudit
from coffer.ledger.models import (
    DryRun,
    Hold,
    Overdraft,
    Posting,
    ScriptRequest,
    Transaction,
    TransactionRequest,
    Unbounded,
    now_micros,
    to_micros,
)
from coffer.ledger.reads import LedgerReads
from coffer.ledger.requests import Op, Request, request_hash
from coffer.ledger.runtime import LedgerInfo, LedgerRuntime
from coffer.ledger.sequencer import Sequencer
from coffer.ledger.store import WriteStore
from coffer.ledger.validation import (
    MAX_ATOMIC_BATCH,
    InputLimits,
    Result,
    _id,
    _key,
    _limit,
    _metadata,
    _overdrafts,
    _timeout_micros,
    _Validator,
)
from coffer.money import check_account, check_amount, check_asset
from coffer.numscript.limits import script_limits

__all__ = ["Ledger", "LedgerInfo", "LedgerRuntime", "Result"]


class Ledger(LedgerReads, LedgerAudit):
    """One ledger. Thread-safe; share one instance per ledger in a process."""

    def __init__(self, runtime: LedgerRuntime, url: sa.engine.URL) -> None:
        self._runtime = runtime
        self.name = runtime.name
        settings = runtime.settings

        def connect() -> WriteStore:
            connection = raw_connect(url, sqlite_synchronous=settings.sqlite_synchronous)
            return WriteStore(runtime.backend, connection, runtime.ledger_id)

        self._sequencer = Sequencer(runtime, connect)
        self._limits = InputLimits.of(settings)
        self._script_limits = script_limits(settings)
        self._validate = _Validator(self._limits)

    def __repr__(self) -> str:
        return f"<Ledger {self.name!r}>"

    @property
    def ledger_id(self) -> int:
        """The ledger's numeric id in the database."""
        return self._runtime.ledger_id

    @property
    def queue_depth(self) -> int:
        """Requests waiting for the sequencer right now."""
        return self._sequencer.queue_depth

    def add_batch_listener(self, listener: Callable[[int, float], None]) -> None:
        """Call ``listener(requests, seconds)`` after every batch the sequencer writes."""
        self._sequencer.batch_listeners.append(listener)

    # -- writes ------------------------------------------------------------------------

    def _submit(self, request: Request) -> Any:
        self._sequencer.submit([request])
        if request.error is not None:
            raise request.error
        return request.result

    def _request(
        self,
        postings: Iterable[Posting],
        *,
        metadata: Mapping[str, str] | None,
        reference: str | None,
        idempotency_key: str | None,
        timestamp: datetime | None,
        pending: bool,
        timeout_seconds: float | None,
        overdrafts: Mapping[str, Overdraft] | None,
    ) -> Request:
        checked = self._validate.postings(postings)
        if not checked:
            raise NoPostings("a transaction needs at least one posting")
        meta = _metadata(metadata, self._limits)
        if reference is not None and (not isinstance(reference, str) or not reference):
            raise ValidationError("reference must be a non-empty string")
        if timeout_seconds is not None and not pending:
            raise ValidationError("timeout_seconds only applies to pending transactions")
        micros = None if timestamp is None else to_micros(self._limits.timestamp(timestamp))
        grants = _overdrafts(overdrafts)
        request = Request(
            op=Op.HOLD if pending else Op.POST,
            postings=checked,
            metadata=meta,
            reference=reference,
            timestamp=micros,
            timeout_micros=_timeout_micros(timeout_seconds),
            overdrafts=grants,
            pending=pending,
        )
        if idempotency_key is not None:
            request.idempotency_key = _key(idempotency_key)
            request.request_hash = request_hash(
                "post",
                checked,
                sorted((meta or {}).items()),
                reference,
                micros,
                pending,
                request.timeout_micros,
                sorted((grants or {}).items()),
            )
        return request

    @overload
    def post(
        self,
        postings: Iterable[Posting],
        *,
        metadata: Mapping[str, str] | None = ...,
        reference: str | None = ...,
        idempotency_key: str | None = ...,
        timestamp: datetime | None = ...,
        pending: Literal[False] = ...,
        timeout_seconds: None = ...,
        overdrafts: Mapping[str, Overdraft] | None = ...,
    ) -> Transaction: ...

    @overload
    def post(
        self,
        postings: Iterable[Posting],
        *,
        metadata: Mapping[str, str] | None = ...,
        reference: str | None = ...,
        idempotency_key: str | None = ...,
        timestamp: datetime | None = ...,
        pending: Literal[True],
        timeout_seconds: float | None = ...,
        overdrafts: Mapping[str, Overdraft] | None = ...,
    ) -> Hold: ...

    def post(
        self,
        postings: Iterable[Posting],
        *,
        metadata: Mapping[str, str] | None = None,
        reference: str | None = None,
        idempotency_key: str | None = None,
        timestamp: datetime | None = None,
        pending: bool = False,
        timeout_seconds: float | None = None,
        overdrafts: Mapping[str, Overdraft] | None = None,
    ) -> Transaction | Hold:
        """Commit a transaction (or, with ``pending=True``, place a hold) atomically."""
        request = self._request(
            postings,
            metadata=metadata,
            reference=reference,
            idempotency_key=idempotency_key,
            timestamp=timestamp,
            pending=pending,
            timeout_seconds=timeout_seconds,
            overdrafts=overdrafts,
        )
        result: Transaction | Hold = self._submit(request)
        return result

    def post_many(
        self,
        batch: Sequence[Sequence[Posting] | TransactionRequest | ScriptRequest],
        *,
        atomic: bool = False,
    ) -> list[Result]:
        """Apply transactions in order; each succeeds or fails alone unless ``atomic``.

        Items are lists of postings, :class:`TransactionRequest` (every option of ``post``)
        or :class:`ScriptRequest` (a Numscript program, every option of ``run``).

        Returns one result per transaction: the Transaction (or Hold), or the error.
        """
        # A batch's requests, rows and results are thousands of short-lived objects. With
        # the collector on, it runs several times during the call and walks them all while
        # they are alive (and, every few calls, every object of the process); after the
        # call they are freed by reference counting and a later collection has nothing of
        # theirs to walk (20 batches of 1,000: 8 ms of collections, against 120-150 ms
        # with the collector on).
        collecting = gc.isenabled()
        gc.disable()
        try:
            return self._post_many(batch, atomic=atomic)
        finally:
            if collecting:
                gc.enable()

    def _post_many(
        self,
        batch: Sequence[Sequence[Posting] | TransactionRequest | ScriptRequest],
        *,
        atomic: bool = False,
    ) -> list[Result]:
        requests: list[Request] = []
        failures: dict[int, CofferError] = {}
        for index, item in enumerate(batch):
            try:
                # postings (a list, the common case, tested first) or a richer request
                if type(item) is list or not isinstance(item, ScriptRequest | TransactionRequest):
                    checked = self._validate.postings(item)
                    if not checked:
                        raise NoPostings("a transaction needs at least one posting")
                    request = Request(op=Op.POST, postings=checked)
                elif isinstance(item, ScriptRequest):
                    request = self._script_request(item)
                else:
                    request = self._request(
                        item.postings,
                        metadata=item.metadata,
                        reference=item.reference,
                        idempotency_key=item.idempotency_key,
                        timestamp=item.timestamp,
                        pending=item.pending,
                        timeout_seconds=item.timeout_seconds,
                        overdrafts=item.overdrafts,
                    )
            except CofferError as error:
                if atomic:
                    raise ValidationError(
                        f"transaction {index} of the atomic batch is invalid: {error.message}"
                    ) from error
                failures[index] = error
                continue
            requests.append(request)
        if atomic:
            if len(requests) > MAX_ATOMIC_BATCH:
                raise ValidationError(
                    f"an atomic batch holds at most {MAX_ATOMIC_BATCH} transactions"
                )
            if not requests:
                return []
            group = Request(op=Op.GROUP, children=requests)
            self._sequencer.submit([group])
            return [child.error if child.error is not None else child.result for child in requests]
        if requests:
            self._sequencer.submit(requests)
        results: list[Result] = []
        iterator = iter(requests)
        for index in range(len(batch)):
            if index in failures:
                results.append(failures[index])
            else:
                request = next(iterator)
                results.append(request.error if request.error is not None else request.result)
        return results

    def post_pending(
        self,
        hold_id: int,
        amount: int | None = None,
        *,
        amounts: Sequence[int] | None = None,
        metadata: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> Transaction:
        """Post a hold in full (no amount) or in part; the rest of the hold is released."""
        if amount is not None and amounts is not None:
            raise ValidationError("give amount or amounts, not both")
        per_posting: list[int] | None = None
        if amount is not None:
            per_posting = [check_amount(amount)]
        elif amounts is not None:
            per_posting = [check_amount(a) for a in amounts]
        request = Request(
            op=Op.POST_HOLD,
            target_id=_id(hold_id),
            amounts=per_posting,
            metadata=_metadata(metadata, self._limits),
        )
        self._keyed(request, idempotency_key, "post_pending", hold_id, per_posting, metadata)
        result: Transaction = self._submit(request)
        return result

    def void_pending(self, hold_id: int, *, idempotency_key: str | None = None) -> Hold:
        """Release a hold without moving anything."""
        request = Request(op=Op.VOID_HOLD, target_id=_id(hold_id))
        self._keyed(request, idempotency_key, "void", hold_id)
        result: Hold = self._submit(request)
        return result

    def revert(
        self,
        tx_id: int,
        *,
        force: bool = False,
        at_effective_date: bool = False,
        metadata: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> Transaction:
        """Post the opposite of a transaction. Without ``force`` the floors still apply."""
        request = Request(
            op=Op.REVERT,
            target_id=_id(tx_id),
            force=force,
            at_effective_date=at_effective_date,
            metadata=_metadata(metadata, self._limits),
        )
        self._keyed(request, idempotency_key, "revert", tx_id, force, at_effective_date, metadata)
        result: Transaction = self._submit(request)
        return result

    def run(
        self,
        script: str,
        vars: Mapping[str, str] | None = None,
        *,
        metadata: Mapping[str, str] | None = None,
        reference: str | None = None,
        idempotency_key: str | None = None,
        timestamp: datetime | None = None,
        pending: bool = False,
        timeout_seconds: float | None = None,
        dry_run: bool = False,
        feature_flags: Iterable[str] = (),
    ) -> Transaction | Hold | DryRun:
        """Run a Numscript program atomically inside the sequencer."""
        request = self._script_request(
            ScriptRequest(
                script,
                vars,
                metadata,
                reference,
                idempotency_key,
                timestamp,
                pending,
                timeout_seconds,
                tuple(feature_flags),
            ),
            dry_run=dry_run,
        )
        result: Transaction | Hold | DryRun = self._submit(request)
        return result

    def _script_request(self, item: ScriptRequest, *, dry_run: bool = False) -> Request:
        from coffer import numscript

        program = numscript.parse(item.script, self._script_limits)
        variables = {str(k): str(v) for k, v in (item.vars or {}).items()}
        meta = _metadata(item.metadata, self._limits)
        request = Request(
            op=Op.RUN,
            script=program,
            variables=variables,
            metadata=meta,
            reference=item.reference,
            timestamp=None
            if item.timestamp is None
            else to_micros(self._limits.timestamp(item.timestamp)),
            pending=item.pending,
            timeout_micros=_timeout_micros(item.timeout_seconds),
            dry_run=dry_run,
            feature_flags=frozenset(item.feature_flags),
        )
        self._keyed(
            request,
            item.idempotency_key,
            "run",
            item.script,
            sorted(variables.items()),
            sorted((meta or {}).items()),
            item.reference,
            request.timestamp,
            item.pending,
            request.timeout_micros,
            sorted(request.feature_flags),
        )
        return request

    def set_overdraft(self, account: str, asset: str, limit: Overdraft) -> None:
        """Let ``account`` go down to ``-limit`` in ``asset`` (``UNBOUNDED``: no floor)."""
        request = Request(
            op=Op.OVERDRAFT,
            address=self._validate.account(account),
            asset=check_asset(asset),
            limit=None if isinstance(limit, Unbounded) else _limit(limit),
        )
        self._submit(request)

    def set_transaction_metadata(
        self, tx_id: int, metadata: Mapping[str, str], *, idempotency_key: str | None = None
    ) -> dict[str, str]:
        request = Request(
            op=Op.TX_METADATA, target_id=_id(tx_id), metadata=_metadata(metadata, self._limits)
        )
        self._keyed(request, idempotency_key, "tx_meta", tx_id, sorted(metadata.items()))
        result: dict[str, str] | None = self._submit(request)
        return result if result is not None else self.transaction(tx_id).metadata

    def delete_transaction_metadata(self, tx_id: int, key: str) -> dict[str, str]:
        result: dict[str, str] = self._submit(
            Request(op=Op.TX_METADATA_DELETE, target_id=_id(tx_id), key=key)
        )
        return result

    def set_account_metadata(
        self, address: str, metadata: Mapping[str, str], *, idempotency_key: str | None = None
    ) -> dict[str, str]:
        request = Request(
            op=Op.ACCOUNT_METADATA,
            address=self._validate.account(address),
            metadata=_metadata(metadata, self._limits),
        )
        self._keyed(request, idempotency_key, "account_meta", address, sorted(metadata.items()))
        result: dict[str, str] | None = self._submit(request)
        return result if result is not None else self.account(address).metadata

    def delete_account_metadata(self, address: str, key: str) -> dict[str, str]:
        result: dict[str, str] = self._submit(
            Request(op=Op.ACCOUNT_METADATA_DELETE, address=check_account(address), key=key)
        )
        return result

    def expire_holds(self) -> None:
        """Expire every hold whose timeout has passed (reads and writes also do this)."""
        due = self._runtime.next_expiry
        if due is not None and due <= now_micros():
            self._submit(Request(op=Op.NOOP))

    def _keyed(self, request: Request, key: str | None, *payload: object) -> None:
        if key is not None:
            request.idempotency_key = _key(key)
            request.request_hash = request_hash(*payload)

    def flush_witness(self, timeout_seconds: float = 30.0) -> bool:
        """Wait until this ledger's checkpoints are published to the witness."""
        return self._runtime.flush_witness(timeout_seconds)

    def close(self) -> None:
        self._sequencer.close()
        self._runtime.close_witness()
