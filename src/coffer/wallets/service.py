"""The wallets service: customers, KYC, wallets, transfers, merchant payments and escrow.

Atomicity. The ledger commits in its own sequencer transaction, apart from this domain's
tables, so every money movement is a small saga that is safe to retry:

1. write the domain row in state ``pending`` (with the idempotency key record) and commit;
2. run the Numscript template with a ledger idempotency key derived from the row's id and
   the step (``wallets:transfer:<id>``): a retry after a crash gets the first result back
   instead of moving money twice;
3. write the final state and its outbox event in one database transaction.

A crash between 1 and 3 leaves a ``pending`` row that :meth:`Wallets.resume_pending` (run by
the worker) or a replay of the same ``Idempotency-Key`` completes. Transfers, the hot path,
skip step 1: their row, idempotency record and event are written once, after the ledger
call, and a retry is made safe by a ledger reference derived from the key (see
:meth:`Wallets.transfer`). Each public method is its
own unit of work (it commits), because step 2 cannot share a transaction with 1 and 3;
SQL stays in :mod:`coffer.wallets.repository`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from pydantic import BaseModel

from coffer.db.engine import SQLITE_IMMEDIATE
from coffer.errors import (
    CaptureExceedsAuthorization,
    CofferError,
    Conflict,
    CurrencyMismatch,
    CustomerNotFound,
    DuplicateReference,
    HoldStateError,
    IdempotencyConflict,
    InsufficientFunds,
    InvalidState,
    KycLimitExceeded,
    RefundExceedsCaptured,
    ResourceNotFound,
    ValidationError,
    WalletClosed,
    WalletFrozen,
    WalletNotFound,
)
from coffer.ledger import Hold, Ledger, ScriptRequest, Transaction
from coffer.ledger.models import from_micros, to_micros
from coffer.wallets import currencies
from coffer.wallets import repository as R
from coffer.wallets import schemas as S
from coffer.wallets import tables as T
from coffer.wallets import templates as N
from coffer.wallets.crypto import Cipher
from coffer.wallets.settings import KYC_LEVELS, WalletSettings

ModelT = TypeVar("ModelT", bound=BaseModel)
Row = Mapping[str, Any]
MAX_CAS_RETRIES = 20
# An action claim without a response this old is a crashed request: a retry takes it over.
STALE_CLAIM_MICROS = 60_000_000
MAX_CACHED_ROWS = 100_000
HOT_SLOTS = 32  # most connections the transfer hot path uses at once (see hot_connection)
ROW_TTL_SECONDS = 300.0  # a bound on memory staleness; changes are seen by the epoch poll
FEES_ACCOUNT = "platform:fees"
CREDIT_ACCOUNT = "platform:credit"


def wallet_account(wallet_id: str) -> str:
    return f"wallets:{wallet_id}"


def _dt(micros: int) -> datetime:
    return from_micros(int(micros))


def _request_hash(operation: str, payload: Mapping[str, Any]) -> str:
    body = json.dumps([operation, payload], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def _error_from_code(
    code: str | None, message: str | None = None, details: Mapping[str, Any] | None = None
) -> CofferError:
    """Rebuild the error a failed request raised, for a replay of its idempotency key."""
    text = message or f"this request failed when it was first made: {code}"
    stack: list[type[CofferError]] = [CofferError]
    while stack:
        cls = stack.pop()
        if cls.code == code:
            error = Exception.__new__(cls)
            CofferError.__init__(error, text, **{**(details or {}), "replayed": True})
            return error
        stack.extend(cls.__subclasses__())
    return CofferError(text)


def _replayable(error: CofferError) -> bool:
    """Whether a failed action's answer is kept for replays: business refusals are; a
    concurrency conflict, an idempotency conflict or a server error is not (a retry runs)."""
    if error.status >= 500:
        return False
    return error.code not in ("conflict", "idempotency_conflict")


def in_wallet_terms(error: CofferError) -> CofferError:
    """A ledger refusal said in the wallets' words: a wallet lacking funds is told to be
    credited (wallets have no overdraft to grant, as the ledger's message suggests)."""
    prefix = wallet_account("")
    account = error.account.lstrip("@") if isinstance(error, InsufficientFunds) else ""
    if account.startswith(prefix):  # Numscript names it @wallets:<id>
        assert isinstance(error, InsufficientFunds)
        wallet_id = account[len(prefix) :]
        currency = error.asset.split("/")[0]
        error.message = (
            f"wallet {wallet_id} has {error.available} {currency} (minor units) available "
            f"but {error.needed} is needed: credit the wallet first (a pay-in or a transfer "
            "into it) or move less"
        )
        error.args = (error.message,)
        error.details = {
            "wallet_id": wallet_id,
            "currency": currency,
            "available": error.available,
            "needed": error.needed,
        }
    return error


def event_data(resource: BaseModel) -> dict[str, Any]:
    """An event's ``data``, the one rule of every event type: ``{"object": resource}``,
    the resource as the API returns it (see :data:`coffer.wallets.schemas.EVENT_OBJECTS`)."""
    return {"object": resource.model_dump(mode="json")}


def month_start_micros(now: datetime | None = None) -> int:
    moment = now or datetime.now(UTC)
    start = moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return int(start.timestamp() * 1_000_000)


@dataclass(slots=True)
class _TransferItem:
    """One transfer of a :meth:`Wallets.transfer_many` batch, as it goes through it."""

    index: int
    request: S.TransferCreate
    key: str | None
    payload: dict[str, Any]
    currency: str
    row: dict[str, Any] = field(default_factory=dict)
    reference: str | None = None
    error: CofferError | None = None


class WalletsCore:
    """State shared by the domain's services: engine, ledger, cipher, settings, events."""

    def __init__(self, engine: sa.Engine, ledger: Ledger, settings: WalletSettings) -> None:
        self.engine = engine
        self.ledger = ledger
        self.settings = settings
        key_id, keys = settings.encryption_keys()
        self.cipher = Cipher(key_id, keys)
        # Wallet and customer rows read on every movement. A change made by this process
        # drops its row at once; one made elsewhere bumps the cache epoch, polled every
        # cache_seconds (see _check_epoch).
        self._cache: dict[tuple[str, str], tuple[float, Row]] = {}
        self._balances: dict[tuple[str, str], tuple[float, int]] = {}
        self._cache_lock = threading.Lock()
        self._epoch: int | None = None
        self._epoch_due = 0.0
        steady = getattr(engine.pool, "size", lambda: HOT_SLOTS)()
        self._hot_slots = threading.BoundedSemaphore(max(1, min(HOT_SLOTS, steady - 2)))

    # -- cached rows -----------------------------------------------------------------------

    def _check_epoch(self) -> None:
        """Drop every cached row when another process changed one (bounded staleness)."""
        now = time.monotonic()
        if now < self._epoch_due:
            return
        with self._cache_lock:
            if now < self._epoch_due:
                return
            self._epoch_due = now + self.settings.cache_seconds  # one poller at a time
        with self.engine.connect() as connection:
            epoch = R.cache_epoch(connection)
        if epoch != self._epoch:
            with self._cache_lock:
                self._cache.clear()
                self._epoch = epoch

    def _cached(self, kind: str, object_id: str) -> Row | None:
        if self.settings.cache_seconds <= 0:
            return None
        self._check_epoch()
        entry = self._cache.get((kind, object_id))
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def _keep(self, kind: str, row: Row) -> Row:
        if self.settings.cache_seconds > 0:
            with self._cache_lock:
                if len(self._cache) >= MAX_CACHED_ROWS:
                    self._cache.clear()
                self._cache[(kind, row["id"])] = (time.monotonic() + ROW_TTL_SECONDS, row)
        return row

    def drop_cached(self, kind: str, object_id: str) -> None:
        with self._cache_lock:
            self._cache.pop((kind, object_id), None)

    def forget_wallet(self, connection: sa.Connection, wallet_id: str) -> None:
        """A wallet changed (in ``connection``'s transaction): drop it here, and tell the
        other processes through the cache epoch."""
        R.bump_cache_epoch(connection)
        with self._cache_lock:
            self._cache.pop(("wallet", wallet_id), None)

    def forget_customer(self, connection: sa.Connection, customer_id: str) -> None:
        R.bump_cache_epoch(connection)
        with self._cache_lock:
            self._cache.pop(("customer", customer_id), None)

    def cached_wallets(
        self, connection: sa.Connection | None, wallet_ids: list[str]
    ) -> dict[str, Row]:
        """Wallet rows by id from the cache; without a connection only those, with one the
        rest in one query. Ids of wallets that do not exist are absent."""
        found: dict[str, Row] = {}
        missing = []
        for wallet_id in wallet_ids:
            row = self._cached("wallet", wallet_id)
            if row is None:
                missing.append(wallet_id)
            else:
                found[wallet_id] = row
        if missing and connection is not None:
            for wallet_id, row in R.get_many(connection, T.wallets, missing).items():
                found[wallet_id] = self._keep("wallet", row)
        return found

    def cache_customers(self, connection: sa.Connection, customer_ids: Iterable[str]) -> None:
        """Read the customer rows not cached yet, in one query (a batch's owners)."""
        missing = sorted({c for c in customer_ids if self._cached("customer", c) is None})
        if missing:
            for row in R.get_many(connection, T.customers, missing).values():
                self._keep("customer", row)

    def cached_customer(self, connection: sa.Connection | None, customer_id: str) -> Row:
        row = self._cached("customer", customer_id)
        if row is not None:
            return row
        if connection is None:
            with self.engine.connect() as own:
                return self.cached_customer(own, customer_id)
        return self._keep("customer", self.customer_row(connection, customer_id))

    @contextlib.contextmanager
    def unit(self) -> Iterator[sa.Connection]:
        """One transaction. Units read then write, so on SQLite they hold the write lock
        from the start (readers are not blocked: WAL)."""
        with self.engine.connect() as connection:
            connection.execution_options(**{SQLITE_IMMEDIATE: True})
            with connection.begin():
                yield connection

    # -- idempotency ---------------------------------------------------------------------

    def replayed(
        self, connection: sa.Connection, key: str | None, operation: str, payload: Mapping[str, Any]
    ) -> Row | None:
        """The idempotency record of ``key`` if it was used for this very request."""
        if key is None:
            return None
        record = R.idempotency_record(connection, key)
        if record is None:
            return None
        if record["request_hash"] != _request_hash(operation, payload):
            raise IdempotencyConflict(
                f"Idempotency-Key {key!r} was already used with a different request; "
                "use a new key for a new request"
            )
        return record

    def remember(
        self,
        connection: sa.Connection,
        key: str | None,
        operation: str,
        payload: Mapping[str, Any],
        resource_type: str,
        resource_id: str,
    ) -> None:
        if key is not None:
            R.insert_idempotency_record(
                connection, key, _request_hash(operation, payload), resource_type, resource_id
            )

    def create_once(
        self,
        *,
        key: str | None,
        operation: str,
        payload: Mapping[str, Any],
        create: Callable[[sa.Connection], str],
    ) -> tuple[str, bool]:
        """Run ``create`` (which inserts a row and returns its id) unless ``key`` was seen.

        Returns the resource id and whether it was created now (False: a replay).
        """
        for _ in range(2):
            try:
                with self.unit() as connection:
                    record = self.replayed(connection, key, operation, payload)
                    if record is not None:
                        return str(record["resource_id"]), False
                    resource_id = create(connection)
                    self.remember(connection, key, operation, payload, operation, resource_id)
                    return resource_id, True
            except sa.exc.IntegrityError:
                if key is None:
                    raise
                continue  # a concurrent request with the same key won; read its record
        raise Conflict(f"Idempotency-Key {key!r} is being used by a concurrent request; retry")

    # -- idempotent actions ---------------------------------------------------------------

    def once(
        self,
        *,
        key: str | None,
        operation: str,
        payload: Mapping[str, Any],
        run: Callable[[], ModelT | None],
        model: type[ModelT],
        resource_id: str = "",
    ) -> ModelT | None:
        """Run an action once per ``Idempotency-Key`` and replay its stored answer.

        The key is claimed first (a concurrent request with it gets 409 until the first
        answers); the answer, a success or a business refusal, is stored encrypted and
        replayed to a repeat with the same request; another request with the key is
        refused (``idempotency_conflict``). Without a key the action just runs.
        ``None`` (nothing to return) is stored as HTTP 204.
        """
        if key is None:
            return run()
        request_hash = _request_hash(operation, payload)
        record = self._claim(key, request_hash, operation, resource_id)
        if record is not None:
            return self._replay(record, model)
        try:
            result = run()
        except CofferError as error:
            if _replayable(error):
                self._store(key, error.status, json.dumps(error.to_dict(), default=str))
            else:
                self._release(key)
            raise
        except BaseException:
            self._release(key)
            raise
        if result is None:
            self._store(key, 204, "null")
        else:
            self._store(key, 200, result.model_dump_json())
        return result

    def _claim(self, key: str, request_hash: str, operation: str, resource_id: str) -> Row | None:
        """Claim ``key`` for this request (None), or return the record of an earlier one."""
        for _ in range(3):
            try:
                with self.unit() as connection:
                    record = R.idempotency_record(connection, key)
                    if record is None:
                        R.claim_idempotency_key(
                            connection, key, request_hash, operation, resource_id
                        )
                        return None
                    if record["request_hash"] != request_hash:
                        raise IdempotencyConflict(
                            f"Idempotency-Key {key!r} was already used with a different "
                            "request; use a new key for a new request"
                        )
                    if record["response_status"] is not None:
                        return record
                    stale = record["created_at"] < R.now_micros() - STALE_CLAIM_MICROS
                    if stale and R.retake_idempotency_key(connection, key, record["created_at"]):
                        return None
                    raise Conflict(
                        f"a request with Idempotency-Key {key!r} is still being processed; "
                        "retry in a moment"
                    )
            except sa.exc.IntegrityError:
                continue  # a concurrent request claimed the key first: read its record
        raise Conflict(f"Idempotency-Key {key!r} is being used by a concurrent request; retry")

    def _replay(self, record: Row, model: type[ModelT]) -> ModelT | None:
        body = self.cipher.decrypt(record["response_enc"], context="idempotency.response")
        status = int(record["response_status"])
        if status == 204:
            return None
        if status < 300:
            return model.model_validate_json(body or "{}")
        stored = json.loads(body or "{}")
        raise _error_from_code(stored.get("code"), stored.get("message"), stored.get("details"))

    def _store(self, key: str, status: int, body: str) -> None:
        encrypted = self.cipher.encrypt(body, context="idempotency.response")
        assert encrypted is not None
        with self.unit() as connection:
            R.store_idempotent_response(connection, key, status, encrypted)

    def _release(self, key: str) -> None:
        with self.unit() as connection:
            R.release_idempotency_key(connection, key)

    # -- lists ---------------------------------------------------------------------------

    @staticmethod
    def list_conditions(name: str, query: S.ListQuery) -> list[sa.ColumnElement[bool]]:
        """The conditions of a list request's filters on the rows of resource ``name``
        (see :data:`coffer.wallets.repository.LISTINGS`)."""
        listing = R.LISTINGS[name]
        if query.status is not None and not listing.has_status:
            raise ValidationError(f"{name} have no status: drop the status filter")
        return R.list_conditions(
            listing,
            customer_id=query.customer_id,
            wallet_id=query.wallet_id,
            status=query.status,
            created_from=None if query.created_gte is None else to_micros(query.created_gte),
            created_before=None if query.created_lt is None else to_micros(query.created_lt),
        )

    def list_rows(self, name: str, query: S.ListQuery) -> tuple[list[Row], bool]:
        """One page of a resource's rows and whether more follow: the paging and filters
        of every list endpoint."""
        conditions = self.list_conditions(name, query)
        with self.unit() as connection:
            return R.page(
                connection,
                R.LISTINGS[name].table,
                conditions=conditions,
                starting_after=query.starting_after,
                limit=query.limit,
            )

    # -- events --------------------------------------------------------------------------

    def event(self, connection: sa.Connection, event_type: str, resource: BaseModel) -> None:
        """Write an event about ``resource`` to the outbox (in ``connection``'s unit)."""
        R.insert_event(connection, event_type, event_data(resource))

    # -- wallets and limits -------------------------------------------------------------

    def wallet_row(self, connection: sa.Connection, wallet_id: str) -> Row:
        row = R.get(connection, T.wallets, wallet_id)
        if row is None:
            raise WalletNotFound(f"wallet {wallet_id!r} does not exist", wallet_id=wallet_id)
        return row

    def customer_row(self, connection: sa.Connection, customer_id: str) -> Row:
        row = R.get(connection, T.customers, customer_id)
        if row is None:
            raise CustomerNotFound(
                f"customer {customer_id!r} does not exist", customer_id=customer_id
            )
        return row

    @staticmethod
    def check_currency(wallet: Row, currency: str) -> None:
        if wallet["currency"] != currency:
            raise CurrencyMismatch(
                f"wallet {wallet['id']} holds {wallet['currency']}, not {currency}",
                wallet_id=wallet["id"],
                wallet_currency=wallet["currency"],
                currency=currency,
            )

    @staticmethod
    def check_can_send(wallet: Row) -> None:
        if wallet["status"] == "frozen":
            raise WalletFrozen(
                f"wallet {wallet['id']} is frozen: it can receive but not send",
                wallet_id=wallet["id"],
            )
        if wallet["status"] == "closed":
            raise WalletClosed(f"wallet {wallet['id']} is closed", wallet_id=wallet["id"])

    @staticmethod
    def check_can_receive(wallet: Row) -> None:
        if wallet["status"] == "closed":
            raise WalletClosed(f"wallet {wallet['id']} is closed", wallet_id=wallet["id"])

    def _limit(self, customer: Row, name: str, currency: str) -> int | None:
        limits = self.settings.limits_for(customer["kyc_level"])
        major = getattr(limits, name)
        return None if major is None else currencies.major_to_minor(currency, major)

    def _refuse(self, customer: Row, name: str, limit: int, attempted: int, currency: str) -> None:
        raise KycLimitExceeded(
            f"KYC limit {name} of level {customer['kyc_level']!r} is {limit} {currency} "
            f"(minor units); this movement would reach {attempted}. Verify the customer "
            "to a higher KYC level or move less.",
            limit=name,
            kyc_level=customer["kyc_level"],
            limit_amount=limit,
            attempted_amount=attempted,
            currency=currency,
        )

    def check_limits(
        self,
        connection: sa.Connection | None,
        wallet: Row,
        amount: int,
        *,
        sending: bool = False,
        receiving: int | None = None,
        payin: bool = False,
        payout: bool = False,
        credited_before: int = 0,
    ) -> None:
        """Refuse a movement of ``amount`` that breaks a KYC limit of the wallet's owner.

        ``receiving`` is what lands in the wallet (checked against the maximum balance);
        ``credited_before`` what earlier movements of the same batch credit it with.
        """
        if wallet["customer_id"] is None:
            return  # platform wallets have no KYC limits
        customer = self.cached_customer(connection, wallet["customer_id"])
        currency = wallet["currency"]
        per_transaction = self._limit(customer, "max_transaction_amount", currency)
        if per_transaction is not None and amount > per_transaction:
            self._refuse(customer, "max_transaction_amount", per_transaction, amount, currency)
        if receiving is not None:
            maximum = self._limit(customer, "max_balance", currency)
            if maximum is not None:
                asset = currencies.asset(currency)
                incoming = receiving + credited_before
                after = self.balance_hint(wallet["account"], asset, maximum - incoming)
                after += incoming
                if after > maximum:
                    self._refuse(customer, "max_balance", maximum, after, currency)
        if payin or payout:
            name = "max_monthly_payin" if payin else "max_monthly_payout"
            monthly = self._limit(customer, name, currency)
            if monthly is not None:
                assert connection is not None, "monthly limits are summed in the caller's unit"
                ids = R.customer_wallet_ids(connection, customer["id"])
                since = month_start_micros()
                if payin:
                    total = R.monthly_payin_total(connection, ids, currency, since)
                else:
                    total = R.monthly_payout_total(connection, ids, currency, since)
                if total + amount > monthly:
                    self._refuse(customer, name, monthly, total + amount, currency)
        del sending

    @contextlib.contextmanager
    def hot_connection(self) -> Iterator[sa.Connection]:
        """A :meth:`fast_connection` for the hot path, at most ``hot_slots`` at once: the
        pool keeps only its steady size of connections open, and requests queueing here
        cost less than the connections an overflowing pool opens and closes."""
        with self._hot_slots, self.fast_connection() as connection:
            yield connection

    def fast_connection(self) -> sa.Connection:
        """A pooled connection for single-statement writes: autocommit on PostgreSQL (no
        BEGIN/COMMIT round trips; each statement is its own transaction)."""
        connection = self.engine.connect()
        if connection.dialect.name == "postgresql":
            connection.execution_options(isolation_level="AUTOCOMMIT")
        return connection

    def balance_hint(self, account: str, asset: str, ceiling: int) -> int:
        """The balance of ``account``, read from the ledger unless a recent one (this
        process's last movement on it, see :meth:`note_balances`) is at most half of
        ``ceiling``: far enough below a limit that a few seconds of other processes'
        credits cannot matter."""
        entry = self._balances.get((account, asset))
        if entry is not None and entry[0] >= time.monotonic() and 2 * entry[1] <= ceiling:
            return entry[1]
        balance = self.ledger.balance(account, asset)
        self._note_balance(account, asset, balance)
        return balance

    def _note_balance(self, account: str, asset: str, balance: int) -> None:
        ttl = self.settings.balance_hint_seconds
        if ttl <= 0:
            return
        with self._cache_lock:
            if len(self._balances) >= MAX_CACHED_ROWS:
                self._balances.clear()
            self._balances[(account, asset)] = (time.monotonic() + ttl, balance)

    def note_balances(self, tx: Transaction) -> None:
        """Remember the balances a transaction left (its post-commit volumes)."""
        for account, asset, inputs, outputs in tx.volumes_after or ():
            if account.startswith("wallets:"):
                self._note_balance(account, asset, inputs - outputs)

    def balance_of(self, wallet: Row) -> Any:
        from coffer.ledger import Balance

        balances = self.ledger.balances(wallet["account"])
        return balances.get(currencies.asset(wallet["currency"]), Balance(0, 0, 0, 0, 0))

    # -- ledger --------------------------------------------------------------------------

    def run(
        self,
        template: str,
        variables: Mapping[str, str],
        *,
        key: str | None,
        kind: str,
        object_id: str,
        pending: bool = False,
        timeout_seconds: float | None = None,
        reference: str | None = None,
    ) -> Transaction | Hold:
        """Run a template. ``key`` (the ledger idempotency key, ``wallets:`` prefixed)
        returns the first result to a retry; ``reference`` (unique in the ledger) refuses
        a second transaction for the same request even when its metadata differ."""
        item = self.script(
            template,
            variables,
            key=key,
            kind=kind,
            object_id=object_id,
            pending=pending,
            timeout_seconds=timeout_seconds,
            reference=reference,
        )
        result = self.ledger.post_many([item])[0]
        if isinstance(result, CofferError):
            raise in_wallet_terms(result)
        assert isinstance(result, Transaction | Hold)
        return result

    def post_hold(
        self, hold_id: int, amount: int | None = None, *, key: str, kind: str, object_id: str
    ) -> Transaction:
        """Post a hold (in full, or ``amount`` of it) with the metadata every movement
        carries (``wallets_type``, ``wallets_id``: what a statement line says it was)."""
        return self.ledger.post_pending(
            hold_id,
            amount,
            idempotency_key=f"wallets:{key}",
            metadata={"wallets_type": kind, "wallets_id": object_id},
        )

    @staticmethod
    def script(
        template: str,
        variables: Mapping[str, str],
        *,
        key: str | None,
        kind: str,
        object_id: str,
        pending: bool = False,
        timeout_seconds: float | None = None,
        reference: str | None = None,
        extra_metadata: Mapping[str, str] | None = None,
    ) -> ScriptRequest:
        """The ledger request :meth:`run` makes, for a ``post_many`` batch of several."""
        return ScriptRequest(
            template,
            vars=variables,
            metadata={"wallets_type": kind, "wallets_id": object_id, **(extra_metadata or {})},
            reference=reference,
            idempotency_key=None if key is None else f"wallets:{key}",
            pending=pending,
            timeout_seconds=timeout_seconds,
        )

    def cas(
        self,
        table: sa.Table,
        object_id: str,
        compute: Callable[[Row], Mapping[str, Any]],
        *,
        event: Callable[[Row], tuple[str, BaseModel]] | None = None,
    ) -> Row:
        """Compare-and-swap an update computed from the current row (bounded retries)."""
        for _ in range(MAX_CAS_RETRIES):
            with self.unit() as connection:
                row = R.get(connection, table, object_id, for_update=True)
                if row is None:
                    raise ResourceNotFound(f"{object_id!r} does not exist")
                values = compute(row)
                statement = sa.update(table).where(table.c.id == object_id)
                for column in values:
                    if column in row:
                        statement = statement.where(table.c[column] == row[column])
                changed = {**values, "updated_at": R.now_micros()}
                if connection.execute(statement.values(**changed)).rowcount == 1:
                    new_row = {**row, **changed}
                    if event is not None:
                        self.event(connection, *event(new_row))
                    return new_row
        raise Conflict(f"{object_id} is being changed concurrently; retry")


class Wallets:
    """Customers, KYC, wallets, transfers and merchant payments (escrow included)."""

    def __init__(self, core: WalletsCore) -> None:
        self.core = core
        # where recover_transfers stopped: the end of its last window, or a page cursor
        self._recovered_until: datetime | None = None
        self._recovery_window_end: datetime | None = None
        self._recovery_cursor: str | None = None

    # -- customers -----------------------------------------------------------------------

    def create_customer(
        self, request: S.CustomerCreate, *, idempotency_key: str | None = None
    ) -> S.Customer:
        core = self.core
        payload = request.model_dump(mode="json")

        def create(connection: sa.Connection) -> str:
            customer_id = R.new_id("cus")
            now = R.now_micros()
            encrypt = core.cipher.encrypt
            R.insert(
                connection,
                T.customers,
                {
                    "id": customer_id,
                    "kind": request.kind,
                    "kyc_level": "none",
                    "name_enc": encrypt(request.name, context="customer.name"),
                    "email_enc": encrypt(request.email, context="customer.email"),
                    "birth_date_enc": encrypt(request.birth_date, context="customer.birth_date"),
                    "address_enc": encrypt(
                        None if request.address is None else request.address.model_dump_json(),
                        context="customer.address",
                    ),
                    "metadata": json.dumps(request.metadata),
                    "created_at": now,
                    "updated_at": now,
                },
            )
            core.event(
                connection,
                "customer.created",
                S.RedactedCustomer(
                    id=customer_id,
                    kind=request.kind,
                    kyc_level="none",
                    metadata=request.metadata,
                    created_at=_dt(now),
                ),
            )
            return customer_id

        customer_id, _ = core.create_once(
            key=idempotency_key, operation="customer", payload=payload, create=create
        )
        return self.customer(customer_id)

    def customer(self, customer_id: str) -> S.Customer:
        with self.core.unit() as connection:
            return self._customer_model(self.core.customer_row(connection, customer_id))

    def customers(self, query: S.ListQuery | None = None, **filters: Any) -> S.ListPage[S.Customer]:
        rows, more = self.core.list_rows("customers", S.ListQuery.of(query, filters))
        return S.ListPage[S.Customer](data=[self._customer_model(r) for r in rows], has_more=more)

    def _customer_model(self, row: Row) -> S.Customer:
        decrypt = self.core.cipher.decrypt
        address = decrypt(row["address_enc"], context="customer.address")
        return S.Customer(
            id=row["id"],
            kind=row["kind"],
            kyc_level=row["kyc_level"],
            name=decrypt(row["name_enc"], context="customer.name") or "",
            email=decrypt(row["email_enc"], context="customer.email"),
            birth_date=decrypt(row["birth_date_enc"], context="customer.birth_date"),
            address=None if address is None else S.Address.model_validate_json(address),
            metadata=json.loads(row["metadata"]),
            created_at=_dt(row["created_at"]),
        )

    # -- KYC -----------------------------------------------------------------------------

    def submit_kyc_document(
        self,
        customer_id: str,
        request: S.KycDocumentCreate,
        *,
        idempotency_key: str | None = None,
    ) -> S.KycDocument:
        """Submit a document. The sandbox reviewer decides by its name: a name containing
        ``refuse`` is refused, one containing ``review`` waits for an operator, any other is
        validated (and raises the customer to the document's level)."""
        core = self.core
        payload = {"customer_id": customer_id, **request.model_dump(mode="json")}

        def create(connection: sa.Connection) -> str:
            core.customer_row(connection, customer_id)
            document_id = R.new_id("doc")
            now = R.now_micros()
            R.insert(
                connection,
                T.kyc_documents,
                {
                    "id": document_id,
                    "customer_id": customer_id,
                    "type": request.type,
                    "level": request.level,
                    "name_enc": core.cipher.encrypt(request.name, context="kyc_document.name"),
                    "status": "validation_asked",
                    "refused_reason": None,
                    "created_at": now,
                    "updated_at": now,
                },
            )
            core.event(
                connection,
                "kyc_document.created",
                self._kyc_document_model(R.get(connection, T.kyc_documents, document_id) or {}),
            )
            return document_id

        document_id, created = core.create_once(
            key=idempotency_key, operation="kyc_document", payload=payload, create=create
        )
        if created:
            name = request.name.lower()
            if "refuse" in name:
                return self.review_kyc_document(document_id, approve=False, reason="unreadable")
            if "review" not in name:
                return self.review_kyc_document(document_id, approve=True)
        return self.kyc_document(document_id)

    def review_kyc_document(
        self, document_id: str, *, approve: bool, reason: str | None = None
    ) -> S.KycDocument:
        core = self.core
        with core.unit() as connection:
            document = R.get(connection, T.kyc_documents, document_id, for_update=True)
            if document is None:
                raise ResourceNotFound(f"KYC document {document_id!r} does not exist")
            status = "validated" if approve else "refused"
            if not R.update(
                connection,
                T.kyc_documents,
                document_id,
                {"status": status, "refused_reason": None if approve else (reason or "refused")},
                expect_status=["validation_asked"],
            ):
                raise InvalidState(
                    f"KYC document {document_id} was already {document['status']}",
                    status=document["status"],
                )
            core.event(
                connection,
                f"kyc_document.{status}",
                self._kyc_document_model(R.get(connection, T.kyc_documents, document_id) or {}),
            )
            if approve:
                customer = core.customer_row(connection, document["customer_id"])
                current = KYC_LEVELS.index(customer["kyc_level"])
                if KYC_LEVELS.index(document["level"]) > current:
                    R.update(
                        connection, T.customers, customer["id"], {"kyc_level": document["level"]}
                    )
                    core.event(
                        connection,
                        "customer.kyc_level_changed",
                        redacted_customer({**customer, "kyc_level": document["level"]}),
                    )
                    core.forget_customer(connection, customer["id"])
        core.drop_cached("customer", document["customer_id"])  # again, now committed
        return self.kyc_document(document_id)

    def kyc_document(self, document_id: str) -> S.KycDocument:
        with self.core.unit() as connection:
            row = R.get(connection, T.kyc_documents, document_id)
        if row is None:
            raise ResourceNotFound(f"KYC document {document_id!r} does not exist")
        return self._kyc_document_model(row)

    def kyc_documents(
        self, query: S.ListQuery | None = None, **filters: Any
    ) -> S.ListPage[S.KycDocument]:
        rows, more = self.core.list_rows("kyc_documents", S.ListQuery.of(query, filters))
        models = [self._kyc_document_model(row) for row in rows]
        return S.ListPage[S.KycDocument](data=models, has_more=more)

    @staticmethod
    def _kyc_document_model(row: Row) -> S.KycDocument:
        return S.KycDocument(
            id=row["id"],
            customer_id=row["customer_id"],
            type=row["type"],
            level=row["level"],
            status=row["status"],
            refused_reason=row["refused_reason"],
            created_at=_dt(row["created_at"]),
        )

    # -- wallets -------------------------------------------------------------------------

    def create_wallet(
        self, request: S.WalletCreate, *, idempotency_key: str | None = None
    ) -> S.Wallet:
        core = self.core
        currency = currencies.check_currency(request.currency)
        payload = request.model_dump(mode="json")

        def create(connection: sa.Connection) -> str:
            core.customer_row(connection, request.customer_id)
            if R.wallet_by_customer_currency(connection, request.customer_id, currency):
                raise Conflict(
                    f"customer {request.customer_id} already has a {currency} wallet",
                    customer_id=request.customer_id,
                    currency=currency,
                )
            wallet_id = R.new_id("wal")
            now = R.now_micros()
            R.insert(
                connection,
                T.wallets,
                {
                    "id": wallet_id,
                    "customer_id": request.customer_id,
                    "kind": "customer",
                    "currency": currency,
                    "account": wallet_account(wallet_id),
                    "status": "active",
                    "description": request.description,
                    "bank_reference": "CFR" + secrets.token_hex(6).upper(),
                    "created_at": now,
                    "updated_at": now,
                },
            )
            core.event(
                connection,
                "wallet.created",
                self._wallet_model(core.wallet_row(connection, wallet_id)),
            )
            return wallet_id

        wallet_id, _ = core.create_once(
            key=idempotency_key, operation="wallet", payload=payload, create=create
        )
        return self.wallet(wallet_id)

    def platform_wallet(self, kind: str, currency: str) -> S.Wallet:
        """The platform's ``fees`` or ``credit`` wallet in ``currency`` (created on use)."""
        if kind not in ("fees", "credit"):
            raise ValidationError("platform wallets are 'fees' and 'credit'")
        currency = currencies.check_currency(currency)
        wallet_id = f"wal_platform_{kind}_{currency}"
        now = R.now_micros()
        with contextlib.suppress(sa.exc.IntegrityError), self.core.unit() as connection:
            R.insert_wallet_if_absent(
                connection,
                {
                    "id": wallet_id,
                    "customer_id": None,
                    "kind": kind,
                    "currency": currency,
                    "account": FEES_ACCOUNT if kind == "fees" else CREDIT_ACCOUNT,
                    "status": "active",
                    "description": f"platform {kind}",
                    "bank_reference": None,
                    "created_at": now,
                    "updated_at": now,
                },
            )
        return self.wallet(wallet_id)

    def wallet(self, wallet_id: str) -> S.Wallet:
        with self.core.unit() as connection:
            row = self.core.wallet_row(connection, wallet_id)
        return self._wallet_model(row)

    def wallets(self, query: S.ListQuery | None = None, **filters: Any) -> S.ListPage[S.Wallet]:
        rows, more = self.core.list_rows("wallets", S.ListQuery.of(query, filters))
        return S.ListPage[S.Wallet](data=[self._wallet_model(r) for r in rows], has_more=more)

    def _wallet_model(self, row: Row) -> S.Wallet:
        balance = self.core.balance_of(row)
        return S.Wallet(
            id=row["id"],
            customer_id=row["customer_id"],
            kind=row["kind"],
            currency=row["currency"],
            status=row["status"],
            balance=balance.balance,
            available=balance.available,
            bank_reference=row["bank_reference"],
            description=row["description"],
            created_at=_dt(row["created_at"]),
        )

    def set_wallet_status(self, wallet_id: str, status: str) -> S.Wallet:
        """Freeze (``frozen``), unfreeze (``active``) or close (``closed``) a wallet."""
        allowed = {"frozen": ["active"], "active": ["frozen"], "closed": ["active", "frozen"]}
        if status not in allowed:
            raise ValidationError("status must be active, frozen or closed")
        core = self.core
        with core.unit() as connection:
            row = core.wallet_row(connection, wallet_id)
            if row["kind"] != "customer":
                raise ValidationError("platform wallets cannot change status")
            if status == "closed" and core.balance_of(row).balance != 0:
                raise InvalidState(
                    f"wallet {wallet_id} still holds money; pay it out before closing it"
                )
            if not R.update(
                connection,
                T.wallets,
                wallet_id,
                {"status": status},
                expect_status=allowed[status],
            ):
                raise InvalidState(
                    f"wallet {wallet_id} is {row['status']}; it cannot become {status}",
                    status=row["status"],
                )
            name = {"frozen": "frozen", "active": "unfrozen", "closed": "closed"}[status]
            core.event(connection, f"wallet.{name}", self._wallet_model({**row, "status": status}))
            core.forget_wallet(connection, wallet_id)
        core.drop_cached("wallet", wallet_id)  # again, now committed
        return self.wallet(wallet_id)

    def statement(
        self, wallet_id: str, *, limit: int = 50, cursor: str | None = None
    ) -> S.Statement:
        """Ledger lines of a wallet, oldest first, each with the running balance after it."""
        import base64

        if not 1 <= limit <= 1000:
            raise ValidationError("limit must be between 1 and 1000")
        wallet = self.wallet(wallet_id)
        with self.core.unit() as connection:
            row = self.core.wallet_row(connection, wallet_id)
        account, asset = row["account"], currencies.asset(row["currency"])
        running = 0
        ledger_cursor = None
        if cursor is not None:
            try:
                state = json.loads(base64.urlsafe_b64decode(cursor.encode()))
                running, ledger_cursor = int(state["balance"]), str(state["cursor"])
            except (ValueError, TypeError, KeyError) as exc:
                raise ValidationError(
                    "invalid cursor: pass the next_cursor of the previous page unchanged"
                ) from exc
        page = self.core.ledger.transactions(
            account=account, page_size=limit, cursor=ledger_cursor, order="asc"
        )
        lines: list[S.StatementLine] = []
        for tx in page.data:
            delta = 0
            for posting in tx.postings:
                if posting.asset != asset:
                    continue
                if posting.destination == account:
                    delta += posting.amount
                if posting.source == account:
                    delta -= posting.amount
            if delta == 0 and not any(p.asset == asset for p in tx.postings):
                continue
            running += delta
            lines.append(
                S.StatementLine(
                    transaction_id=tx.id,
                    timestamp=tx.timestamp,
                    amount=delta,
                    balance=running,
                    type=tx.metadata.get("wallets_type"),
                    reference_id=tx.metadata.get("wallets_id"),
                )
            )
        next_cursor = None
        if page.has_more and page.next_cursor is not None:
            next_cursor = base64.urlsafe_b64encode(
                json.dumps({"balance": running, "cursor": page.next_cursor}).encode()
            ).decode()
        return S.Statement(
            wallet_id=wallet.id,
            currency=wallet.currency,
            data=lines,
            has_more=page.has_more,
            next_cursor=next_cursor,
        )

    # -- transfers -----------------------------------------------------------------------

    def transfer(
        self, request: S.TransferCreate, *, idempotency_key: str | None = None
    ) -> S.Transfer:
        """Move ``amount`` from one wallet to another; ``fee`` of it goes to the platform.

        One transfer of :meth:`transfer_many`: its answer, or its refusal raised.
        """
        result = self.transfer_many([(request, idempotency_key)])[0]
        if isinstance(result, CofferError):
            raise result
        return result

    def transfer_many(
        self, items: Sequence[tuple[S.TransferCreate, str | None]]
    ) -> list[S.Transfer | CofferError]:
        """Several transfers (each with its ``Idempotency-Key`` or None), each succeeding
        or failing alone: one answer per item, the transfer or the error refusing it.

        The hot path, batched (the HTTP server hands it the transfers that arrive
        together): wallet and customer rows come from the cache; one query reads the
        idempotency records of the batch (and wallets not cached); the ledger runs every
        transfer's template in one ``post_many`` (one sequencer submission); then the
        transfer rows, their idempotency records and their events are written in one
        statement. A balance is read from the ledger only when the credited wallet's owner
        has a maximum balance it could reach.

        No row exists before the ledger call, so a crash in between is covered by the
        ledger: with an ``Idempotency-Key`` the transaction carries the reference
        ``wallets:transfer:key:<sha256 of the key>`` (unique in the ledger), so a retry
        cannot move money twice and adopts what the first attempt posted (see
        :meth:`_adopt_transfer`); without a key there is nothing a client could retry with,
        and the ledger transaction (metadata ``wallets_id``) is the record.
        """
        core = self.core
        results: list[S.Transfer | CofferError | None] = [None] * len(items)
        checked: list[_TransferItem] = []
        later: list[int] = []  # a key seen earlier in the batch: answered after it
        keys: set[str] = set()
        for index, (request, key) in enumerate(items):
            try:
                currency = currencies.check_currency(request.currency)
                if request.fee > request.amount:
                    raise ValidationError("the fee cannot exceed the amount", fee=request.fee)
                if request.debited_wallet_id == request.credited_wallet_id:
                    raise ValidationError("a transfer needs two different wallets")
            except CofferError as error:
                results[index] = error
                continue
            if key is not None:
                if key in keys:
                    later.append(index)
                    continue
                keys.add(key)
            payload = request.model_dump(mode="json")
            checked.append(_TransferItem(index, request, key, payload, currency))
        # One short use of a pooled connection (autocommit on PostgreSQL): the idempotency
        # records, and the wallets and customers not cached. None is held while the ledger
        # runs.
        wallet_ids = {
            wallet_id
            for item in checked
            for wallet_id in (item.request.debited_wallet_id, item.request.credited_wallet_id)
        }
        with core.hot_connection() as connection:
            records = R.idempotency_records(connection, sorted(keys))
            wallets = core.cached_wallets(connection, sorted(wallet_ids))
            # their owners, for the KYC limits (one query for those not cached)
            core.cache_customers(
                connection, (w["customer_id"] for w in wallets.values() if w["customer_id"])
            )
        replays: list[tuple[_TransferItem, Row]] = []
        to_run: list[_TransferItem] = []
        credited: dict[str, int] = {}  # what earlier transfers of the batch credit
        for item in checked:
            try:
                record = records.get(item.key) if item.key is not None else None
                if record is not None:
                    if record["request_hash"] != _request_hash("transfer", item.payload):
                        raise self._key_reused(record["key"])
                    replays.append((item, record))
                    continue
                self._check_transfer(item, wallets, credited)
            except CofferError as error:
                results[item.index] = error
                continue
            to_run.append(item)
        outcomes = core.ledger.post_many(
            [
                core.script(
                    N.TRANSFER,
                    self._transfer_variables(item.row),
                    key=None,
                    reference=item.reference,
                    kind="transfer",
                    object_id=item.row["id"],
                    # what recover_transfers needs to rebuild the row after a crash
                    extra_metadata=(
                        {"wallets_metadata": item.row["metadata"]}
                        if item.request.metadata
                        else None
                    ),
                )
                for item in to_run
            ]
        )
        written: list[_TransferItem] = []
        adopt: list[_TransferItem] = []
        for item, outcome in zip(to_run, outcomes, strict=True):
            if isinstance(outcome, Transaction):
                item.row["ledger_tx_id"] = outcome.id
                core.note_balances(outcome)
            elif isinstance(outcome, InsufficientFunds):
                item.row.update(status="failed", failure_code=outcome.code)
                item.error = in_wallet_terms(outcome)
            elif isinstance(outcome, DuplicateReference) and item.key is not None:
                adopt.append(item)
                continue
            else:  # another refusal (a Hold or a DryRun cannot come back from this template)
                assert isinstance(outcome, CofferError), outcome
                results[item.index] = outcome
                continue
            written.append(item)
        self._write_transfers(written, results)
        for item, record in replays:
            results[item.index] = self._answer(self._transfer_replay, str(record["resource_id"]))
        for item in adopt:
            assert item.key is not None and item.reference is not None
            results[item.index] = self._answer(
                self._adopt_transfer, item.row, item.reference, item.key, item.payload
            )
        for index in later:
            request, key = items[index]
            results[index] = self._answer(self.transfer, request, idempotency_key=key)
        assert all(result is not None for result in results)
        return [result for result in results if result is not None]

    @staticmethod
    def _answer(
        call: Callable[..., S.Transfer], *args: Any, **kwargs: Any
    ) -> S.Transfer | CofferError:
        try:
            return call(*args, **kwargs)
        except CofferError as error:
            return error

    @staticmethod
    def _key_reused(key: str) -> IdempotencyConflict:
        return IdempotencyConflict(
            f"Idempotency-Key {key!r} was already used with a different request; "
            "use a new key for a new request"
        )

    def _check_transfer(
        self, item: _TransferItem, wallets: Mapping[str, Row], credited: dict[str, int]
    ) -> None:
        """Refuse a transfer that cannot run, or give it its row (``item.row``)."""
        core = self.core
        request = item.request
        for wallet_id in (request.debited_wallet_id, request.credited_wallet_id):
            if wallet_id not in wallets:
                raise WalletNotFound(f"wallet {wallet_id!r} does not exist")
        debited = wallets[request.debited_wallet_id]
        credited_wallet = wallets[request.credited_wallet_id]
        core.check_currency(debited, item.currency)
        core.check_currency(credited_wallet, item.currency)
        core.check_can_send(debited)
        core.check_can_receive(credited_wallet)
        receiving = request.amount - request.fee
        core.check_limits(None, debited, request.amount, sending=True)
        core.check_limits(
            None,
            credited_wallet,
            request.amount,
            receiving=receiving,
            credited_before=credited.get(credited_wallet["id"], 0),
        )
        credited[credited_wallet["id"]] = credited.get(credited_wallet["id"], 0) + receiving
        now = R.now_micros()
        item.row = {
            "id": R.new_id("tr"),
            "debited_wallet_id": debited["id"],
            "credited_wallet_id": credited_wallet["id"],
            "currency": item.currency,
            "amount": request.amount,
            "fee": request.fee,
            "status": "succeeded",
            "failure_code": None,
            "ledger_tx_id": None,
            "metadata": json.dumps(request.metadata),
            "created_at": now,
            "updated_at": now,
        }
        if item.key is not None:
            item.reference = "wallets:transfer:key:" + R.sha256_hex(item.key)

    def _write_transfers(
        self, items: list[_TransferItem], results: list[S.Transfer | CofferError | None]
    ) -> None:
        """Write the rows of transfers the ledger ran (or refused for funds), their
        idempotency records and events, in one statement; answer each in ``results``.

        When a concurrent request with one of the keys wrote first (or the writes
        deadlocked), each transfer is written alone, and the one whose twin won gets the
        twin's answer."""
        if not items:
            return
        rows = [item.row for item in items]
        records = [
            R.idempotency_values(
                item.key, _request_hash("transfer", item.payload), "transfer", item.row["id"]
            )
            for item in items
            if item.key is not None
        ]
        events = [
            R.event_values(
                f"transfer.{item.row['status']}", event_data(self._transfer_model(item.row))
            )
            for item in items
        ]
        try:
            with self.core.hot_connection() as connection:
                R.insert_rows(
                    connection,
                    [(T.transfers, rows), (T.idempotency_keys, records), (T.events, events)],
                )
        except (sa.exc.IntegrityError, sa.exc.OperationalError):
            if len(items) == 1 and items[0].key is None:
                raise
            for item in items:
                results[item.index] = self._write_one(item)
            return
        for item in items:
            results[item.index] = item.error or self._transfer_model(item.row)

    def _write_one(self, item: _TransferItem) -> S.Transfer | CofferError:
        writes: list[tuple[sa.Table, Mapping[str, Any]]] = [(T.transfers, item.row)]
        if item.key is not None:
            writes.append(
                (
                    T.idempotency_keys,
                    R.idempotency_values(
                        item.key,
                        _request_hash("transfer", item.payload),
                        "transfer",
                        item.row["id"],
                    ),
                )
            )
        event = event_data(self._transfer_model(item.row))
        writes.append((T.events, R.event_values(f"transfer.{item.row['status']}", event)))
        try:
            with self.core.hot_connection() as connection:
                R.insert_all(connection, writes)
        except (sa.exc.IntegrityError, sa.exc.OperationalError):
            if item.key is None:
                raise
            # a concurrent request with the same key (its twin) wrote first, or the two
            # writes deadlocked: the twin's record is the answer
            return self._answer(self._twin_answer, item.key, item.payload)
        return item.error or self._transfer_model(item.row)

    @staticmethod
    def _transfer_variables(row: Row) -> dict[str, str]:
        currency = row["currency"]
        return {
            "from": wallet_account(row["debited_wallet_id"]),
            "to": wallet_account(row["credited_wallet_id"]),
            "amount": currencies.monetary(currency, row["amount"]),
            "fee": currencies.monetary(currency, row["fee"]),
        }

    def _transfer_replay(self, transfer_id: str) -> S.Transfer:
        """The first answer to a transfer request: its row, or the error it failed with."""
        with self.core.unit() as connection:
            row = R.get(connection, T.transfers, transfer_id)
        if row is None:
            raise ResourceNotFound(f"transfer {transfer_id!r} does not exist")
        if row["status"] == "pending":
            return self._complete_transfer(transfer_id)
        if row["status"] == "failed":
            raise _error_from_code(row["failure_code"])
        return self._transfer_model(row)

    def _adopt_transfer(
        self, row: dict[str, Any], reference: str, key: str, payload: Mapping[str, Any]
    ) -> S.Transfer:
        """The ledger already holds a transaction for this Idempotency-Key: a first attempt
        that crashed before writing its row (adopt that transaction, under the id it
        carries), or a concurrent twin (whose row is read back), or the key reused for
        another transfer (refused)."""
        core = self.core
        with core.unit() as connection:
            record = core.replayed(connection, key, "transfer", payload)
        if record is not None:
            return self._transfer_replay(str(record["resource_id"]))
        found = core.ledger.transactions(reference=reference, page_size=1).data
        if not found:
            raise Conflict("the ledger refused this transfer's reference; retry")
        tx = found[0]
        moved = sorted((p.source, p.destination, p.amount) for p in tx.postings)
        if moved != self._transfer_legs(row) or tx.metadata.get("wallets_type") != "transfer":
            raise IdempotencyConflict(
                f"Idempotency-Key {key!r} was already used with a different request; "
                "use a new key for a new request",
                ledger_transaction_id=tx.id,
            )
        adopted = {
            **row,
            "id": tx.metadata.get("wallets_id") or row["id"],
            "ledger_tx_id": tx.id,
        }
        event = event_data(self._transfer_model(adopted))
        record_values = R.idempotency_values(
            key, _request_hash("transfer", payload), "transfer", adopted["id"]
        )
        writes: list[tuple[sa.Table, Mapping[str, Any]]] = [
            (T.idempotency_keys, record_values),
            (T.transfers, adopted),
            (T.events, R.event_values("transfer.succeeded", event)),
        ]
        try:
            with core.fast_connection() as connection:
                R.insert_all(connection, writes)
        except (sa.exc.IntegrityError, sa.exc.OperationalError):
            return self._twin_answer(key, payload)
        return self._transfer_model(adopted)

    def _twin_answer(self, key: str, payload: Mapping[str, Any]) -> S.Transfer:
        """The answer a concurrent request with the same key wrote (bounded wait)."""
        for attempt in range(50):
            with self.core.unit() as connection:
                record = self.core.replayed(connection, key, "transfer", payload)
            if record is not None:
                return self._transfer_replay(str(record["resource_id"]))
            time.sleep(0.01 * (attempt + 1))
        raise Conflict(f"Idempotency-Key {key!r} is being used by a concurrent request; retry")

    @staticmethod
    def _transfer_legs(row: Row) -> list[tuple[str, str, int]]:
        """(source, destination, amount) the TRANSFER template posts for ``row``."""
        source = wallet_account(row["debited_wallet_id"])
        legs = [
            (source, FEES_ACCOUNT, row["fee"]),
            (source, wallet_account(row["credited_wallet_id"]), row["amount"] - row["fee"]),
        ]
        return sorted(leg for leg in legs if leg[2])

    def _complete_transfer(self, transfer_id: str) -> S.Transfer:
        core = self.core
        with core.unit() as connection:
            row = R.get(connection, T.transfers, transfer_id)
        if row is None:
            raise ResourceNotFound(f"transfer {transfer_id!r} does not exist")
        if row["status"] == "pending":
            currency = row["currency"]
            try:
                tx = core.run(
                    N.TRANSFER,
                    {
                        "from": wallet_account(row["debited_wallet_id"]),
                        "to": wallet_account(row["credited_wallet_id"]),
                        "amount": currencies.monetary(currency, row["amount"]),
                        "fee": currencies.monetary(currency, row["fee"]),
                    },
                    key=f"transfer:{transfer_id}",
                    kind="transfer",
                    object_id=transfer_id,
                )
            except InsufficientFunds as error:
                row = self._finish(
                    T.transfers, row, "failed", "transfer.failed", failure_code=error.code
                )
                raise
            row = self._finish(
                T.transfers, row, "succeeded", "transfer.succeeded", ledger_tx_id=tx.id
            )
        if row["status"] == "failed":
            raise _error_from_code(row["failure_code"])
        return self._transfer_model(row)

    def _finish(
        self, table: sa.Table, row: Row, status: str, event_type: str, **values: Any
    ) -> Row:
        """Move a ``pending`` row to its final state and write its event, atomically."""
        core = self.core
        with core.unit() as connection:
            changed = R.update(
                connection,
                table,
                row["id"],
                {"status": status, **values},
                expect_status=["pending"],
            )
            fresh = R.get(connection, table, row["id"])
            assert fresh is not None
            if changed:
                core.event(connection, event_type, self._resource(table, fresh))
        return fresh

    def _resource(self, table: sa.Table, row: Row) -> BaseModel:
        """The API's model of a row of ``table`` (what an event about it carries)."""
        if table is T.transfers:
            return self._transfer_model(row)
        if table is T.payments:
            return self._payment_model(row)
        assert table is T.refunds, table
        return refund_model(row)

    def transfer_by_id(self, transfer_id: str) -> S.Transfer:
        with self.core.unit() as connection:
            row = R.get(connection, T.transfers, transfer_id)
        if row is None:
            raise ResourceNotFound(f"transfer {transfer_id!r} does not exist")
        return self._transfer_model(row)

    def transfers(self, query: S.ListQuery | None = None, **filters: Any) -> S.ListPage[S.Transfer]:
        rows, more = self.core.list_rows("transfers", S.ListQuery.of(query, filters))
        return S.ListPage[S.Transfer](data=[self._transfer_model(r) for r in rows], has_more=more)

    @staticmethod
    def _transfer_model(row: Row) -> S.Transfer:
        return S.Transfer(
            id=row["id"],
            debited_wallet_id=row["debited_wallet_id"],
            credited_wallet_id=row["credited_wallet_id"],
            amount=row["amount"],
            fee=row["fee"],
            credited_amount=row["amount"] - row["fee"],
            currency=row["currency"],
            status=row["status"],
            failure_code=row["failure_code"],
            ledger_transaction_id=row["ledger_tx_id"],
            metadata=json.loads(row["metadata"]),
            created_at=_dt(row["created_at"]),
        )

    # -- merchant payments and escrow ---------------------------------------------------

    def create_payment(
        self, request: S.PaymentCreate, *, idempotency_key: str | None = None
    ) -> S.Payment:
        """Authorize a payment from a buyer's wallet to a seller's: the amount is held in
        the ledger (a pending transaction into ``payments:<id>``) until captured or voided.
        With ``capture=True`` it is captured at once."""
        core = self.core
        currency = currencies.check_currency(request.currency)
        if request.fee > request.amount:
            raise ValidationError("the fee cannot exceed the amount", fee=request.fee)
        if request.buyer_wallet_id == request.seller_wallet_id:
            raise ValidationError("buyer and seller wallets must differ")
        payload = request.model_dump(mode="json")

        def create(connection: sa.Connection) -> str:
            buyer = core.wallet_row(connection, request.buyer_wallet_id)
            seller = core.wallet_row(connection, request.seller_wallet_id)
            core.check_currency(buyer, currency)
            core.check_currency(seller, currency)
            core.check_can_send(buyer)
            core.check_can_receive(seller)
            core.check_limits(connection, buyer, request.amount, sending=True)
            core.check_limits(
                connection, seller, request.amount, receiving=request.amount - request.fee
            )
            payment_id = R.new_id("pay")
            now = R.now_micros()
            R.insert(
                connection,
                T.payments,
                {
                    "id": payment_id,
                    "buyer_wallet_id": buyer["id"],
                    "seller_wallet_id": seller["id"],
                    "currency": currency,
                    "amount": request.amount,
                    "fee": request.fee,
                    "captured_amount": 0,
                    "refunded_amount": 0,
                    "escrow": request.escrow,
                    "status": "pending",
                    "escrow_status": None,
                    "failure_code": None,
                    "hold_id": None,
                    "metadata": json.dumps(request.metadata),
                    "created_at": now,
                    "updated_at": now,
                },
            )
            return payment_id

        payment_id, _ = core.create_once(
            key=idempotency_key, operation="payment", payload=payload, create=create
        )
        payment = self._authorize(payment_id)
        if request.capture and payment.status == "authorized":
            payment = self.capture_payment(payment_id)
        return payment

    def _payment_row(self, payment_id: str) -> Row:
        with self.core.unit() as connection:
            row = R.get(connection, T.payments, payment_id)
        if row is None:
            raise ResourceNotFound(f"payment {payment_id!r} does not exist")
        return row

    def _authorize(self, payment_id: str) -> S.Payment:
        core = self.core
        row = self._payment_row(payment_id)
        if row["status"] == "pending":
            try:
                hold = core.run(
                    N.MOVE,
                    {
                        "from": wallet_account(row["buyer_wallet_id"]),
                        "to": f"payments:{payment_id}",
                        "amount": currencies.monetary(row["currency"], row["amount"]),
                    },
                    key=f"payment:{payment_id}:authorize",
                    kind="payment",
                    object_id=payment_id,
                    pending=True,
                    timeout_seconds=core.settings.authorization_expiry_seconds,
                )
            except InsufficientFunds as error:
                row = self._finish(
                    T.payments, row, "failed", "payment.failed", failure_code=error.code
                )
                raise
            row = self._finish(T.payments, row, "authorized", "payment.authorized", hold_id=hold.id)
        if row["status"] == "failed":
            raise _error_from_code(row["failure_code"])
        return self._payment_model(row)

    def capture_payment(self, payment_id: str, amount: int | None = None) -> S.Payment:
        """Capture all or part of the authorization; the rest is released. Without escrow
        the captured amount is settled at once (fee to the platform, rest to the seller)."""
        core = self.core
        row = self._payment_row(payment_id)
        if row["status"] != "authorized":
            raise InvalidState(
                f"payment {payment_id} is {row['status']}; only an authorized payment can be "
                "captured",
                status=row["status"],
            )
        captured = row["amount"] if amount is None else amount
        if captured <= 0:
            raise ValidationError("the capture amount must be positive")
        if captured > row["amount"]:
            raise CaptureExceedsAuthorization(
                f"cannot capture {captured}: only {row['amount']} {row['currency']} was authorized",
                authorized=row["amount"],
                requested=captured,
            )
        try:
            core.post_hold(
                row["hold_id"],
                captured,
                key=f"payment:{payment_id}:capture",
                kind="payment",
                object_id=payment_id,
            )
        except (HoldStateError, IdempotencyConflict) as error:
            raise InvalidState(
                f"payment {payment_id} can no longer be captured: {error.message}"
            ) from error
        fee = min(row["fee"], captured)
        with core.unit() as connection:
            R.update(
                connection,
                T.payments,
                payment_id,
                {
                    "status": "captured",
                    "captured_amount": captured,
                    "fee": fee,
                    "escrow_status": "held" if row["escrow"] else None,
                },
                expect_status=["authorized"],
            )
            fresh = R.get(connection, T.payments, payment_id)
            assert fresh is not None
            core.event(connection, "payment.captured", self._payment_model(fresh))
        if not row["escrow"]:
            self._settle(fresh)
        return self._payment_model(self._payment_row(payment_id))

    def _settle(self, row: Row) -> None:
        self.core.run(
            N.SETTLE,
            {
                "from": f"payments:{row['id']}",
                "to": wallet_account(row["seller_wallet_id"]),
                "amount": currencies.monetary(row["currency"], row["captured_amount"]),
                "fee": currencies.monetary(row["currency"], row["fee"]),
            },
            key=f"payment:{row['id']}:settle",
            kind="payment",
            object_id=row["id"],
        )

    def void_payment(self, payment_id: str) -> S.Payment:
        core = self.core
        row = self._payment_row(payment_id)
        if row["status"] != "authorized":
            raise InvalidState(
                f"payment {payment_id} is {row['status']}; only an authorized payment can be "
                "voided",
                status=row["status"],
            )
        try:
            core.ledger.void_pending(
                row["hold_id"], idempotency_key=f"wallets:payment:{payment_id}:void"
            )
        except (HoldStateError, IdempotencyConflict) as error:
            raise InvalidState(f"payment {payment_id} cannot be voided: {error.message}") from error
        core.cas(
            T.payments,
            payment_id,
            lambda r: {"status": "voided"},
            event=lambda r: ("payment.voided", self._payment_model(r)),
        )
        return self._payment_model(self._payment_row(payment_id))

    def release_escrow(self, payment_id: str) -> S.Payment:
        """Pay the escrowed amount to the seller (minus the platform fee)."""
        return self._end_escrow(payment_id, release=True)

    def return_escrow(self, payment_id: str) -> S.Payment:
        """Give the escrowed amount back to the buyer (no fee is taken)."""
        return self._end_escrow(payment_id, release=False)

    def _end_escrow(self, payment_id: str, *, release: bool) -> S.Payment:
        core = self.core
        row = self._payment_row(payment_id)
        if row["escrow_status"] != "held":
            raise InvalidState(
                f"payment {payment_id} has no escrow held (escrow status: {row['escrow_status']})",
                escrow_status=row["escrow_status"],
            )
        if release:
            with core.unit() as connection:
                seller = core.wallet_row(connection, row["seller_wallet_id"])
            core.check_can_receive(seller)
            self._settle(row)
        else:
            core.run(
                N.MOVE,
                {
                    "from": f"payments:{payment_id}",
                    "to": wallet_account(row["buyer_wallet_id"]),
                    "amount": currencies.monetary(row["currency"], row["captured_amount"]),
                },
                key=f"payment:{payment_id}:return",
                kind="escrow_return",
                object_id=payment_id,
            )
        status = "released" if release else "returned"

        def compute(current: Row) -> dict[str, Any]:
            if current["escrow_status"] != "held":
                raise InvalidState(f"escrow of {payment_id} is already {current['escrow_status']}")
            return {"escrow_status": status}

        core.cas(
            T.payments,
            payment_id,
            compute,
            event=lambda r: (f"escrow.{status}", self._payment_model(r)),
        )
        return self._payment_model(self._payment_row(payment_id))

    def refund_payment(
        self, payment_id: str, amount: int | None = None, *, idempotency_key: str | None = None
    ) -> S.Refund:
        """Refund a captured (and, with escrow, released) payment from the seller's wallet
        to the buyer's, in full or in part, several times up to the captured amount."""
        core = self.core
        row = self._payment_row(payment_id)
        if row["status"] != "captured" or row["escrow_status"] not in (None, "released"):
            raise InvalidState(
                f"payment {payment_id} is {row['status']} (escrow {row['escrow_status']}); "
                "refund a captured payment, or return the escrow instead",
                status=row["status"],
            )
        refundable = row["captured_amount"] - row["refunded_amount"]
        wanted = refundable if amount is None else amount
        payload = {"payment_id": payment_id, "amount": amount}

        def reserve(current: Row) -> dict[str, Any]:
            left = current["captured_amount"] - current["refunded_amount"]
            if wanted <= 0 or wanted > left:
                raise RefundExceedsCaptured(
                    f"cannot refund {wanted}: {left} {current['currency']} of the captured "
                    f"{current['captured_amount']} is left to refund",
                    refundable=left,
                    requested=wanted,
                )
            return {"refunded_amount": current["refunded_amount"] + wanted}

        def create(connection: sa.Connection) -> str:
            return R.insert_pending_refund(
                connection, "payment", payment_id, row["currency"], wanted
            )

        with core.unit() as connection:
            record = core.replayed(connection, idempotency_key, "refund", payload)
        if record is not None:
            return self._complete_payment_refund(str(record["resource_id"]))
        core.cas(T.payments, payment_id, reserve)
        try:
            refund_id, _ = core.create_once(
                key=idempotency_key, operation="refund", payload=payload, create=create
            )
        except CofferError:
            core.cas(
                T.payments,
                payment_id,
                lambda r: {"refunded_amount": r["refunded_amount"] - wanted},
            )
            raise
        return self._complete_payment_refund(refund_id)

    def _complete_payment_refund(self, refund_id: str) -> S.Refund:
        core = self.core
        with core.unit() as connection:
            refund = R.get(connection, T.refunds, refund_id)
        assert refund is not None
        if refund["status"] == "pending":
            payment = self._payment_row(refund["target_id"])
            try:
                tx = core.run(
                    N.MOVE,
                    {
                        "from": wallet_account(payment["seller_wallet_id"]),
                        "to": wallet_account(payment["buyer_wallet_id"]),
                        "amount": currencies.monetary(refund["currency"], refund["amount"]),
                    },
                    key=f"refund:{refund_id}",
                    kind="refund",
                    object_id=refund_id,
                )
            except InsufficientFunds as error:
                amount = refund["amount"]
                core.cas(
                    T.payments,
                    payment["id"],
                    lambda r: {"refunded_amount": r["refunded_amount"] - amount},
                )
                refund = self._finish(
                    T.refunds, refund, "failed", "refund.failed", failure_code=error.code
                )
                raise
            refund = self._finish(
                T.refunds, refund, "succeeded", "refund.succeeded", ledger_tx_id=tx.id
            )
        if refund["status"] == "failed":
            raise _error_from_code(refund["failure_code"])
        return refund_model(refund)

    def payment(self, payment_id: str) -> S.Payment:
        return self._payment_model(self._payment_row(payment_id))

    def payments(self, query: S.ListQuery | None = None, **filters: Any) -> S.ListPage[S.Payment]:
        rows, more = self.core.list_rows("payments", S.ListQuery.of(query, filters))
        return S.ListPage[S.Payment](data=[self._payment_model(r) for r in rows], has_more=more)

    def refund(self, refund_id: str) -> S.Refund:
        """A refund, of a payment or of a pay-in."""
        with self.core.unit() as connection:
            row = R.get(connection, T.refunds, refund_id)
        if row is None:
            raise ResourceNotFound(f"refund {refund_id!r} does not exist")
        return refund_model(row)

    def refunds(self, query: S.ListQuery | None = None, **filters: Any) -> S.ListPage[S.Refund]:
        """Refunds of payments and of pay-ins (``wallet_id``: the wallets they move)."""
        rows, more = self.core.list_rows("refunds", S.ListQuery.of(query, filters))
        return S.ListPage[S.Refund](data=[refund_model(r) for r in rows], has_more=more)

    @staticmethod
    def _payment_model(row: Row) -> S.Payment:
        return S.Payment(
            id=row["id"],
            buyer_wallet_id=row["buyer_wallet_id"],
            seller_wallet_id=row["seller_wallet_id"],
            amount=row["amount"],
            fee=row["fee"],
            captured_amount=row["captured_amount"],
            refunded_amount=row["refunded_amount"],
            currency=row["currency"],
            escrow=bool(row["escrow"]),
            status=row["status"],
            escrow_status=row["escrow_status"],
            failure_code=row["failure_code"],
            metadata=json.loads(row["metadata"]),
            created_at=_dt(row["created_at"]),
        )

    # -- recovery ------------------------------------------------------------------------

    def recover_transfers(
        self,
        *,
        since: datetime | None = None,
        older_than_seconds: float = 30.0,
        limit: int = 10_000,
        span: int = 1_000_000,
    ) -> int:
        """Write the rows of transfers the ledger ran but a crash kept from being recorded.

        The hot path writes a transfer's row only after the ledger posted it; a crash in
        between leaves the ledger transaction (metadata ``wallets_type=transfer``,
        ``wallets_id``, and ``wallets_metadata`` when the transfer had metadata) as the only
        trace. This reads such transactions, in order, from ``since`` (default: where the
        previous call stopped, else 24 hours ago) to ``older_than_seconds`` ago (younger ones
        may still be writing their row), at most ``limit`` per call, and writes each missing
        row with its ``transfer.succeeded`` event, as the request would have. Returns how
        many it wrote. The wallets worker runs it with its housekeeping.

        A window reads at most the ledger's last ``span`` transactions (transactions are
        found by id, not by time): the first call of a worker does not read the whole
        history of a large ledger.
        """
        core = self.core
        cursor = None if since is not None else self._recovery_cursor
        if cursor is None:
            now = datetime.now(UTC)
            start = since or self._recovered_until or now - timedelta(days=1)
            end = now - timedelta(seconds=older_than_seconds)
            if end <= start:
                return 0
            self._recovery_window_end = end
            newest = core.ledger.transactions(page_size=1).data
            since_id = max(0, newest[0].id - span + 1) if newest else 0
        written = 0
        seen = 0
        while seen < limit:
            size = min(1_000, limit - seen)
            if cursor is None:
                page = core.ledger.transactions(
                    metadata={"wallets_type": "transfer"},
                    start_time=start,
                    end_time=end,
                    order="asc",
                    page_size=size,
                    since_id=since_id,
                )
            else:  # the cursor keeps the window's filters
                page = core.ledger.transactions(cursor=cursor, page_size=size)
            seen += len(page.data)
            ids = [str(tx.metadata.get("wallets_id")) for tx in page.data]
            with core.unit() as connection:
                present = R.get_many(connection, T.transfers, ids)
            for tx in page.data:
                if tx.metadata.get("wallets_id") not in present and self._recover_transfer(tx):
                    written += 1
            cursor = page.next_cursor if page.has_more else None
            if cursor is None:
                break
        # stopped at the limit: the next call goes on from there; else the next window
        # starts where this one ended
        self._recovery_cursor = cursor
        if cursor is None:
            self._recovered_until = self._recovery_window_end
        return written

    def _recover_transfer(self, tx: Transaction) -> bool:
        """Write the row and event of the transfer ``tx`` posted; False if it is not one
        the TRANSFER template made, or its row exists by now."""
        wallet_prefix = wallet_account("")
        sources = {p.source for p in tx.postings}
        credited = [p for p in tx.postings if p.destination != FEES_ACCOUNT]
        if len(sources) != 1 or len(credited) != 1 or not tx.postings:
            return False
        source = sources.pop()
        destination = credited[0].destination
        if not source.startswith(wallet_prefix) or not destination.startswith(wallet_prefix):
            return False
        created = int(tx.timestamp.timestamp() * 1_000_000)
        row = {
            "id": str(tx.metadata["wallets_id"]),
            "debited_wallet_id": source[len(wallet_prefix) :],
            "credited_wallet_id": destination[len(wallet_prefix) :],
            "currency": tx.postings[0].asset.split("/")[0],
            "amount": sum(p.amount for p in tx.postings),
            "fee": sum(p.amount for p in tx.postings if p.destination == FEES_ACCOUNT),
            "status": "succeeded",
            "failure_code": None,
            "ledger_tx_id": tx.id,
            "metadata": tx.metadata.get("wallets_metadata") or "{}",
            "created_at": created,
            "updated_at": R.now_micros(),
        }
        event = R.event_values("transfer.succeeded", event_data(self._transfer_model(row)))
        try:
            with self.core.fast_connection() as connection:
                R.insert_all(connection, [(T.transfers, row), (T.events, event)])
        except sa.exc.IntegrityError:  # written meanwhile (by the request, or another worker)
            return False
        return True

    def resume_pending(self, *, older_than_seconds: float = 30.0, limit: int = 100) -> int:
        """Complete transfers and payments a crash left ``pending`` (ledger keys make the
        retry safe). Returns how many were looked at."""
        before = R.now_micros() - int(older_than_seconds * 1_000_000)
        with self.core.unit() as connection:
            transfer_ids = R.stuck(connection, T.transfers, before, limit)
            payment_ids = R.stuck(connection, T.payments, before, limit)
        for transfer_id in transfer_ids:
            with contextlib.suppress(CofferError):
                self._complete_transfer(transfer_id)
        for payment_id in payment_ids:
            with contextlib.suppress(CofferError):
                self._authorize(payment_id)
        return len(transfer_ids) + len(payment_ids)


def redacted_customer(row: Row) -> S.RedactedCustomer:
    return S.RedactedCustomer(
        id=row["id"],
        kind=row["kind"],
        kyc_level=row["kyc_level"],
        metadata=json.loads(row["metadata"]),
        created_at=_dt(row["created_at"]),
    )


def refund_model(row: Row) -> S.Refund:
    return S.Refund(
        id=row["id"],
        target_type=row["target_type"],
        target_id=row["target_id"],
        amount=row["amount"],
        currency=row["currency"],
        status=row["status"],
        failure_code=row["failure_code"],
        created_at=_dt(row["created_at"]),
        gateway_ref=row["gateway_ref"],
        origin=row["origin"],
    )
