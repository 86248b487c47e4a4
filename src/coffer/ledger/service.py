"""The embedded ledger API: :class:`Ledger` (writes go through the sequencer, reads to SQL)."""

from __future__ import annotations

import base64
import gc
import json
import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, overload

import sqlalchemy as sa

from coffer.db.engine import Backend, raw_connect
from coffer.errors import (
    CofferError,
    HoldNotFound,
    NoPostings,
    NotFound,
    TransactionNotFound,
    ValidationError,
)
from coffer.ledger import journal as J
from coffer.ledger import merkle
from coffer.ledger.models import (
    UNBOUNDED,
    Account,
    Balance,
    Checkpoint,
    ConsistencyProof,
    DryRun,
    Hold,
    InclusionProof,
    JournalEntry,
    Overdraft,
    Page,
    Posting,
    ScriptRequest,
    Transaction,
    TransactionRequest,
    Unbounded,
    from_micros,
    now_micros,
    to_micros,
)
from coffer.ledger.requests import Op, Request, request_hash
from coffer.ledger.sequencer import Sequencer
from coffer.ledger.signing import Signer
from coffer.ledger.store import WriteStore, account_tx_ids
from coffer.money import (
    ACCOUNT_PATTERN,
    ASSET_PATTERN,
    MAX_AMOUNT,
    check_account,
    check_amount,
    check_asset,
)

if TYPE_CHECKING:
    from coffer.settings import Settings

MAX_PAGE_SIZE = 1000
MAX_ATOMIC_BATCH = 100_000
_VALID_CACHE_SIZE = 200_000

Result = Transaction | Hold | CofferError


class _Validator:
    """Validates postings fast: addresses and assets seen before are not matched again."""

    def __init__(self) -> None:
        self.accounts: set[str] = set()
        self.assets: set[str] = set()

    @staticmethod
    def _checked(
        value: object, seen: set[str], pattern: re.Pattern[str], check: Callable[[object], str]
    ) -> str:
        if isinstance(value, str) and value in seen:
            return value
        if not isinstance(value, str) or not pattern.match(value):
            return check(value)  # raises with the precise message
        if len(seen) > _VALID_CACHE_SIZE:
            seen.clear()
        seen.add(value)
        return value

    def account(self, address: object) -> str:
        return self._checked(address, self.accounts, ACCOUNT_PATTERN, check_account)

    def asset(self, asset: object) -> str:
        return self._checked(asset, self.assets, ASSET_PATTERN, check_asset)

    def postings(self, postings: Iterable[Any]) -> tuple[Posting, ...]:
        out: list[Posting] = []
        account, asset = self.account, self.asset
        accounts, assets = self.accounts, self.assets
        source: object
        destination: object
        amount: object
        name: object
        for item in postings:
            if type(item) is Posting:
                source, destination, amount, name = item
                if (
                    type(source) is str
                    and type(destination) is str
                    and type(name) is str
                    and type(amount) is int
                    and source in accounts
                    and destination in accounts
                    and name in assets
                    and 0 <= amount <= MAX_AMOUNT
                ):
                    out.append(item)  # every field seen valid before; the tuple is immutable
                    continue
            if isinstance(item, Posting):
                source, destination, amount, name = item
            elif isinstance(item, Mapping):
                source, destination = item.get("source"), item.get("destination")
                amount, name = item.get("amount"), item.get("asset")
            else:
                raise ValidationError(
                    f"a posting must be a Posting(source, destination, amount, asset); got {item!r}"
                )
            if type(amount) is not int or not 0 <= amount <= MAX_AMOUNT:
                amount = check_amount(amount)
            out.append(Posting(account(source), account(destination), amount, asset(name)))
        return tuple(out)


def _metadata(metadata: Mapping[str, str] | None) -> dict[str, str] | None:
    if metadata is None:
        return None
    if not isinstance(metadata, Mapping):
        raise ValidationError("metadata must be a mapping of strings to strings")
    for key, value in metadata.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise ValidationError(
                f"metadata must map strings to strings; {key!r}: {value!r} is not"
            )
    return dict(metadata)


def _overdrafts(overdrafts: Mapping[str, Overdraft] | None) -> dict[str, int | None] | None:
    if not overdrafts:
        return None
    out: dict[str, int | None] = {}
    for account, limit in overdrafts.items():
        check_account(account)
        out[account] = None if isinstance(limit, Unbounded) else _limit(limit)
    return out


def _limit(limit: object) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0 or limit > MAX_AMOUNT:
        raise ValidationError(
            f"invalid overdraft {limit!r}: give an amount in [0, 2**128 - 1] or UNBOUNDED"
        )
    return limit


def _timeout_micros(timeout_seconds: float | None) -> int | None:
    if timeout_seconds is None:
        return None
    if isinstance(timeout_seconds, bool) or not isinstance(timeout_seconds, (int, float)):
        raise ValidationError("timeout_seconds must be a number of seconds")
    if timeout_seconds <= 0:
        raise ValidationError("timeout_seconds must be positive")
    return int(timeout_seconds * 1_000_000)


def _encode_cursor(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode()


def _decode_cursor(cursor: str) -> dict[str, Any]:
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except Exception as exc:
        raise ValidationError(f"invalid cursor {cursor!r}") from exc
    if not isinstance(value, dict):
        raise ValidationError(f"invalid cursor {cursor!r}")
    return value


def _page_size(page_size: int) -> int:
    if not isinstance(page_size, int) or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValidationError(f"page_size must be between 1 and {MAX_PAGE_SIZE}")
    return page_size


@dataclass
class LedgerInfo:
    id: int
    name: str
    created_at: datetime
    metadata: dict[str, str]
    bucket: str
    features: dict[str, str]


class LedgerRuntime:
    """What the sequencer and the readers of one ledger share."""

    def __init__(
        self,
        *,
        name: str,
        ledger_id: int,
        engine: sa.Engine,
        backend: Backend,
        settings: Settings,
        signer: Signer,
    ) -> None:
        self.name = name
        self.ledger_id = ledger_id
        self.engine = engine
        self.backend = backend
        self.settings = settings
        self.signer = signer
        self.next_expiry: int | None = None
        self._expiry_lock = threading.Lock()

    def note_expiry(self, expires_at: int) -> None:
        with self._expiry_lock:
            if self.next_expiry is None or expires_at < self.next_expiry:
                self.next_expiry = expires_at

    # -- SQL reads, with ? placeholders, on a pooled connection or the sequencer's ----

    def query(
        self, sql: str, params: Sequence[Any] = (), *, connection: WriteStore | None = None
    ) -> list[tuple[Any, ...]]:
        if connection is not None:
            return connection.query(sql, params)
        if self.backend is Backend.POSTGRESQL:
            sql = sql.replace("?", "%s")

        def read() -> list[tuple[Any, ...]]:
            with self.engine.connect() as conn:
                return [tuple(row) for row in conn.exec_driver_sql(sql, tuple(params)).fetchall()]

        try:
            return read()
        except sa.exc.DBAPIError as exc:
            # A restart or failover ended the pooled connections; SQLAlchemy has dropped
            # them. A read is safe to run again, once, on a new connection.
            if not exc.connection_invalidated:
                raise
        return read()

    def read_transactions(
        self,
        where: str,
        params: Sequence[Any],
        *,
        order: str = "DESC",
        limit: int | None = None,
        connection: WriteStore | None = None,
    ) -> list[Transaction]:
        sql = (
            "SELECT t.id, t.seq, t.timestamp, t.inserted_at, t.reference, t.metadata,"
            " t.reverts_id, t.hold_id, r.id FROM transactions t LEFT JOIN transactions r"
            " ON r.ledger_id = t.ledger_id AND r.reverts_id = t.id"
            f" WHERE t.ledger_id = ? AND {where} ORDER BY t.id {order}"
        )
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        rows = self.query(sql, (self.ledger_id, *params), connection=connection)
        if not rows:
            return []
        ids = [int(row[0]) for row in rows]
        postings: dict[int, list[Posting]] = {tx_id: [] for tx_id in ids}
        low, high = min(ids), max(ids)
        # a run of ids (or very many): one range of the postings' key
        if high - low < 2 * len(ids) or len(ids) > MAX_PAGE_SIZE + 1:
            window, window_params = "tx_id >= ? AND tx_id <= ?", [low, high]
        else:  # scattered (one account's page, say): each transaction's postings by key
            window, window_params = f"tx_id IN ({','.join('?' * len(ids))})", ids
        for tx_id, source, destination, amount, asset in self.query(
            "SELECT tx_id, source, destination, amount, asset FROM postings"
            f" WHERE ledger_id = ? AND {window} ORDER BY tx_id, idx",
            (self.ledger_id, *window_params),
            connection=connection,
        ):
            bucket = postings.get(int(tx_id))
            if bucket is not None:
                bucket.append(Posting(source, destination, int(amount), asset))
        return [
            Transaction(
                id=int(tx_id),
                postings=postings[int(tx_id)],
                metadata=json.loads(meta),
                timestamp=from_micros(int(ts)),
                inserted_at=from_micros(int(inserted)),
                reference=reference,
                reverts_id=None if reverts is None else int(reverts),
                hold_id=None if hold is None else int(hold),
                reverted_by=None if reverted_by is None else int(reverted_by),
                seq=int(seq),
            )
            for tx_id, seq, ts, inserted, reference, meta, reverts, hold, reverted_by in rows
        ]

    def read_transaction(self, tx_id: int, *, connection: WriteStore | None = None) -> Transaction:
        found = self.read_transactions("t.id = ?", (tx_id,), connection=connection)
        if not found:
            raise TransactionNotFound(f"transaction {tx_id} does not exist in ledger {self.name!r}")
        return found[0]

    def read_hold(self, hold_id: int, *, connection: WriteStore | None = None) -> Hold:
        rows = self.query(
            "SELECT id, seq, postings, created_at, expires_at, reference, metadata, status"
            " FROM holds WHERE ledger_id = ? AND id = ?",
            (self.ledger_id, hold_id),
            connection=connection,
        )
        if not rows:
            raise HoldNotFound(f"hold {hold_id} does not exist in ledger {self.name!r}")
        return _hold_from_row(rows[0])


def _hold_from_row(row: Sequence[Any]) -> Hold:
    hold_id, seq, postings, created_at, expires_at, reference, metadata, status = row
    return Hold(
        id=int(hold_id),
        postings=[Posting(*p) for p in J.decode_postings(postings)],
        status=status,
        created_at=from_micros(int(created_at)),
        expires_at=None if expires_at is None else from_micros(int(expires_at)),
        reference=reference,
        metadata=json.loads(metadata),
        seq=int(seq),
    )


class Ledger:
    """One ledger. Thread-safe; share one instance per ledger in a process."""

    def __init__(self, runtime: LedgerRuntime, url: sa.engine.URL) -> None:
        self._runtime = runtime
        self.name = runtime.name
        settings = runtime.settings

        def connect() -> WriteStore:
            connection = raw_connect(url, sqlite_synchronous=settings.sqlite_synchronous)
            return WriteStore(runtime.backend, connection, runtime.ledger_id)

        self._sequencer = Sequencer(runtime, connect)
        self._validate = _Validator()

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
        meta = _metadata(metadata)
        if reference is not None and (not isinstance(reference, str) or not reference):
            raise ValidationError("reference must be a non-empty string")
        if timeout_seconds is not None and not pending:
            raise ValidationError("timeout_seconds only applies to pending transactions")
        micros = None if timestamp is None else to_micros(timestamp)
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
        # theirs to walk. 20 batches of 1,000: 120-150 ms of collections before, 8 after.
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
            metadata=_metadata(metadata),
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
            metadata=_metadata(metadata),
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

        program = numscript.parse(item.script)
        variables = {str(k): str(v) for k, v in (item.vars or {}).items()}
        meta = _metadata(item.metadata)
        request = Request(
            op=Op.RUN,
            script=program,
            variables=variables,
            metadata=meta,
            reference=item.reference,
            timestamp=None if item.timestamp is None else to_micros(item.timestamp),
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
            address=check_account(account),
            asset=check_asset(asset),
            limit=None if isinstance(limit, Unbounded) else _limit(limit),
        )
        self._submit(request)

    def set_transaction_metadata(
        self, tx_id: int, metadata: Mapping[str, str], *, idempotency_key: str | None = None
    ) -> dict[str, str]:
        request = Request(op=Op.TX_METADATA, target_id=_id(tx_id), metadata=_metadata(metadata))
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
            op=Op.ACCOUNT_METADATA, address=check_account(address), metadata=_metadata(metadata)
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

    # -- reads ------------------------------------------------------------------------

    def transaction(self, tx_id: int) -> Transaction:
        return self._runtime.read_transaction(_id(tx_id))

    def transactions(
        self,
        *,
        account: str | None = None,
        source: str | None = None,
        destination: str | None = None,
        reference: str | None = None,
        metadata: Mapping[str, str] | None = None,
        start_time: datetime | None = None,
        end_time: datetime | None = None,
        page_size: int = 100,
        cursor: str | None = None,
        order: Literal["asc", "desc"] = "desc",
        since_id: int | None = None,
    ) -> Page[Transaction]:
        """Transactions, newest first by default, filtered and paged with a cursor.

        ``since_id``: only transactions with this id or a later one. Ids follow the order
        transactions were written in, and the ledger finds them by id, so it bounds what a
        filter by time or metadata has to read (there is no index on times).
        """
        size = _page_size(page_size)
        where: list[str] = []
        params: list[Any] = []
        if cursor is not None:
            state = _decode_cursor(cursor)
            order = "asc" if state.get("order") == "asc" else "desc"
            after = int(state["after"])
            where.append("t.id > ?" if order == "asc" else "t.id < ?")
            params.append(after)
            filters = state.get("filters", {})
            account = filters.get("account")
            source = filters.get("source")
            destination = filters.get("destination")
            reference = filters.get("reference")
            metadata = filters.get("metadata")
            start = filters.get("start_time")
            end = filters.get("end_time")
            since_id = filters.get("since_id")
        else:
            start = None if start_time is None else to_micros(start_time)
            end = None if end_time is None else to_micros(end_time)
        if since_id is not None:
            where.append("t.id >= ?")
            params.append(_id(since_id))
        for value, sources, destinations in (
            (account, True, True),
            (source, True, False),
            (destination, False, True),
        ):
            if value is not None:
                check_account(value)
                ids, ids_params = self._account_tx_ids(value, sources, destinations)
                where.append(f"t.id IN ({ids})")
                params.extend(ids_params)
        if reference is not None:
            where.append("t.reference = ?")
            params.append(reference)
        for key, value in (metadata or {}).items():
            where.append(self._json_field("t.metadata") + " = ?")
            params.extend([key, value])
        if start is not None:
            where.append("t.timestamp >= ?")
            params.append(start)
        if end is not None:
            where.append("t.timestamp < ?")
            params.append(end)
        rows = self._runtime.read_transactions(
            " AND ".join(where) or "1 = 1",
            params,
            order="ASC" if order == "asc" else "DESC",
            limit=size + 1,
        )
        has_more = len(rows) > size
        rows = rows[:size]
        next_cursor = None
        if has_more:
            next_cursor = _encode_cursor(
                {
                    "after": rows[-1].id,
                    "order": order,
                    "filters": {
                        "account": account,
                        "source": source,
                        "destination": destination,
                        "reference": reference,
                        "metadata": dict(metadata or {}),
                        "start_time": start,
                        "end_time": end,
                        "since_id": since_id,
                    },
                }
            )
        return Page(data=rows, page_size=size, has_more=has_more, next_cursor=next_cursor)

    def _json_field(self, column: str) -> str:
        if self._runtime.backend is Backend.POSTGRESQL:
            return f"(({column})::jsonb ->> ?::text)"
        return f"json_extract({column}, '$.\"' || ? || '\"')"

    def balance(self, account: str, asset: str, *, at: datetime | None = None) -> int:
        """The posted balance of ``account`` in ``asset``, now or at an effective time."""
        check_account(account)
        check_asset(asset)
        if at is not None:
            return self._balances_at(account, to_micros(at)).get(asset, 0)
        rows = self._current_rows(
            "SELECT l.balances_tx, l.next_tx_id, b.input, b.output FROM ledgers l"
            " LEFT JOIN balances b ON b.ledger_id = l.id AND b.account = ? AND b.asset = ?"
            " WHERE l.id = ?",
            (account, asset, self._runtime.ledger_id),
        )
        return int(rows[0][0]) - int(rows[0][1]) if rows else 0

    def balances(self, account: str, *, at: datetime | None = None) -> dict[str, Balance]:
        """Per asset: balance, pending input and output, available and overdraft."""
        check_account(account)
        if at is not None:
            return {
                asset: Balance(max(amount, 0), max(-amount, 0), 0, 0, 0)
                for asset, amount in self._balances_at(account, to_micros(at)).items()
            }
        self.expire_holds()
        rows = self._current_rows(
            "SELECT l.balances_tx, l.next_tx_id, b.asset, b.input, b.output, b.pending_input,"
            " b.pending_output, b.overdraft FROM ledgers l"
            " LEFT JOIN balances b ON b.ledger_id = l.id AND b.account = ?"
            " WHERE l.id = ? ORDER BY b.asset",
            (account, self._runtime.ledger_id),
        )
        return {
            asset: Balance(
                int(inp),
                int(out),
                int(pin),
                int(pout),
                UNBOUNDED if overdraft is None else int(overdraft),
            )
            for asset, inp, out, pin, pout, overdraft in rows
        }

    def _current_rows(self, sql: str, args: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        """Rows of ``sql``, whose first two columns are the ledger's balance mark and
        ``next_tx_id`` (a LEFT JOIN of ``balances`` on ``ledgers``): when the rows lag,
        caught up and read again; else one query. Without the mark columns, and without
        the LEFT JOIN's row of NULLs when there is no balance row."""
        rows = self._runtime.query(sql, args)
        if rows and int(rows[0][0]) < int(rows[0][1]):
            self._sequencer.catch_up_balances()
            rows = self._runtime.query(sql, args)
        return [row[2:] for row in rows if row[2] is not None]

    def catch_up_balances(self) -> None:
        """Make the ``balances`` rows current. Under load the sequencer writes them once in
        a while (docs/ledger.md, "Balance rows under load"): this adds the postings since.
        Coffer's readers call it themselves; call it before SQL of your own on the table."""
        rows = self._runtime.query(
            "SELECT balances_tx, next_tx_id FROM ledgers WHERE id = ?", (self._runtime.ledger_id,)
        )
        if rows and int(rows[0][0]) < int(rows[0][1]):
            self._sequencer.catch_up_balances()

    def list_postings(self) -> None:
        """Write the posting lists of every transaction not listed yet. A thread of the
        sequencer does so every ``COFFER_POSTING_LISTS_EVERY`` transactions (docs/ledger.md,
        "Finding an account's transactions"), and reads by account do not need it; call it
        before SQL of your own on ``posting_lists``."""
        self._sequencer.list_postings()

    def _account_tx_ids(
        self, account: str, sources: bool, destinations: bool
    ) -> tuple[str, list[Any]]:
        """SQL of the ids of the transactions where ``account`` is a source and/or a
        destination (see ``store.account_tx_ids``), and its parameters."""
        lid = self._runtime.ledger_id
        sql = account_tx_ids(self._runtime.backend, sources, destinations, ":lid", ":account")
        params: list[Any] = []
        for name in re.findall(r":(lid|account)\b", sql):
            params.append(lid if name == "lid" else account)
        return re.sub(r":(lid|account)\b", "?", sql), params

    def _balances_at(self, account: str, at: int) -> dict[str, int]:
        ids, params = self._account_tx_ids(account, True, True)
        totals: dict[str, int] = {}
        for asset, source, destination, amount in self._runtime.query(
            "SELECT asset, source, destination, amount FROM postings WHERE ledger_id = ?"
            f" AND tx_id IN ({ids}) AND timestamp <= ? AND (source = ? OR destination = ?)",
            (self._runtime.ledger_id, *params, at, account, account),
        ):
            # a posting from an account to itself moves nothing
            if source == account:
                totals[asset] = totals.get(asset, 0) - int(amount)
            if destination == account:
                totals[asset] = totals.get(asset, 0) + int(amount)
        return totals

    def account(self, address: str) -> Account:
        check_account(address)
        rows = self._runtime.query(
            "SELECT metadata, first_usage, inserted_at, updated_at FROM accounts"
            " WHERE ledger_id = ? AND address = ?",
            (self._runtime.ledger_id, address),
        )
        balances = self.balances(address)
        if not rows:
            return Account(address=address, metadata={}, balances=balances)
        meta, first, inserted, updated = rows[0]
        return Account(
            address=address,
            metadata=json.loads(meta),
            balances=balances,
            first_usage=from_micros(int(first)),
            inserted_at=from_micros(int(inserted)),
            updated_at=from_micros(int(updated)),
        )

    def accounts(
        self,
        *,
        prefix: str | None = None,
        metadata: Mapping[str, str] | None = None,
        page_size: int = 100,
        cursor: str | None = None,
    ) -> Page[Account]:
        """Accounts in address order, optionally under a ``prefix`` (``users:``)."""
        size = _page_size(page_size)
        where = ["ledger_id = ?"]
        params: list[Any] = [self._runtime.ledger_id]
        if cursor is not None:
            state = _decode_cursor(cursor)
            prefix, metadata = state.get("prefix"), state.get("metadata")
            where.append("address > ?")
            params.append(state["after"])
        if prefix:
            where.append("substr(address, 1, ?) = ?")
            params.extend([len(prefix), prefix])
        for key, value in (metadata or {}).items():
            where.append(self._json_field("metadata") + " = ?")
            params.extend([key, value])
        rows = self._runtime.query(
            "SELECT address, metadata, first_usage, inserted_at, updated_at FROM accounts WHERE "
            + " AND ".join(where)
            + f" ORDER BY address LIMIT {size + 1}",
            params,
        )
        has_more = len(rows) > size
        accounts = [
            Account(
                address=address,
                metadata=json.loads(meta),
                balances=self.balances(address),
                first_usage=from_micros(int(first)),
                inserted_at=from_micros(int(inserted)),
                updated_at=from_micros(int(updated)),
            )
            for address, meta, first, inserted, updated in rows[:size]
        ]
        next_cursor = None
        if has_more:
            next_cursor = _encode_cursor(
                {"after": accounts[-1].address, "prefix": prefix, "metadata": dict(metadata or {})}
            )
        return Page(data=accounts, page_size=size, has_more=has_more, next_cursor=next_cursor)

    def hold(self, hold_id: int) -> Hold:
        self.expire_holds()
        return self._runtime.read_hold(_id(hold_id))

    def holds(self, *, status: str | None = None, page_size: int = 100) -> list[Hold]:
        self.expire_holds()
        size = _page_size(page_size)
        where = "ledger_id = ?"
        params: list[Any] = [self._runtime.ledger_id]
        if status is not None:
            where += " AND status = ?"
            params.append(status)
        rows = self._runtime.query(
            "SELECT id, seq, postings, created_at, expires_at, reference, metadata, status"
            f" FROM holds WHERE {where} ORDER BY id DESC LIMIT {size}",
            params,
        )
        return [_hold_from_row(row) for row in rows]

    # -- journal, checkpoints and proofs --------------------------------------------

    def journal(self, *, after_seq: int = -1, limit: int = 100) -> list[JournalEntry]:
        """Journal entries in order, each with what is needed to recompute its hash."""
        size = _page_size(limit)
        lid = self._runtime.ledger_id
        rows = self._runtime.query(
            "SELECT seq, kind, ref_id, payload, created_at, hash FROM journal"
            " WHERE ledger_id = ? AND seq >= ? ORDER BY seq LIMIT ?",
            (lid, max(after_seq, -1), size + 1),
        )
        entries: list[JournalEntry] = []
        previous: bytes | None = None
        for seq, kind, ref_id, payload, created_at, digest in rows:
            if previous is None:
                previous = J.GENESIS_HASH
                if seq > 0:
                    previous = bytes(
                        self._runtime.query(
                            "SELECT hash FROM journal WHERE ledger_id = ? AND seq = ?",
                            (lid, seq - 1),
                        )[0][0]
                    )
            if seq > after_seq:
                entries.append(
                    JournalEntry(
                        seq=int(seq),
                        kind=int(kind),
                        ref_id=None if ref_id is None else int(ref_id),
                        body=self._entry_body(int(kind), ref_id, payload),
                        created_at=from_micros(int(created_at)),
                        hash=bytes(digest),
                        previous_hash=previous,
                    )
                )
            previous = bytes(digest)
        return entries[:size]

    def _entry_body(self, kind: int, ref_id: int | None, payload: str) -> str:
        if kind == J.TX:
            assert ref_id is not None
            tx = self.transaction(int(ref_id))
            return J.transaction_body(
                tx.id,
                to_micros(tx.timestamp),
                tx.reference,
                tx.reverts_id,
                tx.hold_id,
                payload,
                J.encode_postings(tx.postings),
            )
        if kind == J.HOLD:
            assert ref_id is not None
            rows = self._runtime.query(
                "SELECT postings, expires_at, reference, metadata FROM holds"
                " WHERE ledger_id = ? AND id = ?",
                (self._runtime.ledger_id, ref_id),
            )
            postings, expires_at, reference, metadata = rows[0]
            return J.hold_body(
                int(ref_id),
                postings,
                None if expires_at is None else int(expires_at),
                reference,
                metadata,
            )
        if kind in (J.HOLD_VOID, J.HOLD_EXPIRE):
            return ""
        return payload

    def checkpoint(self) -> Checkpoint:
        """Sign a checkpoint of the journal as it is now (no-op if one is current)."""
        self._submit(Request(op=Op.CHECKPOINT))
        latest = self.checkpoints(limit=1)
        if not latest:
            raise NotFound("the journal is empty: there is nothing to checkpoint")
        return latest[0]

    def checkpoints(self, *, limit: int = 100) -> list[Checkpoint]:
        """Signed checkpoints, newest first."""
        rows = self._runtime.query(
            "SELECT tree_size, root, created_at, public_key, signature FROM checkpoints"
            " WHERE ledger_id = ? ORDER BY tree_size DESC LIMIT ?",
            (self._runtime.ledger_id, _page_size(limit)),
        )
        return [self._checkpoint(row) for row in rows]

    def _checkpoint(self, row: Sequence[Any]) -> Checkpoint:
        size, root, created_at, public_key, signature = row
        return Checkpoint(
            ledger=self.name,
            tree_size=int(size),
            root=bytes(root),
            created_at=from_micros(int(created_at)),
            public_key=bytes(public_key),
            signature=bytes(signature),
        )

    def _checkpoint_at(self, tree_size: int) -> Checkpoint:
        rows = self._runtime.query(
            "SELECT tree_size, root, created_at, public_key, signature FROM checkpoints"
            " WHERE ledger_id = ? AND tree_size = ?",
            (self._runtime.ledger_id, tree_size),
        )
        if not rows:
            raise NotFound(f"there is no checkpoint of size {tree_size} in ledger {self.name!r}")
        return self._checkpoint(rows[0])

    def _leaves(self, tree_size: int) -> list[bytes]:
        rows = self._runtime.query(
            "SELECT hash FROM journal WHERE ledger_id = ? AND seq < ? ORDER BY seq",
            (self._runtime.ledger_id, tree_size),
        )
        return [merkle.leaf_hash(bytes(row[0])) for row in rows]

    def inclusion_proof(self, tx_id: int, *, tree_size: int | None = None) -> InclusionProof:
        """Prove that transaction ``tx_id`` is in a signed checkpoint (the newest by default)."""
        tx = self.transaction(tx_id)
        if tree_size is None:
            latest = self.checkpoints(limit=1)
            checkpoint = latest[0] if latest and latest[0].tree_size > tx.seq else self.checkpoint()
        else:
            checkpoint = self._checkpoint_at(tree_size)
        if tx.seq >= checkpoint.tree_size:
            raise ValidationError(
                f"transaction {tx_id} is entry {tx.seq}, after checkpoint {checkpoint.tree_size}"
            )
        entry = self.journal(after_seq=tx.seq - 1, limit=1)[0]
        path = merkle.inclusion_path(tx.seq, self._leaves(checkpoint.tree_size))
        return InclusionProof(
            entry=entry,
            leaf_index=tx.seq,
            tree_size=checkpoint.tree_size,
            path=path,
            checkpoint=checkpoint,
        )

    def consistency_proof(self, old_size: int, new_size: int) -> ConsistencyProof:
        """Prove that the checkpoint of ``old_size`` entries is a prefix of ``new_size``."""
        old, new = self._checkpoint_at(old_size), self._checkpoint_at(new_size)
        if old_size > new_size:
            raise ValidationError("old_size must not exceed new_size")
        path = (
            merkle.consistency_path(old_size, self._leaves(new_size)) if old_size < new_size else []
        )
        return ConsistencyProof(old=old, new=new, path=path)

    def close(self) -> None:
        self._sequencer.close()


def _id(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(f"invalid id {value!r}: ids are non-negative integers")
    return value


def _key(key: object) -> str:
    if not isinstance(key, str) or not key or len(key) > 255:
        raise ValidationError(
            "idempotency_key must be a non-empty string of at most 255 characters"
        )
    return key


__all__ = [
    "Ledger",
    "LedgerInfo",
    "LedgerRuntime",
    "Result",
]
