"""Applying the requests that are not plain transfers: holds (create, post, void,
expire), reverts, Numscript programs, metadata, overdraft limits, groups of requests,
and the signed checkpoints that follow a batch."""

from __future__ import annotations

import heapq
from typing import TYPE_CHECKING, Any

from coffer.errors import (
    Aborted,
    AlreadyReverted,
    CofferError,
    HoldNotFound,
    HoldStateError,
    MetadataOverride,
    NoPostings,
    TransactionNotFound,
    ValidationError,
)
from coffer.ledger import journal as J
from coffer.ledger.models import DryRun, Hold, Posting, Transaction, from_micros, to_micros
from coffer.ledger.requests import Op, Request
from coffer.ledger.sequencer.shared import FINISHED_HOLDS_KEPT, PendingHold, load_json
from coffer.ledger.signing import Signer, checkpoint_message
from coffer.money import check_asset

if TYPE_CHECKING:
    from coffer.ledger.sequencer.core import Sequencer


class _ScriptStore:
    """The read-only view a Numscript program gets: balances as they are in the batch."""

    def __init__(self, engine: Sequencer) -> None:
        self._engine = engine

    def balance(self, account: str, asset: str) -> int:
        b = self._engine.balance_of(account, asset)
        return b[0] - b[1] - b[3]

    def account_metadata(self, account: str, key: str) -> str | None:
        return self._engine.account_metadata_of(account).get(key)


def _hold(self: Sequencer, request: Request, postings: list[Posting], *, check: bool) -> Hold:
    self._check_reference(request.reference)
    self._move(postings, request.overdrafts, check=check, pending=True, timestamp=self.now)
    hold_id = self.next_hold
    self.next_hold = hold_id + 1
    expires_at = self.now + request.timeout_micros if request.timeout_micros is not None else None
    meta_text = J.metadata_text(request.metadata)
    postings_text = J.encode_postings(postings)
    body = J.hold_body(hold_id, postings_text, expires_at, request.reference, meta_text)
    seq = self._entry(J.HOLD, hold_id, body, "", request)
    self.writes.holds.append(
        (
            hold_id,
            seq,
            postings_text,
            self.now,
            expires_at,
            request.reference,
            meta_text,
            "pending",
        )
    )
    hold = PendingHold(hold_id, postings, expires_at)
    self._set(self.pending_holds, hold_id, hold)
    if expires_at is not None:
        # Heap entries of rolled-back holds are skipped when popped (not pending).
        heapq.heappush(self.expiries, (expires_at, hold_id))
        self.runtime.note_expiry(expires_at)
    return Hold(
        id=hold_id,
        postings=postings,
        status="pending",
        created_at=from_micros(self.now),
        expires_at=None if expires_at is None else from_micros(expires_at),
        reference=request.reference,
        metadata=dict(request.metadata or {}),
        seq=seq,
    )


def _set_hold_status(self: Sequencer, hold_id: int, status: str) -> None:
    self.undo.append((self.pending_holds, hold_id, self.pending_holds.pop(hold_id)))
    self._set(self.writes.hold_status, hold_id, status)
    if len(self.finished_holds) > FINISHED_HOLDS_KEPT:
        self.finished_holds.clear()
    self._set(self.finished_holds, hold_id, status)


def _finish_pending_hold(self: Sequencer, hold_id: int | None) -> PendingHold:
    if hold_id is None:
        raise ValidationError("a hold id is required")
    hold = self.pending_holds.get(hold_id)
    if hold is None:
        rows = self.store.query(
            "SELECT status FROM holds WHERE ledger_id = ? AND id = ?",
            (self.runtime.ledger_id, hold_id),
        )
        status = self.finished_holds.get(hold_id) or (rows[0][0] if rows else None)
        if status is None:
            raise HoldNotFound(f"hold {hold_id} does not exist in this ledger")
        raise HoldStateError(
            f"hold {hold_id} is already {status}; only a pending hold can be posted or voided",
            hold_id=hold_id,
            status=status,
        )
    return hold


def _void_hold(self: Sequencer, hold_id: int | None, kind: int, request: Request | None) -> Hold:
    hold = self._finish_pending_hold(hold_id)
    self._release(hold.postings)
    seq = self._entry(kind, hold.id, "", "", request)
    status = "voided" if kind == J.HOLD_VOID else "expired"
    self._set_hold_status(hold.id, status)
    return Hold(
        id=hold.id,
        postings=hold.postings,
        status=status,
        created_at=from_micros(self.now),
        expires_at=None if hold.expires_at is None else from_micros(hold.expires_at),
        seq=seq,
    )


def _post_hold(self: Sequencer, request: Request) -> Transaction:
    hold = self._finish_pending_hold(request.target_id)
    held = hold.postings
    amounts = request.amounts
    if amounts is None:
        amounts = [p.amount for p in held]
    if len(amounts) != len(held):
        raise ValidationError(
            f"hold {hold.id} has {len(held)} postings: give one amount per posting"
        )
    for amount, posting in zip(amounts, held, strict=True):
        if amount < 0 or amount > posting.amount:
            raise HoldStateError(
                f"cannot post {amount} {posting.asset} from hold {hold.id}: it holds "
                f"{posting.amount}",
                hold_id=hold.id,
            )
    if sum(amounts) == 0:
        raise ValidationError("posting a hold needs a positive amount; void it instead")
    self._release(held)
    postings = [
        Posting(p.source, p.destination, amount, p.asset)
        for p, amount in zip(held, amounts, strict=True)
        if amount
    ]
    self._move(postings, None, check=False, pending=False, timestamp=self.now)
    self._set_hold_status(hold.id, "posted")
    return self._new_transaction(request, postings, dict(request.metadata or {}), hold_id=hold.id)


def _expire_due(self: Sequencer) -> None:
    expiries = self.expiries
    now = self.now
    while expiries and expiries[0][0] <= now:
        _, hold_id = heapq.heappop(expiries)
        if hold_id in self.pending_holds:
            self._void_hold(hold_id, J.HOLD_EXPIRE, None)
    self.undo.clear()  # expiries are never rolled back
    self.runtime.next_expiry = expiries[0][0] if expiries else None


def _revert(self: Sequencer, request: Request) -> Transaction:
    tx_id = request.target_id
    if tx_id is None:
        raise ValidationError("a transaction id is required")
    original = self._transaction(tx_id)
    if tx_id in self.batch_reverted or original.reverted_by is not None:
        raise AlreadyReverted(f"transaction {tx_id} was already reverted")
    self._set(self.batch_reverted, tx_id, None)
    postings = [
        Posting(p.destination, p.source, p.amount, p.asset) for p in reversed(original.postings)
    ]
    timestamp = to_micros(original.timestamp) if request.at_effective_date else None
    self._move(postings, None, check=not request.force, pending=False, timestamp=self.now)
    return self._new_transaction(
        request,
        postings,
        dict(request.metadata or {}),
        reverts_id=tx_id,
        timestamp=timestamp,
    )


def _run(self: Sequencer, request: Request) -> Any:
    from coffer import numscript

    store = _ScriptStore(self)
    outcome = numscript.execute(
        request.script,
        vars=request.variables or {},
        store=store,
        feature_flags=request.feature_flags,
    )
    postings = [Posting(p.source, p.destination, p.amount, p.asset) for p in outcome.postings]
    limits = self.input_limits
    for posting in postings:  # what a script writes obeys the limits a caller's postings do
        limits.account(posting.source)
        limits.account(posting.destination)
        check_asset(posting.asset)
    limits.metadata(outcome.tx_metadata)
    for account, values in outcome.account_metadata.items():
        limits.account(account)
        limits.metadata(values, f"metadata of @{account}")
    if not postings:
        raise NoPostings("the script produced no postings: nothing to commit")
    metadata = dict(request.metadata or {})
    for meta_key, value in outcome.tx_metadata.items():
        if meta_key in metadata and metadata[meta_key] != value:
            raise MetadataOverride(
                f"metadata {meta_key!r} is set by both the script and the request"
            )
        metadata[meta_key] = value
    result: Any
    if request.pending:
        result = self._hold_from_script(request, postings, metadata)
    else:
        self._check_reference(request.reference)
        timestamp = request.timestamp if request.timestamp is not None else self.now
        self._move(postings, None, check=False, pending=False, timestamp=timestamp)
        result = self._new_transaction(request, postings, metadata, timestamp=request.timestamp)
    for account, values in outcome.account_metadata.items():
        self._write_account_metadata(account, dict(values), None, None)
    if request.dry_run:
        touched: dict[str, dict[str, int]] = {}
        for p in postings:
            for account in (p.source, p.destination):
                b = self.balances[(account, p.asset)]
                touched.setdefault(account, {})[p.asset] = b[0] - b[1]
        return DryRun(
            postings=postings,
            metadata=metadata,
            account_metadata={k: dict(v) for k, v in outcome.account_metadata.items()},
            balances=touched,
        )
    return result


def _hold_from_script(
    self: Sequencer, request: Request, postings: list[Posting], metadata: dict[str, str]
) -> Hold:
    scripted = Request(
        op=Op.HOLD,
        postings=tuple(postings),
        metadata=metadata,
        reference=request.reference,
        timeout_micros=request.timeout_micros,
    )
    # The interpreter already enforced the floors (with the script's overdrafts).
    return self._hold(scripted, postings, check=False)


def _tx_metadata(self: Sequencer, request: Request) -> Any:
    tx_id = request.target_id
    if tx_id is None or tx_id < 0 or tx_id >= self.next_tx:
        raise TransactionNotFound(f"transaction {tx_id} does not exist in this ledger")
    current = self.writes.tx_metadata.get(tx_id)
    if current is not None:
        metadata = load_json(current)
    elif tx_id in self.batch_results or tx_id in self.inflight_results:
        metadata = dict(self._transaction(tx_id).metadata)
    else:
        rows = self.store.query(
            "SELECT metadata FROM transactions WHERE ledger_id = ? AND id = ?",
            (self.runtime.ledger_id, tx_id),
        )
        if not rows:
            raise TransactionNotFound(f"transaction {tx_id} does not exist in this ledger")
        metadata = load_json(rows[0][0])
    if request.op is Op.TX_METADATA:
        changes = dict(request.metadata or {})
        metadata.update(changes)
        payload = J.canonical_json({"metadata": changes})
        kind = J.TX_METADATA
    else:
        metadata.pop(request.key or "", None)
        payload = J.canonical_json({"key": request.key})
        kind = J.TX_METADATA_DELETE
    self._entry(kind, tx_id, payload, payload, request)
    text = J.metadata_text(metadata)
    self._set(self.writes.tx_metadata, tx_id, text)
    if tx_id in self.batch_results:
        self.batch_results[tx_id].metadata = metadata
        self._patch_new_transaction_row(tx_id, text)
    return metadata


def _transaction(self: Sequencer, tx_id: int) -> Transaction:
    """A transaction of this batch, of one not yet written, or from the database."""
    found = self.batch_results.get(tx_id)
    if found is not None:
        return found
    pending = self.inflight_results.get(tx_id)
    if pending is not None and pending[1] == self._state_epoch:
        return pending[0]
    return self.runtime.read_transaction(tx_id, connection=self.store)


def _patch_new_transaction_row(self: Sequencer, tx_id: int, text: str) -> None:
    """A transaction created in this batch is inserted with its final metadata."""
    rows = self.writes.transactions
    for index in range(len(rows) - 1, -1, -1):
        if rows[index][0] == tx_id:
            row = rows[index]
            rows[index] = (*row[:5], text, *row[6:])
            self.writes.tx_metadata.pop(tx_id, None)
            return


def _account_metadata(self: Sequencer, request: Request) -> Any:
    address = request.address
    assert address is not None
    if request.op is Op.ACCOUNT_METADATA:
        return self._write_account_metadata(address, dict(request.metadata or {}), None, request)
    return self._write_account_metadata(address, None, request.key, request)


def _write_account_metadata(
    self: Sequencer,
    address: str,
    changes: dict[str, str] | None,
    delete_key: str | None,
    request: Request | None,
) -> dict[str, str]:
    metadata = dict(self.account_metadata_of(address))
    if changes is not None:
        metadata.update(changes)
        payload = J.canonical_json({"account": address, "metadata": changes})
        kind = J.ACCOUNT_METADATA
    else:
        metadata.pop(delete_key or "", None)
        payload = J.canonical_json({"account": address, "key": delete_key})
        kind = J.ACCOUNT_METADATA_DELETE
    self._entry(kind, None, payload, payload, request)
    self._set(self.account_metadata, address, metadata)
    self._set(self.writes.account_metadata, address, J.metadata_text(metadata))
    self._set(self.known_accounts, address, None)
    return metadata


def _overdraft(self: Sequencer, request: Request) -> Any:
    address, asset = request.address, request.asset
    assert address is not None and asset is not None
    b = self.balance_of(address, asset)
    self.writes.eager = True
    self._set(self.balances, (address, asset), (b[0], b[1], b[2], b[3], request.limit))
    self._set(self.writes.balances, (address, asset), None)
    self._touch_account(address, self.now)
    payload = J.canonical_json(
        {
            "account": address,
            "asset": asset,
            "overdraft": None if request.limit is None else str(request.limit),
        }
    )
    self._entry(J.OVERDRAFT, None, payload, payload, request)
    return request.limit


def _group(self: Sequencer, request: Request) -> list[Any]:
    """All-or-nothing: the first failing child fails every child."""
    results: list[Any] = []
    for index, child in enumerate(request.children):
        try:
            child.result = self._apply(child)
            child.error = None
        except CofferError as error:
            for other in request.children:
                other.result = None
                other.error = Aborted(
                    f"not applied: transaction {index} of this atomic batch failed "
                    f"({error.code}: {error.message})"
                )
            child.error = error
            raise
        results.append(child.result)
    return results


def _checkpoint_if_due(self: Sequencer, *, force: bool) -> None:
    """Sign a checkpoint when asked, every ``checkpoint_interval`` entries, or when the
    last one is ``checkpoint_seconds`` old (so a small or quiet ledger has them too)."""
    size = self.frontier.size
    if size == self.last_checkpoint:
        return
    runtime = self.runtime
    settings = runtime.settings
    now = runtime.clock()
    if (
        not force
        and size - self.last_checkpoint < settings.checkpoint_interval
        and now - self.last_checkpoint_at < settings.checkpoint_seconds
    ):
        return
    root = self.frontier.root()
    signer: Signer = self.runtime.signer
    signature = signer.sign(checkpoint_message(self.ledger_name, size, root))
    # stamped by the same clock that tells when the next one is due (after a restart too)
    self.writes.checkpoints.append(
        (size, root, self.frontier.to_bytes(), int(now * 1_000_000), signer.public_key, signature)
    )
    self.last_checkpoint = size
    self.last_checkpoint_at = now
