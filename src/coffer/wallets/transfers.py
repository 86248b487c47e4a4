"""Wallet-to-wallet transfers, the hot path: batched, one ledger submission and one write
per batch, crash-safe through the ledger (see :meth:`Transfers.transfer_many`)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from coffer.errors import (
    CofferError,
    Conflict,
    DuplicateReference,
    IdempotencyConflict,
    InsufficientFunds,
    ResourceNotFound,
    RiskBlocked,
    ValidationError,
    WalletNotFound,
)
from coffer.ledger import Hold, Transaction
from coffer.platforms import DEFAULT_PLATFORM_ID
from coffer.wallets import currencies
from coffer.wallets import repository as R
from coffer.wallets import schemas as S
from coffer.wallets import tables as T
from coffer.wallets import templates as N
from coffer.wallets.base import Service
from coffer.wallets.checks import ALLOWED, Assessment, Movement, context_of
from coffer.wallets.common import (
    FEES_ACCOUNT,
    Row,
    error_from_code,
    event_data,
    in_wallet_terms,
    request_hash,
    wallet_account,
)
from coffer.wallets.core import movement
from coffer.wallets.models import transfer_model
from coffer.wallets.reviews import grouped, review_values, store_writes


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
    assessment: Assessment = ALLOWED
    platform_id: str = DEFAULT_PLATFORM_ID
    hold_id: int | None = None


class Transfers(Service):
    """Transfers between wallets (a fee of each goes to the platform)."""

    _transfer_model = staticmethod(transfer_model)

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
                    if record["request_hash"] != request_hash("transfer", item.payload):
                        raise self._key_reused(record["key"])
                    replays.append((item, record))
                    continue
                self._check_transfer(item, wallets, credited)
            except CofferError as error:
                results[item.index] = error
                continue
            to_run.append(item)
        blocked: list[_TransferItem] = []
        if core.checks.active and to_run:
            to_run, blocked = self._assess(to_run, wallets, results)
        outcomes = core.ledger.post_many(
            [
                core.script(
                    N.TRANSFER,
                    self._transfer_variables(item.row),
                    key=None,
                    reference=item.reference,
                    kind="transfer",
                    object_id=item.row["id"],
                    pending=item.assessment.outcome == "review",
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
            elif isinstance(outcome, Hold):  # in review: held until the check resolves it
                item.row["status"] = "in_review"
                item.hold_id = outcome.id
            elif isinstance(outcome, InsufficientFunds):
                item.row.update(status="failed", failure_code=outcome.code)
                item.error = in_wallet_terms(outcome)
                item.assessment.release()
            elif isinstance(outcome, DuplicateReference) and item.key is not None:
                item.assessment.release()  # the first attempt's movement is the one
                adopt.append(item)
                continue
            else:  # another refusal (a Hold or a DryRun cannot come back from this template)
                assert isinstance(outcome, CofferError), outcome
                item.assessment.release()
                results[item.index] = outcome
                continue
            written.append(item)
        self._write_transfers(written, results, blocked)
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

    def _assess(
        self,
        items: list[_TransferItem],
        wallets: Mapping[str, Row],
        results: list[S.Transfer | CofferError | None],
    ) -> tuple[list[_TransferItem], list[_TransferItem]]:
        """Ask the checks about each transfer: the ones to run, and the ones blocked
        (answered :class:`RiskBlocked` in ``results``)."""
        movements = []
        for item in items:
            debited = wallets[item.request.debited_wallet_id]
            credited = wallets[item.request.credited_wallet_id]
            item.platform_id = str(debited.get("platform_id") or DEFAULT_PLATFORM_ID)
            movements.append(
                Movement(
                    kind="transfer",
                    id=item.row["id"],
                    platform_id=item.platform_id,
                    wallet_id=debited["id"],
                    customer_id=debited["customer_id"],
                    amount=item.request.amount,
                    currency=item.currency,
                    counterparty=credited["customer_id"],
                    context=context_of(item.request.metadata),
                )
            )
        run: list[_TransferItem] = []
        blocked: list[_TransferItem] = []
        for item, assessment in zip(items, self.core.checks.assess(movements), strict=True):
            item.assessment = assessment
            if assessment.outcome == "block":
                deciding = assessment.deciding
                results[item.index] = assessment.error or RiskBlocked(
                    deciding.message if deciding else "this movement was refused"
                )
                assessment.release()  # what another check reserved for it
                blocked.append(item)
            else:
                run.append(item)
        return run, blocked

    @staticmethod
    def _check_writes(items: list[_TransferItem]) -> list[tuple[sa.Table, Mapping[str, Any]]]:
        """The rows the checks' verdicts store, reviews and decision events included."""
        writes: list[tuple[sa.Table, Mapping[str, Any]]] = []
        for item in items:
            assessment = item.assessment
            if assessment.outcome == "allow" and not assessment.records:
                continue  # nothing to store (the common case)
            writes.extend(assessment.writes)
            writes.extend((T.events, R.event_values(t, d)) for t, d in assessment.events)
            if item.row.get("status") == "in_review":
                deciding = assessment.deciding
                review = review_values(
                    platform_id=item.platform_id,
                    movement_type="transfer",
                    movement_id=item.row["id"],
                    check=deciding.check if deciding else "",
                    decision_id=deciding.decision_id if deciding else None,
                )
                review["hold_id"] = item.hold_id
                writes.append((T.reviews, review))
        return writes

    def _write_transfers(
        self,
        items: list[_TransferItem],
        results: list[S.Transfer | CofferError | None],
        blocked: Sequence[_TransferItem] = (),
    ) -> None:
        """Write the rows of transfers the ledger ran (or refused for funds), their
        idempotency records and events, in one statement; answer each in ``results``.

        When a concurrent request with one of the keys wrote first (or the writes
        deadlocked), each transfer is written alone, and the one whose twin won gets the
        twin's answer."""
        extra = self._check_writes([*items, *blocked]) if blocked or self.core.checks.active else []
        if not items:
            if extra:
                with self.core.unit() as connection:
                    store_writes(connection, extra)
            return
        rows = [item.row for item in items]
        records = [
            R.idempotency_values(
                item.key, request_hash("transfer", item.payload), "transfer", item.row["id"]
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
                    [
                        (T.transfers, rows),
                        (T.idempotency_keys, records),
                        (T.events, events),
                        *grouped(extra),
                    ],
                )
        except (sa.exc.IntegrityError, sa.exc.OperationalError):
            if len(items) == 1 and items[0].key is None:
                raise
            if extra:  # the blocked ones' decisions; each written one stores its own
                with self.core.unit() as connection:
                    store_writes(connection, self._check_writes(list(blocked)))
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
                        request_hash("transfer", item.payload),
                        "transfer",
                        item.row["id"],
                    ),
                )
            )
        event = event_data(self._transfer_model(item.row))
        writes.append((T.events, R.event_values(f"transfer.{item.row['status']}", event)))
        writes.extend(self._check_writes([item]))
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
        row = self.core.existing(T.transfers, transfer_id, "transfer")
        if row["status"] == "pending":
            return self._complete_transfer(transfer_id)
        if row["status"] == "failed":
            raise error_from_code(row["failure_code"])
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
            key, request_hash("transfer", payload), "transfer", adopted["id"]
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

        def move() -> Transaction | Hold:
            return core.run(
                N.TRANSFER,
                self._transfer_variables(row),
                **movement("transfer", transfer_id),
            )

        return self._transfer_model(self._complete(T.transfers, row, "transfer", move))

    def transfer_by_id(self, transfer_id: str) -> S.Transfer:
        row = self.core.existing(T.transfers, transfer_id, "transfer")
        return self._transfer_model(row)

    def transfers(self, query: S.ListQuery | None = None, **filters: Any) -> S.ListPage[S.Transfer]:
        return self.core.list_page("transfers", query, filters, S.Transfer, self._transfer_model)
