"""The state every wallets service shares (:class:`WalletsCore`): engine, ledger, cipher,
settings; the row cache and idempotency (mixed in from :mod:`.cache` and
:mod:`.idempotency`); lists; events; wallet checks and KYC limits; and the ledger calls
every money movement makes (a Numscript template with the movement's metadata)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Required, TypedDict, Unpack

import sqlalchemy as sa
from pydantic import BaseModel

from coffer.errors import (
    CofferError,
    Conflict,
    CurrencyMismatch,
    CustomerErased,
    CustomerNotFound,
    KycLimitExceeded,
    RefundExceedsCaptured,
    ResourceNotFound,
    ValidationError,
    WalletClosed,
    WalletFrozen,
    WalletNotFound,
)
from coffer.ledger import Hold, Ledger, ScriptRequest, Transaction
from coffer.ledger.models import to_micros
from coffer.platforms import DEFAULT_PLATFORM_ID
from coffer.wallets import currencies, proof
from coffer.wallets import repository as R
from coffer.wallets import schemas as S
from coffer.wallets import tables as T
from coffer.wallets.cache import RowCache
from coffer.wallets.checks import Checks
from coffer.wallets.common import (
    HOT_SLOTS,
    MAX_CAS_RETRIES,
    ModelT,
    Row,
    event_data,
    in_wallet_terms,
    month_start_micros,
)
from coffer.wallets.crypto import Cipher
from coffer.wallets.earning import (
    ClawbackEvent,
    Earners,
    EarnEvent,
    Extra,
    earn_context,
    settle_extras,
    with_extras,
)
from coffer.wallets.idempotency import IdempotentRequests
from coffer.wallets.privacy.keys import CustomerKey, DataKeys
from coffer.wallets.settings import WalletSettings


@dataclass(frozen=True, slots=True)
class RefundTarget:
    """What refunds draw on (payments, pay-ins), for :meth:`WalletsCore.reserve_refund`."""

    table: sa.Table
    kind: str  # the refund's target kind: "payment", "payin"
    refunded: str  # the row's column of what is refunded (reserved) so far
    left: Callable[[Row], int]  # what is left to refund of a row
    of_what: Callable[[Row], str]  # what that is left of, in the refusal's message


class MovementIds(TypedDict):
    """What identifies a movement with a ledger key (:func:`movement` makes them)."""

    key: str  # the ledger idempotency key, ``wallets:`` prefixed
    kind: str  # the movement's ``wallets_type``
    object_id: str  # its ``wallets_id``


class ScriptOptions(TypedDict, total=False):
    """The keyword arguments of :meth:`WalletsCore.run` and :meth:`WalletsCore.script`:
    what identifies the movement (required, as in :class:`MovementIds`; a movement of a
    batch may have no key), then the optional ones."""

    key: Required[str | None]
    kind: Required[str]
    object_id: Required[str]
    pending: bool  # a hold
    timeout_seconds: float | None  # of the hold
    reference: str | None  # unique in the ledger
    extra_metadata: Mapping[str, str] | None  # more metadata of the transaction
    extras: Sequence[Extra]  # other domains' postings, in the same transaction


def movement(kind: str, object_id: str, step: str | None = None) -> MovementIds:
    """The movement of ``step`` in the life of the ``kind`` object ``object_id``: its
    ``wallets_type`` and ``wallets_id``, and its ledger key ``kind:object_id:step`` (a
    retried step finds the first one's transaction)."""
    key = f"{kind}:{object_id}" if step is None else f"{kind}:{object_id}:{step}"
    return {"key": key, "kind": kind, "object_id": object_id}


class WalletsCore(RowCache, IdempotentRequests):
    """State shared by the domain's services: engine, ledger, cipher, settings, events."""

    def __init__(self, engine: sa.Engine, ledger: Ledger, settings: WalletSettings) -> None:
        self.engine = engine
        self._limit_rates: Any = None  # coffer.fx rates, when limits are in a reference currency
        self.ledger = ledger
        self.settings = settings
        key_id, keys = settings.encryption_keys()
        # the master key; a key file is read again when rotated (coffer keys rotate)
        reread = (lambda: settings.encryption_keys(create=False)) if settings.keys_in_file else None
        self.cipher = Cipher(key_id, keys, reread)
        self.data_keys = DataKeys(self.cipher)
        # what must say yes before money moves (the risk engine, spending policies)
        self.checks = Checks()
        # what adds its postings to a movement's transaction (loyalty points)
        self.earners = Earners()
        # Keys of the proof each movement carries (coffer.wallets.proof), by master key id.
        self._proof_key_id = key_id
        self._proof_keys = {kid: proof.derive(master) for kid, master in keys.items()}
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

    def list_page(
        self,
        name: str,
        query: S.ListQuery | None,
        filters: dict[str, Any],
        model: type[ModelT],
        convert: Callable[[Row], ModelT],
    ) -> S.ListPage[ModelT]:
        """One page of a list endpoint (:meth:`list_rows`), each row made a ``model``."""
        rows, more = self.list_rows(name, S.ListQuery.of(query, filters))
        page: type[S.ListPage[ModelT]] = S.ListPage[model]  # type: ignore[valid-type]
        return page(data=[convert(row) for row in rows], has_more=more)

    def list_sealed_page(
        self,
        name: str,
        query: S.ListQuery | None,
        filters: dict[str, Any],
        model: type[ModelT],
        convert: Callable[[Row, CustomerKey], ModelT],
        owner: str,
    ) -> S.ListPage[ModelT]:
        """:meth:`list_page` of rows holding personal data, each opened with the data key
        of the customer in its column ``owner``."""
        rows, more = self.list_rows(name, S.ListQuery.of(query, filters))
        with self.engine.connect() as connection:
            keys = self.data_keys.of_many(connection, [row[owner] for row in rows])
        page: type[S.ListPage[ModelT]] = S.ListPage[model]  # type: ignore[valid-type]
        return page(data=[convert(row, keys[row[owner]]) for row in rows], has_more=more)

    # -- events --------------------------------------------------------------------------

    def event(self, connection: sa.Connection, event_type: str, resource: BaseModel) -> None:
        """Write an event about ``resource`` to the outbox (in ``connection``'s unit)."""
        R.insert_event(connection, event_type, event_data(resource))

    def emit(self, connection: sa.Connection, event_type: str, data: Mapping[str, Any]) -> str:
        """Write another domain's event (``risk.*``, ...) to the outbox, in the caller's
        transaction on this database; returns its id."""
        return R.insert_event(connection, event_type, data)

    def outbox_after(
        self, after_id: str | None, prefixes: tuple[str, ...], limit: int
    ) -> list[Row]:
        """Outbox events after ``after_id`` (oldest first) whose type starts with one of
        ``prefixes``: how other domains' workers follow the events, by their own cursor."""
        with self.engine.connect() as connection:
            return R.outbox_events_after(connection, after_id, prefixes, limit)

    # -- wallets and limits -------------------------------------------------------------

    def existing(self, table: sa.Table, object_id: str, what: str) -> Row:
        """The row ``object_id`` of ``table``, read in a unit of its own; a missing one is
        :class:`ResourceNotFound` ("``what`` '...' does not exist")."""
        with self.unit() as connection:
            row = R.get(connection, table, object_id)
        if row is None:
            raise ResourceNotFound(f"{what} {object_id!r} does not exist")
        return row

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

    def live_customer_row(self, connection: sa.Connection, customer_id: str) -> Row:
        """The customer's row; CustomerErased when its personal data was erased."""
        row = self.customer_row(connection, customer_id)
        if row.get("erased_at") is not None:
            raise CustomerErased(
                f"customer {customer_id} was erased: it can hold no new data",
                customer_id=customer_id,
            )
        return row

    def insert_for_customer(
        self,
        connection: sa.Connection,
        table: sa.Table,
        prefix: str,
        customer_id: str,
        values: Callable[[CustomerKey], Mapping[str, Any]],
    ) -> tuple[str, int]:
        """Insert a new row of ``table`` (see :func:`~coffer.wallets.repository.insert_new`)
        belonging to the live customer ``customer_id``: ``values(key)``, with the customer's
        data key (made if it has none yet) sealing its personal data."""
        key = self.customer_key(
            connection, self.live_customer_row(connection, customer_id), create=True
        )
        return R.insert_new(connection, table, prefix, {"customer_id": customer_id, **values(key)})

    def customer_key(
        self, connection: sa.Connection, customer: Row, *, create: bool = False
    ) -> CustomerKey:
        """The data key sealing the customer's personal data (made when ``create`` and
        the customer has none yet)."""
        return self.data_keys.of(
            connection,
            customer["id"],
            create=create,
            platform_id=customer.get("platform_id") or DEFAULT_PLATFORM_ID,
        )

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
        if major is None:
            return None
        reference = self.settings.kyc_limits_currency
        if reference is None or reference == currency:
            return currencies.major_to_minor(currency, major)
        return self.converted_limit(major, reference, currency)

    def converted_limit(self, major: int, reference: str, currency: str) -> int:
        """``major`` units of ``reference`` in minor units of ``currency`` at the current
        coffer.fx rate, rounded down (RateNotFound / RateStale without a fresh rate)."""
        from datetime import UTC, datetime
        from fractions import Fraction

        rates = self._limit_rates
        if rates is None:
            from coffer.fx.rates.service import Rates
            from coffer.fx.settings import get_fx_settings

            rates = Rates(self.engine, get_fx_settings(), lambda: datetime.now(UTC))
            self._limit_rates = rates
        limit: Fraction = Fraction(rates.rate(reference, currency).value) * major
        limit *= 10 ** currencies.exponent(currency)
        rounded_down: int = limit.numerator // limit.denominator
        return rounded_down

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

    # -- earning (loyalty points with the movement) ---------------------------------------

    def _owner(self, wallet_id: str) -> tuple[str, str | None]:
        with self.unit() as connection:
            wallet = self.wallet_row(connection, wallet_id)
        return str(wallet.get("platform_id") or DEFAULT_PLATFORM_ID), wallet["customer_id"]

    def earning(
        self, kind: str, object_id: str, wallet_id: str, amount: int, currency: str, metadata: Any
    ) -> list[Extra]:
        """What the registered earners add to a movement of ``wallet_id``'s owner (see
        :mod:`coffer.wallets.earning`); nothing when none is registered."""
        if not self.earners.active:
            return []
        platform_id, customer_id = self._owner(wallet_id)
        return self.earners.earn(
            EarnEvent(kind, object_id, platform_id, wallet_id, customer_id, amount, currency,
                      earn_context(metadata))
        )  # fmt: skip

    def clawback(
        self, kind: str, object_id: str, refund: Row, wallet_id: str, captured: int
    ) -> list[Extra]:
        """What the registered earners take back with ``refund`` of a movement."""
        if not self.earners.active:
            return []
        platform_id, customer_id = self._owner(wallet_id)
        return self.earners.claw_back(
            ClawbackEvent(kind, object_id, refund["id"], platform_id, customer_id,
                          refund["amount"], captured, refund["currency"])
        )  # fmt: skip

    # -- ledger --------------------------------------------------------------------------

    def run(
        self, template: str, variables: Mapping[str, str], **options: Unpack[ScriptOptions]
    ) -> Transaction | Hold:
        """Run a template. ``key`` (the ledger idempotency key, ``wallets:`` prefixed)
        returns the first result to a retry; ``reference`` (unique in the ledger) refuses
        a second transaction for the same request even when its metadata differ.
        ``extras``: other domains' postings, in the same transaction (see
        :mod:`coffer.wallets.earning`); each is told the outcome (of a hold: by the caller,
        when it is posted or voided)."""
        extras = options.get("extras", ())
        result = self.ledger.post_many([self.script(template, variables, **options)])[0]
        if extras and not isinstance(result, Hold):  # a hold's caller settles them
            settle_extras(extras, result if isinstance(result, Transaction) else None)
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

    def proves(self, tx: Transaction, kind: str, variables: Mapping[str, str]) -> bool:
        """Whether ``tx`` is a movement of this domain: its proof checks for its kind,
        object id (``wallets_id``) and ``variables``."""
        object_id = tx.metadata.get("wallets_id")
        if tx.metadata.get("wallets_type") != kind or not isinstance(object_id, str):
            return False
        return proof.check(
            self._proof_keys, tx.metadata.get(proof.PROOF_FIELD), kind, object_id, variables
        )

    def script(
        self, template: str, variables: Mapping[str, str], **options: Unpack[ScriptOptions]
    ) -> ScriptRequest:
        """The ledger request :meth:`run` makes, for a ``post_many`` batch of several
        (the proof covers the movement's own variables, not the extras')."""
        key, kind, object_id = options["key"], options["kind"], options["object_id"]
        extras = options.get("extras", ())
        signed = proof.sign(
            self._proof_key_id, self._proof_keys[self._proof_key_id], kind, object_id, variables
        )
        script, values = (
            with_extras(template, variables, extras) if extras else (template, variables)
        )
        return ScriptRequest(
            script,
            vars=values,
            metadata={
                "wallets_type": kind,
                "wallets_id": object_id,
                **(options.get("extra_metadata") or {}),
                proof.PROOF_FIELD: signed,
            },
            reference=options.get("reference"),
            idempotency_key=None if key is None else f"wallets:{key}",
            pending=options.get("pending", False),
            timeout_seconds=options.get("timeout_seconds"),
        )

    def reserve_refund(
        self,
        target: RefundTarget,
        row: Row,
        amount: int | None,
        *,
        key: str | None,
        operation: str,
        payload: Mapping[str, Any],
    ) -> str:
        """Create a pending refund of ``amount`` (None: all that is left) of ``row``, once
        per ``key``. First add it to the row's ``target.refunded`` column if what is left
        still allows it (else :class:`RefundExceedsCaptured`), taken back if the refund
        cannot be created. Returns the refund's id."""
        table, refunded, left = target.table, target.refunded, target.left
        wanted = left(row) if amount is None else amount

        def reserve(current: Row) -> dict[str, Any]:
            refundable = left(current)
            if wanted <= 0 or wanted > refundable:
                raise RefundExceedsCaptured(
                    f"cannot refund {wanted}: {refundable} {current['currency']} of the "
                    f"{target.of_what(current)} is left to refund",
                    refundable=refundable,
                    requested=wanted,
                )
            return {refunded: current[refunded] + wanted}

        def create(connection: sa.Connection) -> str:
            return R.insert_pending_refund(
                connection, target.kind, row["id"], row["currency"], wanted
            )

        self.cas(table, row["id"], reserve)
        try:
            refund_id, _ = self.create_once(
                key=key, operation=operation, payload=payload, create=create
            )
        except CofferError:
            self.cas(table, row["id"], lambda r: {refunded: r[refunded] - wanted})
            raise
        return refund_id

    def update_status(
        self,
        connection: sa.Connection,
        table: sa.Table,
        row_id: str,
        values: Mapping[str, Any],
        *,
        expect: Sequence[str],
        event_type: str,
        model: Callable[[Row], BaseModel],
    ) -> tuple[bool, Row]:
        """Update the row ``row_id`` of ``table`` with ``values`` if its status is one of
        ``expect``; when it changed, write the event ``event_type`` with ``model`` of the
        fresh row. Returns whether it changed, and the fresh row."""
        changed = R.update(connection, table, row_id, values, expect_status=expect)
        row = R.get(connection, table, row_id)
        assert row is not None
        if changed:
            self.event(connection, event_type, model(row))
        return changed, row

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
