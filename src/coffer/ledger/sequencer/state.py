"""The sequencer's in-memory state: loading it (after start-up, a failed write or another
process's write), the accounts it caches, and turning an applied batch into what the
writer writes (balance rows, idempotency keys, a :class:`~.shared.Prepared` batch)."""

from __future__ import annotations

import gc
import heapq
from typing import TYPE_CHECKING, Any

from coffer.ledger import journal as J
from coffer.ledger.merkle import Frontier
from coffer.ledger.models import Hold, Posting, Transaction, from_micros, now_micros
from coffer.ledger.requests import Op, Request
from coffer.ledger.sequencer.shared import (
    BALANCE_CACHE_SIZE,
    IDEMPOTENCY_CACHE_SIZE,
    BalanceTuple,
    PendingHold,
    Prepared,
    load_json,
)
from coffer.ledger.store import Head, Writes, empty_balance
from coffer.money import ACCOUNT_PATTERN

if TYPE_CHECKING:
    from coffer.ledger.sequencer.core import Sequencer


def _apply_batch(self: Sequencer, batch: list[Request], *, careful: bool) -> None:
    """Apply every request of ``batch`` to the in-memory state; collect its writes."""
    self.careful = careful
    self.writes = Writes()
    self.undo = []
    self.batch_keys = {}
    self.batch_refs = {}
    self.batch_reverted = {}
    self.batch_results = {}
    self.now = now_micros()
    self.now_datetime = from_micros(self.now)
    if len(self.balances) > BALANCE_CACHE_SIZE:
        # Batches still being written hold balances the database does not have yet,
        # and rows that lag do not have the unflushed ones: those accounts stay.
        self._drain()
        self._forget_accounts(keep={account for account, _ in self.unflushed})
    collecting = gc.isenabled()
    # A batch allocates many short-lived objects; collecting once per batch, not every
    # few hundred allocations, is much cheaper and other threads are waiting anyway.
    gc.disable()
    try:
        self._prefetch(batch)
        if careful:
            self._precheck(batch)
        self._expire_due()
        for request in batch:
            request.result = None
            request.error = None
            self._apply_one(request)
        self.frontier.append_leaves([row[5] for row in self.writes.journal])
        self._checkpoint_if_due(force=any(r.op is Op.CHECKPOINT for r in batch))
    except BaseException:
        self._invalidate()
        raise
    finally:
        if collecting:
            gc.enable()


def _prepare(
    self: Sequencer, batch: list[Request], started: float, *, publish: bool = True
) -> Prepared | None:
    """Apply ``batch`` optimistically (no lock held): the write checks the head.

    ``publish``: let later batches find its results and keys before it is written.
    """
    epoch = self._epoch
    self._apply_store = self._reader_store()
    if not self.valid:
        self._reload(self._apply_store.read_head(), epoch)
    expected_seq = self.seq
    expected_hash = self.head
    self._apply_batch(batch, careful=False)
    if epoch != self._epoch:
        return None
    head = Head(self.seq, self.head, self.next_tx, self.next_hold)
    rows, balances_tx = self._balance_rows(len(batch))
    keys = self._new_keys()
    results: list[tuple[int, tuple[Transaction, int]]] = []
    if publish:
        # Until written, later batches find these here (tagged: a dropped batch's are
        # ignored).
        results = [(tx_id, (tx, epoch)) for tx_id, tx in self.batch_results.items()]
        self.inflight_results.update(results)
        self.inflight_keys.update(
            (key, (digest, kind, ref_id, epoch)) for key, digest, kind, ref_id in keys
        )
    return Prepared(
        batch,
        self.writes,
        rows,
        balances_tx,
        expected_seq,
        expected_hash,
        head,
        self.now,
        epoch,
        results,
        keys,
        started,
    )


def _balance_rows(self: Sequencer, requests: int) -> tuple[list[tuple[Any, ...]], int | None]:
    """The balance rows a batch of ``requests`` writes, and the transaction id they bring
    the rows up to (None: they lag, and the batch writes none)."""
    writes = self.writes
    dirty = writes.balances
    if writes.empty():  # the batch writes nothing (nor do the rows left to later)
        return [], None
    unflushed = self.unflushed
    caught_up = self._caught_up
    if unflushed and caught_up:
        # A reader's catch-up wrote the rows of balances last changed before it.
        self._caught_up = 0
        unflushed = self.unflushed = {k: end for k, end in unflushed.items() if end > caught_up}
        if not unflushed:
            self.unflushed_postings = 0
    postings = self.unflushed_postings + len(writes.postings)
    if (
        not writes.eager
        and postings < self._flush_postings
        and (requests >= self._lazy_batch or len(unflushed) > self._quiet_flush_rows)
    ):
        unflushed.update(dict.fromkeys(dirty, self.next_tx))
        self.unflushed_postings = postings
        return [], None
    keys: Any = dirty
    if unflushed:
        unflushed.update(dict.fromkeys(dirty, 0))
        keys = unflushed
        self.unflushed = {}
        self.unflushed_postings = 0
    balances = self.balances
    return [(a, s, *balances[(a, s)]) for a, s in keys], self.next_tx


def _new_keys(self: Sequencer) -> list[tuple[str, bytes, int, int | None]]:
    keys: list[tuple[str, bytes, int, int | None]] = []
    for key, (digest, request) in self.batch_keys.items():
        if request.error is not None:
            continue
        if isinstance(request.result, Transaction):
            keys.append((key, digest, J.TX, request.result.id))
        elif isinstance(request.result, Hold):
            keys.append((key, digest, J.HOLD, request.result.id))
        else:  # metadata and overdraft changes: a replay answers without a result
            keys.append((key, digest, 0, None))
    return keys


def _remember_key(self: Sequencer, key: str, digest: bytes, kind: int, ref_id: int | None) -> None:
    self.idempotency[key] = (digest, kind, ref_id)
    if len(self.idempotency) > IDEMPOTENCY_CACHE_SIZE:
        self.idempotency.popitem(last=False)


def _reload(self: Sequencer, head: Head, epoch: int) -> None:
    store = self.store
    # Balance rows may lag the journal (this process's unflushed batches before the
    # failure, or another process's): bring them up to at least ``head`` first. If
    # another process wrote since, the batch fails on the head and reloads again.
    self.unflushed = {}
    self.unflushed_postings = 0
    self._caught_up = 0
    if store.in_transaction or store.balances_lag():
        store.catch_up()
    self.seq = head.next_seq
    self.head = head.head_hash
    self.next_tx = head.next_tx_id
    self.next_hold = head.next_hold_id
    self._forget_accounts()
    lid = self.runtime.ledger_id
    rows = store.query(
        "SELECT tree_size, frontier, created_at FROM checkpoints WHERE ledger_id = ?"
        " ORDER BY tree_size DESC LIMIT 1",
        (lid,),
    )
    if rows:
        self.frontier = Frontier.from_bytes(int(rows[0][0]), bytes(rows[0][1]))
        self.last_checkpoint_at = int(rows[0][2]) / 1_000_000
    else:
        self.frontier = Frontier()
        self.last_checkpoint_at = 0.0
    self.last_checkpoint = self.frontier.size
    rows = store.query(
        "SELECT hash FROM journal WHERE ledger_id = ? AND seq >= ? ORDER BY seq",
        (lid, self.frontier.size),
    )
    self.frontier.append_leaves([bytes(entry_hash) for (entry_hash,) in rows])
    self.pending_holds = {}
    self.expiries = []
    for hold_id, postings_text, expires_at in store.query(
        "SELECT id, postings, expires_at FROM holds WHERE ledger_id = ? AND status = 'pending'",
        (lid,),
    ):
        postings = [Posting(*p) for p in J.decode_postings(postings_text)]
        self._track_hold(PendingHold(int(hold_id), postings, expires_at))
    self._state_epoch = epoch


def _forget_accounts(self: Sequencer, keep: set[str] | None = None) -> None:
    """Drop the cached accounts (but those in ``keep``: all their balances stay)."""
    if keep:
        self.balances = {k: v for k, v in self.balances.items() if k[0] in keep}
        self.loaded_accounts &= keep
        self.known_accounts = {a: None for a in self.known_accounts if a in keep}
    else:
        self.balances = {}
        self.loaded_accounts = set()
        self.known_accounts = {}
    self.account_metadata = {}


def _track_hold(self: Sequencer, hold: PendingHold) -> None:
    self.pending_holds[hold.id] = hold
    if hold.expires_at is not None:
        heapq.heappush(self.expiries, (hold.expires_at, hold.id))
        self.runtime.note_expiry(hold.expires_at)


def _prefetch(self: Sequencer, batch: list[Request]) -> None:
    wanted: dict[str, None] = {}
    loaded = self.loaded_accounts

    def want(postings: Any) -> None:
        for s, d, _, _asset in postings:
            if s not in loaded:
                wanted[s] = None
            if d not in loaded:
                wanted[d] = None

    for request in batch:
        for s, d, _, _asset in request.postings:
            if s not in loaded:
                wanted[s] = None
            if d not in loaded:
                wanted[d] = None
        if request.op is Op.POST and not request.children:
            continue  # a transfer: its accounts are all in its postings
        for child in request.children:
            want(child.postings)
        if request.variables:
            # a script's accounts mostly come in its variables: load them with the rest
            for value in request.variables.values():
                if value not in loaded and ACCOUNT_PATTERN.match(value):
                    wanted[value] = None
        if request.op in (Op.POST_HOLD, Op.VOID_HOLD) and request.target_id is not None:
            hold = self.pending_holds.get(request.target_id)
            if hold is not None:
                want(hold.postings)
    if wanted:
        self._load_accounts(list(wanted))


def _load_accounts(self: Sequencer, accounts: list[str]) -> None:
    balances = self.balances
    for account in accounts:
        self.known_accounts.pop(account, None)
    for account, asset, inp, out, pin, pout, overdraft in self.store.load_balances(accounts):
        balances[(account, asset)] = (inp, out, pin, pout, overdraft)
        self.known_accounts[account] = None
    # Accounts may exist (metadata only) without balances.
    for start in range(0, len(accounts), 500):
        chunk = accounts[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for (address,) in self.store.query(
            f"SELECT address FROM accounts WHERE ledger_id = ? AND address IN ({marks})",
            (self.runtime.ledger_id, *chunk),
        ):
            self.known_accounts[address] = None
    self.loaded_accounts.update(accounts)


def balance_of(self: Sequencer, account: str, asset: str) -> BalanceTuple:
    key = (account, asset)
    b = self.balances.get(key)
    if b is not None:
        return b
    if account not in self.loaded_accounts:
        self._load_accounts([account])
        b = self.balances.get(key)
        if b is not None:
            return b
    return empty_balance(account)


def account_metadata_of(self: Sequencer, account: str) -> dict[str, str]:
    meta = self.account_metadata.get(account)
    if meta is None:
        rows = self.store.query(
            "SELECT metadata FROM accounts WHERE ledger_id = ? AND address = ?",
            (self.runtime.ledger_id, account),
        )
        meta = load_json(rows[0][0]) if rows else {}
        self.account_metadata[account] = meta
    return meta


def _precheck(self: Sequencer, batch: list[Request]) -> None:
    """Careful mode: look up every key and reference of the batch in the database."""
    lid = self.runtime.ledger_id
    for request in _flatten(batch):
        key = request.idempotency_key
        if key and key not in self.idempotency:
            rows = self.store.query(
                "SELECT idempotency_hash, kind, ref_id FROM journal WHERE ledger_id = ?"
                " AND idempotency_key = ?",
                (lid, key),
            )
            if rows:
                digest, kind, ref_id = rows[0]
                self._remember_key(
                    key, bytes(digest), int(kind), None if ref_id is None else int(ref_id)
                )


def _flatten(batch: list[Request]) -> list[Request]:
    out: list[Request] = []
    for request in batch:
        out.append(request)
        out.extend(request.children)
    return out
