"""Applying requests to the in-memory state: transfers, their postings, balances and
bounds, journal entries, idempotency keys and references, with an undo log so that a
request that fails leaves no trace in its batch (see :func:`_rollback`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from coffer.errors import CofferError, DuplicateReference, IdempotencyConflict, InsufficientFunds
from coffer.ledger import journal as J
from coffer.ledger.models import Posting, Transaction, from_micros
from coffer.ledger.requests import Op, Request
from coffer.ledger.sequencer.shared import MISSING, BalanceTuple, Savepoint

if TYPE_CHECKING:
    from coffer.ledger.sequencer.core import Sequencer


def _set(self: Sequencer, container: dict[Any, Any], key: Any, value: Any) -> None:
    self.undo.append((container, key, container.get(key, MISSING)))
    container[key] = value


def _rollback(self: Sequencer, savepoint: Savepoint) -> None:
    undo = self.undo
    while len(undo) > savepoint.undo:
        container, key, old = undo.pop()
        if old is MISSING:
            container.pop(key, None)
        else:
            container[key] = old
    writes = self.writes
    t, p, j, h = savepoint.lengths
    del writes.transactions[t:]
    del writes.postings[p:]
    del writes.journal[j:]
    del writes.holds[h:]
    self.seq = savepoint.seq
    self.head = savepoint.head
    self.next_tx = savepoint.next_tx
    self.next_hold = savepoint.next_hold


def _apply_one(self: Sequencer, request: Request) -> None:
    if (
        request.op is Op.POST
        and request.idempotency_key is None
        and request.reference is None
        and request.overdrafts is None
        and not request.dry_run
    ):
        # The common case needs no savepoint: every check comes before any change.
        try:
            request.result = self._post_plain(request)
        except CofferError as error:
            request.error = error
            request.result = None
        except Exception as exc:
            if not self.valid:
                raise  # failed half applied: the whole batch fails
            request.error = CofferError(f"internal error while applying the request: {exc!r}")
            request.result = None
        return
    savepoint = Savepoint(self)
    try:
        request.result = self._apply(request)
    except CofferError as error:
        self._rollback(savepoint)
        request.error = error
        request.result = None
        return
    except Exception as exc:  # a bug in one request must not sink the batch
        self._rollback(savepoint)
        request.error = CofferError(f"internal error while applying the request: {exc!r}")
        request.result = None
        return
    if request.dry_run:
        self._rollback(savepoint)
    else:
        del self.undo[savepoint.undo :]  # applied for good: nothing left to undo


def _apply(self: Sequencer, request: Request) -> Any:
    op = request.op
    key = request.idempotency_key
    if key is not None:
        seen, first = self._check_idempotency(request, key)
        if seen:
            return first
    if op is Op.POST:
        result: Any = self._post(request, list(request.postings), check=True)
    elif op is Op.HOLD:
        result = self._hold(request, list(request.postings), check=True)
    elif op is Op.POST_HOLD:
        result = self._post_hold(request)
    elif op is Op.VOID_HOLD:
        result = self._void_hold(request.target_id, J.HOLD_VOID, request)
    elif op is Op.REVERT:
        result = self._revert(request)
    elif op is Op.RUN:
        result = self._run(request)
    elif op in (Op.TX_METADATA, Op.TX_METADATA_DELETE):
        result = self._tx_metadata(request)
    elif op in (Op.ACCOUNT_METADATA, Op.ACCOUNT_METADATA_DELETE):
        result = self._account_metadata(request)
    elif op is Op.OVERDRAFT:
        result = self._overdraft(request)
    elif op is Op.GROUP:
        result = self._group(request)
    else:
        result = None
    if key is not None and request.request_hash is not None and not request.dry_run:
        self._set(self.batch_keys, key, (request.request_hash, request))
    return result


def _check_idempotency(self: Sequencer, request: Request, key: str) -> tuple[bool, Any]:
    """(True, first result) when ``key`` was used for this same request before."""
    digest = request.request_hash
    in_batch = self.batch_keys.get(key)
    if in_batch is not None:
        if in_batch[0] != digest:
            raise IdempotencyConflict(
                f"idempotency key {key!r} was already used for a different request"
            )
        return True, in_batch[1].result
    seen: tuple[bytes, int, int | None] | None = None
    pending = self.inflight_keys.get(key)
    if pending is not None and pending[3] == self._state_epoch:
        seen = pending[:3]
    if seen is None:
        seen = self.idempotency.get(key)
    if seen is None:
        return False, None
    if seen[0] != digest:
        raise IdempotencyConflict(
            f"idempotency key {key!r} was already used for a different request"
        )
    kind, ref_id = seen[1], seen[2]
    if ref_id is not None and kind == J.TX:
        return True, self._transaction(ref_id)
    if ref_id is not None and kind in (J.HOLD, J.HOLD_VOID, J.HOLD_EXPIRE):
        return True, self.runtime.read_hold(ref_id, connection=self.store)
    return True, None  # a metadata or overdraft change: done already


def _entry(
    self: Sequencer,
    kind: int,
    ref_id: int | None,
    body: str,
    payload: str,
    request: Request | None,
) -> int:
    seq = self.seq
    digest = J.entry_hash(self.head, seq, kind, ref_id, self.now, body)
    key = request.idempotency_key if request is not None else None
    self.writes.journal.append(
        (
            seq,
            kind,
            ref_id,
            payload,
            self.now,
            digest,
            key,
            request.request_hash if key is not None and request is not None else None,
        )
    )
    self.head = digest
    self.seq = seq + 1
    return seq


def _check_reference(self: Sequencer, reference: str | None) -> None:
    if reference is None:
        return
    if reference in self.batch_refs:
        raise DuplicateReference(f"reference {reference!r} is already used in this ledger")
    if self.careful:
        rows = self.store.query(
            "SELECT 1 FROM transactions WHERE ledger_id = ? AND reference = ?"
            " UNION ALL SELECT 1 FROM holds WHERE ledger_id = ? AND reference = ?",
            (self.runtime.ledger_id, reference, self.runtime.ledger_id, reference),
        )
        if rows:
            raise DuplicateReference(f"reference {reference!r} is already used in this ledger")
    self._set(self.batch_refs, reference, None)


def _touch_account(self: Sequencer, account: str, timestamp: int) -> None:
    if account not in self.known_accounts:
        self._set(self.known_accounts, account, None)
        self._set(self.writes.new_accounts, account, timestamp)


def _move(
    self: Sequencer,
    postings: list[Posting],
    overdrafts: dict[str, int | None] | None,
    *,
    check: bool,
    pending: bool,
    timestamp: int,
) -> None:
    """Apply postings to balances (posted or pending), checking floors if asked."""
    balances = self.balances
    dirty = self.writes.balances
    undo = self.undo
    balance_of = self.balance_of
    for source, destination, amount, asset in postings:
        ks = (source, asset)
        b = balances.get(ks) or balance_of(source, asset)
        if check and source != destination:
            limit = b[4]
            if overdrafts is not None and source in overdrafts:
                grant = overdrafts[source]
                limit = None if grant is None or limit is None else max(limit, grant)
            if limit is not None:
                available = b[0] - b[1] - b[3]
                if available - amount < -limit:
                    raise InsufficientFunds(source, asset, max(available + limit, 0), amount)
        undo.append((balances, ks, balances.get(ks, MISSING)))
        if pending:
            self.writes.eager = True
            balances[ks] = (b[0], b[1], b[2], b[3] + amount, b[4])
        else:
            balances[ks] = (b[0], b[1] + amount, b[2], b[3], b[4])
        if ks not in dirty:
            undo.append((dirty, ks, MISSING))
            dirty[ks] = None
        kd = (destination, asset)
        b = balances.get(kd) or balance_of(destination, asset)
        undo.append((balances, kd, balances.get(kd, MISSING)))
        if pending:
            balances[kd] = (b[0], b[1], b[2] + amount, b[3], b[4])
        else:
            balances[kd] = (b[0] + amount, b[1], b[2], b[3], b[4])
        if kd not in dirty:
            undo.append((dirty, kd, MISSING))
            dirty[kd] = None
        if source not in self.known_accounts:
            self._touch_account(source, timestamp)
        if destination not in self.known_accounts:
            self._touch_account(destination, timestamp)


def _release(self: Sequencer, postings: list[Posting]) -> None:
    """Release the reservation of a hold's postings."""
    balances = self.balances
    self.writes.eager = True
    for source, destination, amount, asset in postings:
        ks = (source, asset)
        b = self.balance_of(source, asset)
        self._set(balances, ks, (b[0], b[1], b[2], b[3] - amount, b[4]))
        self._set(self.writes.balances, ks, None)
        kd = (destination, asset)
        b = self.balance_of(destination, asset)
        self._set(balances, kd, (b[0], b[1], b[2] - amount, b[3], b[4]))
        self._set(self.writes.balances, kd, None)


def _volumes(self: Sequencer, postings: list[Posting]) -> tuple[tuple[str, str, int, int], ...]:
    balances = self.balances
    out = []
    for source, destination, _, asset in postings:
        b = balances[(source, asset)]
        out.append((source, asset, b[0], b[1]))
        b = balances[(destination, asset)]
        out.append((destination, asset, b[0], b[1]))
    return tuple(out)


def _new_transaction(
    self: Sequencer,
    request: Request,
    postings: list[Posting],
    metadata: dict[str, str],
    *,
    reverts_id: int | None = None,
    hold_id: int | None = None,
    timestamp: int | None = None,
    volumes: tuple[tuple[str, str, int, int], ...] | None = None,
) -> Transaction:
    """Record a transaction whose postings are applied; ``volumes``: as they left them.

    ``_post_plain`` does the same inline for one posting (its rows must stay alike:
    tests/ledger/test_journal.py checks every column of a mixed batch).
    """
    tx_id = self.next_tx
    self.next_tx = tx_id + 1
    now = self.now
    effective = timestamp if timestamp is not None else now
    reference = request.reference if request.op is not Op.REVERT else None
    meta_text = J.metadata_text(metadata) if metadata else "{}"
    body = J.transaction_body(
        tx_id,
        effective,
        reference,
        reverts_id,
        hold_id,
        meta_text,
        J.encode_postings(postings),
    )
    seq = self._entry(J.TX, tx_id, body, meta_text, request)
    writes = self.writes
    writes.transactions.append(
        (tx_id, seq, effective, now, reference, meta_text, reverts_id, hold_id)
    )
    if len(postings) == 1:
        source, destination, amount, asset = postings[0]
        writes.postings.append((tx_id, 0, source, destination, amount, asset, effective))
    else:
        post_rows = writes.postings
        for index, (source, destination, amount, asset) in enumerate(postings):
            post_rows.append((tx_id, index, source, destination, amount, asset, effective))
    tx = Transaction(
        tx_id,
        postings,
        metadata,
        self.now_datetime if timestamp is None else from_micros(effective),
        self.now_datetime,
        reference,
        reverts_id,
        hold_id,
        None,
        seq,
        self._volumes(postings) if volumes is None else volumes,
    )
    self._set(self.batch_results, tx_id, tx)
    return tx


def _post(
    self: Sequencer, request: Request, postings: list[Posting], *, check: bool
) -> Transaction:
    self._check_reference(request.reference)
    timestamp = request.timestamp if request.timestamp is not None else self.now
    self._move(postings, request.overdrafts, check=check, pending=False, timestamp=timestamp)
    return self._new_transaction(
        request, postings, dict(request.metadata or {}), timestamp=request.timestamp
    )


def _post_plain(self: Sequencer, request: Request) -> Transaction:
    """A POST without key, reference or overdraft grant (see ``_apply_one``).

    Its checks (the floors) all run before anything changes, so a refused transfer
    leaves nothing to undo; once they pass, nothing else can fail.
    """
    postings = request.postings
    if len(postings) != 1 or postings[0][0] == postings[0][1]:
        return self._post_plain_postings(request)
    # One posting between two accounts, the common case, in straight lines.
    source, destination, amount, asset = postings[0]
    balances = self.balances
    ks = (source, asset)
    kd = (destination, asset)
    b = balances.get(ks) or self.balance_of(source, asset)
    limit = b[4]
    if limit is not None:
        available = b[0] - b[1] - b[3]
        if available - amount < -limit:
            raise InsufficientFunds(source, asset, max(available + limit, 0), amount)
    after_source = (b[0], b[1] + amount, b[2], b[3], b[4])
    b = balances.get(kd) or self.balance_of(destination, asset)
    after_destination = (b[0] + amount, b[1], b[2], b[3], b[4])
    try:
        balances[ks] = after_source
        balances[kd] = after_destination
        dirty = self.writes.balances
        dirty[ks] = None
        dirty[kd] = None
        known = self.known_accounts
        if source not in known or destination not in known:
            first_usage = request.timestamp if request.timestamp is not None else self.now
            for account in (source, destination):
                if account not in known:
                    known[account] = None
                    self.writes.new_accounts[account] = first_usage
        # _new_transaction and _entry, inline (no reference, key or undo here)
        metadata = request.metadata
        meta = dict(metadata) if metadata else {}
        meta_text = J.metadata_text(meta) if meta else "{}"
        tx_id = self.next_tx
        self.next_tx = tx_id + 1
        now = self.now
        timestamp = request.timestamp
        effective = now if timestamp is None else timestamp
        body = J.transaction_body(
            tx_id, effective, None, None, None, meta_text, J.encode_postings(postings)
        )
        seq = self.seq
        digest = J.entry_hash(self.head, seq, J.TX, tx_id, now, body)
        self.head = digest
        self.seq = seq + 1
        writes = self.writes
        writes.journal.append((seq, J.TX, tx_id, meta_text, now, digest, None, None))
        writes.transactions.append((tx_id, seq, effective, now, None, meta_text, None, None))
        writes.postings.append((tx_id, 0, source, destination, amount, asset, effective))
        now_datetime = self.now_datetime
        tx = Transaction(
            tx_id,
            [postings[0]],
            meta,
            now_datetime if timestamp is None else from_micros(effective),
            now_datetime,
            None,
            None,
            None,
            None,
            seq,
            (
                (source, asset, after_source[0], after_source[1]),
                (destination, asset, after_destination[0], after_destination[1]),
            ),
        )
        self.batch_results[tx_id] = tx
    except BaseException:
        self._invalidate()  # half applied: the batch fails and the state is reloaded
        raise
    self.undo.clear()
    return tx


def _post_plain_postings(self: Sequencer, request: Request) -> Transaction:
    """``_post_plain`` for any number of postings."""
    postings = request.postings
    balances = self.balances
    balance_of = self.balance_of
    after: dict[tuple[str, str], BalanceTuple] = {}
    for source, destination, amount, asset in postings:
        ks = (source, asset)
        b = after.get(ks) or balances.get(ks) or balance_of(source, asset)
        if source != destination:
            limit = b[4]
            if limit is not None:
                available = b[0] - b[1] - b[3]
                if available - amount < -limit:
                    raise InsufficientFunds(source, asset, max(available + limit, 0), amount)
        after[ks] = (b[0], b[1] + amount, b[2], b[3], b[4])
        kd = (destination, asset)
        b = after.get(kd) or balances.get(kd) or balance_of(destination, asset)
        after[kd] = (b[0] + amount, b[1], b[2], b[3], b[4])
    try:
        balances.update(after)
        dirty = self.writes.balances
        for key in after:
            dirty[key] = None
        known = self.known_accounts
        timestamp = request.timestamp if request.timestamp is not None else self.now
        for account, _ in after:
            if account not in known:
                known[account] = None
                self.writes.new_accounts[account] = timestamp
        tx = self._new_transaction(
            request, list(postings), dict(request.metadata or {}), timestamp=request.timestamp
        )
    except BaseException:
        self._invalidate()  # half applied: the batch fails and the state is reloaded
        raise
    self.undo.clear()
    return tx
