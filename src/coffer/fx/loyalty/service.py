"""Loyalty programs: points as an asset of their own in the wallets ledger.

Accounts (ledger ``wallets``; P a program id, C a customer id)::

    loyalty:P:issued          every award comes from here (negative: points outstanding)
    loyalty:P:customers:C     a customer's points
    loyalty:P:redeemed        points given back for cash
    loyalty:P:expired         points that expired
    loyalty:P:funding         the cash paid for redemptions (cash currency; negative: cost)

Points are kept in lots (one per award) that are spent and expire first in, first out. A
lot's ``remaining`` is the spendable part; the lots of a customer sum to the ledger balance
of ``loyalty:P:customers:C`` (lots not yet posted count 0). Every award, redemption and
expiry is a ledger transaction with the reference ``loyalty:lot:<id>`` or
``loyalty:movement:<id>``. A redemption takes its lots first (locked on PostgreSQL, under
SQLite's write lock, compare-and-swap on each lot), then posts; so two concurrent
redemptions never spend one point twice, and the ledger's zero floor checks it again.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

import sqlalchemy as sa

from coffer.db.engine import for_writes
from coffer.errors import (
    AmountTooSmall,
    CofferError,
    Conflict,
    CurrencyMismatch,
    IdempotencyConflict,
    InsufficientFunds,
    ValidationError,
)
from coffer.fx import repository as FR
from coffer.fx import tables as T
from coffer.fx.loyalty import repository as R
from coffer.fx.loyalty import schemas as S
from coffer.fx.loyalty.models import Row, lot_model, movement_model, program_model
from coffer.fx.loyalty.rules import points_for, tier_for
from coffer.fx.rates.service import to_micros
from coffer.ledger import UNBOUNDED, Ledger, Posting, Transaction
from coffer.ledger.models import from_micros
from coffer.wallets import currencies
from coffer.wallets.platform import WalletPlatform

Clock = Callable[[], datetime]
MAX_CLAIM_RETRIES = 20
EXPIRY_BATCH = 1000


def customer_account(program_id: str, customer_id: str) -> str:
    return f"loyalty:{program_id}:customers:{customer_id}"


class Loyalty:
    def __init__(
        self, engine: sa.Engine, wallets: WalletPlatform, ledger: Ledger, clock: Clock
    ) -> None:
        self.engine = engine
        self.wallets = wallets
        self.ledger = ledger
        self.clock = clock

    def unit(self) -> contextlib.AbstractContextManager[sa.Connection]:
        """A transaction that reads then writes (see :func:`~coffer.db.engine.for_writes`)."""
        return for_writes(self.engine).begin()

    # -- programs -----------------------------------------------------------------------

    def create_program(self, request: S.ProgramCreate) -> S.Program:
        currencies.check_currency(request.cash_currency)
        row = {
            "id": FR.new_id("lp"),
            "name": request.name,
            "asset": request.asset.removesuffix("/0"),
            "cash_currency": request.cash_currency,
            "redemption_rate": str(request.redemption_rate),
            "expiry_days": request.expiry_days,
            "earn_rules": json.dumps([r.model_dump(mode="json") for r in request.earn_rules]),
            "tiers": json.dumps([t.model_dump(mode="json") for t in request.tiers]),
            "tier_window_days": request.tier_window_days,
            "created_at": to_micros(self.clock()),
            "earn_on": json.dumps(request.earn_on),
        }
        with self.engine.begin() as connection:
            FR.insert(connection, T.loyalty_programs, row)
        return program_model(row)

    def program(self, program_id: str) -> S.Program:
        with self.engine.connect() as connection:
            row = FR.existing(connection, T.loyalty_programs, program_id, "loyalty program")
        return program_model(row)

    def programs(self) -> list[S.Program]:
        with self.engine.connect() as connection:
            return [program_model(r) for r in R.programs(connection, 100)]

    # -- earning ------------------------------------------------------------------------

    def earn_postings(
        self,
        program: S.Program,
        customer_id: str,
        *,
        amount: int,
        currency: str,
        mcc: str | None = None,
        campaign: str | None = None,
    ) -> tuple[int, list[Posting]]:
        """The hook for a payment flow: the points a payment earns and the postings that
        award them, to add to the payment's own ledger transaction (then record the lot
        with :meth:`record_lot`)."""
        points = points_for(
            program.earn_rules,
            amount=amount,
            currency=currency,
            at=self.clock(),
            mcc=mcc,
            campaign=campaign,
        )
        if points <= 0:
            return 0, []
        if points > S.MAX_POINTS:
            raise ValidationError(f"a payment earns at most {S.MAX_POINTS} points")
        issued = f"loyalty:{program.id}:issued"
        return points, [
            Posting(issued, customer_account(program.id, customer_id), points, program.asset)
        ]

    def _new_lot(
        self, program: S.Program, customer_id: str, points: int, reason: str, campaign: str | None
    ) -> Row:
        now = self.clock()
        expires = now + timedelta(days=program.expiry_days) if program.expiry_days else None
        row = {
            "id": FR.new_id("lot"),
            "program_id": program.id,
            "customer_id": customer_id,
            "points": points,
            "remaining": 0,
            "status": "pending",
            "reason": reason,
            "campaign": campaign,
            "earned_at": to_micros(now),
            "expires_at": to_micros(expires) if expires else None,
            "ledger_transaction_id": None,
        }
        with self.engine.begin() as connection:
            FR.insert(connection, T.loyalty_lots, row)
        return row

    def _settle_lot(self, lot: Row, tx: Transaction | None) -> Row:
        values: dict[str, Any] = (
            {"status": "active", "remaining": lot["points"], "ledger_transaction_id": tx.id}
            if tx is not None
            else {"status": "failed"}
        )
        with self.engine.begin() as connection:
            FR.update(connection, T.loyalty_lots, lot["id"], **values)
        return {**lot, **values}

    def _post_lot(
        self,
        lot: Row,
        postings: list[Posting],
        metadata: dict[str, str],
        overdrafts: dict[str, Any],
    ) -> tuple[Row, Transaction]:
        try:
            tx = self.ledger.post(
                postings,
                metadata={
                    "wallets_id": lot["id"],
                    "loyalty_program": lot["program_id"],
                    **metadata,
                },
                reference=f"loyalty:lot:{lot['id']}",
                overdrafts=overdrafts,
            )
        except CofferError:
            self._settle_lot(lot, None)
            raise
        return self._settle_lot(lot, tx), tx

    def award(self, program_id: str, request: S.AwardCreate) -> S.Lot:
        """Award points (a goodwill gesture, a sign-up bonus): one lot, one transaction."""
        program = self.program(program_id)
        self.wallets.wallets.customer(request.customer_id)
        lot = self._new_lot(
            program, request.customer_id, request.points, request.reason, request.campaign
        )
        issued = f"loyalty:{program.id}:issued"
        posting = Posting(
            issued, customer_account(program.id, request.customer_id), request.points, program.asset
        )
        settled, _ = self._post_lot(
            lot, [posting], {"wallets_type": "loyalty_award"}, {issued: UNBOUNDED}
        )
        return lot_model(settled)

    def purchase(self, program_id: str, request: S.PurchaseCreate) -> S.Purchase:
        """A payment from a customer's wallet to another wallet (a merchant's) that earns
        points, paid partly with points when ``redeem_points`` is set: the payment, the
        redemption and the award are one ledger transaction (the points pay
        floor(points x redemption rate) of the amount from the program's funding; the
        rest, paid from the wallet, earns)."""
        program = self.program(program_id)
        payer = self.wallets.wallets.wallet(request.from_wallet_id)
        payee = self.wallets.wallets.wallet(request.to_wallet_id)
        if request.currency != payer.currency or request.currency != payee.currency:
            raise CurrencyMismatch("the payment's currency must be both wallets' currency")
        if payer.customer_id is None or payer.status != "active" or payee.status != "active":
            raise ValidationError("a purchase moves between two active customers' wallets")
        cash = 0
        if request.redeem_points:
            if program.cash_currency != request.currency:
                raise CurrencyMismatch(f"points pay only for {program.cash_currency} purchases")
            cash = self._cash_for(program, request.redeem_points)
            if cash > request.amount:
                raise ValidationError(
                    f"{request.redeem_points} points pay {cash}, more than the amount; "
                    "redeem fewer points"
                )
        paid = request.amount - cash
        points, award = self.earn_postings(
            program,
            payer.customer_id,
            amount=paid,
            currency=request.currency,
            mcc=request.mcc,
            campaign=request.campaign,
        )
        asset = currencies.asset(request.currency)
        postings = [Posting(f"wallets:{payer.id}", f"wallets:{payee.id}", paid, asset)]
        postings = [p for p in postings if p.amount > 0]
        overdrafts: dict[str, Any] = {f"loyalty:{program.id}:issued": UNBOUNDED}
        metadata = {"wallets_type": "loyalty_purchase"}
        if request.mcc:
            metadata["loyalty_mcc"] = request.mcc
        redemption: Row | None = None
        if request.redeem_points:
            redemption = self._take_for_redemption(
                program, payer.customer_id, request.redeem_points, cash, payer.id, None
            )
            funding = f"loyalty:{program.id}:funding"
            postings += [
                Posting(
                    customer_account(program.id, payer.customer_id),
                    f"loyalty:{program.id}:redeemed",
                    request.redeem_points,
                    program.asset,
                ),
                Posting(funding, f"wallets:{payee.id}", cash, asset),
            ]
            overdrafts[funding] = UNBOUNDED
            metadata["loyalty_redemption"] = redemption["id"]
        lot = None
        if points:
            lot = self._new_lot(program, payer.customer_id, points, "purchase", request.campaign)
            metadata.update(wallets_id=lot["id"], loyalty_program=program.id)
        try:
            tx = self.ledger.post(
                [*postings, *award],
                metadata=metadata,
                reference=f"loyalty:lot:{lot['id']}" if lot else None,
                overdrafts=overdrafts,
            )
        except CofferError:
            if lot is not None:
                self._settle_lot(lot, None)
            if redemption is not None:
                self.movement_failed(redemption)
            raise
        settled = self._settle_lot(lot, tx) if lot else None
        return S.Purchase(
            lot=lot_model(settled) if settled else None,
            points=points,
            amount=request.amount,
            currency=request.currency,
            ledger_transaction_id=tx.id,
            redemption=self.movement_posted(redemption, tx) if redemption else None,
            paid_with_points=cash,
        )

    # -- redemption and expiry ----------------------------------------------------------

    def _claim(self, connection: sa.Connection, lots: list[Row], points: int) -> dict[str, int]:
        taken: dict[str, int] = {}
        left = points
        for lot in lots:
            if left == 0:
                break
            take = min(left, int(lot["remaining"]))
            if not R.take(
                connection, lot["id"], int(lot["remaining"]), int(lot["remaining"]) - take
            ):
                raise Conflict("a lot changed while it was taken; retry")
            taken[lot["id"]] = take
            left -= take
        return taken

    def redeem(
        self, program_id: str, request: S.RedemptionCreate, *, idempotency_key: str | None = None
    ) -> S.Movement:
        """Give points back for cash into the customer's wallet, oldest lots first; the
        cash is floor(points x redemption rate) minor units."""
        program = self.program(program_id)
        if idempotency_key is not None:
            with self.engine.connect() as connection:
                earlier = R.movement_by_key(connection, idempotency_key)
            if earlier is not None:
                same = (earlier["customer_id"], earlier["points"], earlier["wallet_id"]) == (
                    request.customer_id,
                    request.points,
                    request.wallet_id,
                )
                if not same:
                    raise IdempotencyConflict("this Idempotency-Key was used with another request")
                return movement_model(earlier)
        wallet = self.wallets.wallets.wallet(request.wallet_id)
        if wallet.customer_id != request.customer_id or wallet.currency != program.cash_currency:
            raise ValidationError(f"redeem into the customer's own {program.cash_currency} wallet")
        cash = self._cash_for(program, request.points)
        account = customer_account(program.id, request.customer_id)
        try:
            row = self._take_for_redemption(
                program, request.customer_id, request.points, cash, wallet.id, idempotency_key
            )
        except sa.exc.IntegrityError:
            if idempotency_key is None:
                raise
            return self.redeem(program_id, request, idempotency_key=idempotency_key)
        funding = f"loyalty:{program.id}:funding"
        postings = [
            Posting(account, f"loyalty:{program.id}:redeemed", request.points, program.asset),
            Posting(funding, f"wallets:{wallet.id}", cash, currencies.asset(program.cash_currency)),
        ]
        return self._post_movement(row, postings, {funding: UNBOUNDED})

    @staticmethod
    def _cash_for(program: S.Program, points: int) -> int:
        cash = int(points * Fraction(program.redemption_rate))
        if cash <= 0:
            raise AmountTooSmall(f"{points} points redeem for nothing; redeem more")
        return cash

    def _take_for_redemption(
        self,
        program: S.Program,
        customer_id: str,
        points: int,
        cash: int,
        wallet_id: str,
        idempotency_key: str | None,
    ) -> dict[str, Any]:
        """Take ``points`` of the customer's lots (oldest first) for a redemption of
        ``cash`` into ``wallet_id`` and store it pending (InsufficientFunds when short)."""
        account = customer_account(program.id, customer_id)

        def decide(connection: sa.Connection, lots: list[Row], now: int) -> dict[str, Any]:
            available = sum(int(lot["remaining"]) for lot in lots)
            if available < points:
                raise InsufficientFunds(account, program.asset, available, points)
            return {
                "id": FR.new_id("lmv"),
                "program_id": program.id,
                "customer_id": customer_id,
                "kind": "redeem",
                "points": points,
                "cash_amount": cash,
                "wallet_id": wallet_id,
                "lots": json.dumps(self._claim(connection, lots, points)),
                "status": "pending",
                "idempotency_key": idempotency_key,
                "ledger_transaction_id": None,
                "created_at": now,
            }

        return self.claim_movement(program.id, customer_id, decide)

    def claim_movement(
        self,
        program_id: str,
        customer_id: str,
        decide: Callable[[sa.Connection, list[Row], int], dict[str, Any]],
    ) -> dict[str, Any]:
        """Take a customer's lots for a movement and store it (pending), in one unit:
        ``decide`` gets the spendable lots (oldest first, locked) and the time, takes what
        it needs (:meth:`_claim`) and returns the movement's row; retried (bounded) when a
        lot changed meanwhile."""
        for _attempt in range(MAX_CLAIM_RETRIES):
            now = to_micros(self.clock())
            try:
                with self.unit() as connection:
                    lots = R.spendable_lots(connection, program_id, customer_id, now)
                    row = decide(connection, lots, now)
                    FR.insert(connection, T.loyalty_movements, row)
                return row
            except Conflict:
                continue
        raise Conflict("the customer's points changed too often; retry")

    def movement_failed(self, row: Row) -> None:
        """Give a movement's lots back and mark it failed (its transaction was refused)."""
        with self.unit() as connection:
            for lot_id, points in json.loads(row["lots"]).items():
                R.give_back(connection, lot_id, points)
            FR.update(connection, T.loyalty_movements, row["id"], status="failed")

    def movement_posted(self, row: Row, tx: Transaction) -> S.Movement:
        with self.engine.begin() as connection:
            FR.update(
                connection,
                T.loyalty_movements,
                row["id"],
                status="succeeded",
                ledger_transaction_id=tx.id,
            )
        return movement_model({**row, "status": "succeeded", "ledger_transaction_id": tx.id})

    def _post_movement(
        self, row: Row, postings: list[Posting], overdrafts: dict[str, Any]
    ) -> S.Movement:
        try:
            tx = self.ledger.post(
                postings,
                metadata={
                    "wallets_type": f"loyalty_{row['kind']}",
                    "wallets_id": row["id"],
                    "loyalty_program": row["program_id"],
                },
                reference=f"loyalty:movement:{row['id']}",
                overdrafts=overdrafts,
            )
        except CofferError:
            self.movement_failed(row)
            raise
        return self.movement_posted(row, tx)

    def expire(self, program_id: str) -> S.ExpiryRun:
        """Expire what is left of the lots past their date (at most 1,000 lots a call):
        one transaction per customer, ``loyalty:P:customers:C`` -> ``loyalty:P:expired``."""
        program = self.program(program_id)
        now = to_micros(self.clock())
        rows: list[Row] = []
        with self.unit() as connection:
            by_customer: dict[str, dict[str, int]] = {}
            for lot in R.expired_lots(connection, program.id, now, EXPIRY_BATCH):
                if not R.take(connection, lot["id"], int(lot["remaining"]), 0):
                    continue
                by_customer.setdefault(lot["customer_id"], {})[lot["id"]] = int(lot["remaining"])
            for customer_id, taken in by_customer.items():
                row: dict[str, Any] = {
                    "id": FR.new_id("lmv"),
                    "program_id": program.id,
                    "customer_id": customer_id,
                    "kind": "expire",
                    "points": sum(taken.values()),
                    "cash_amount": None,
                    "wallet_id": None,
                    "lots": json.dumps(taken),
                    "status": "pending",
                    "idempotency_key": None,
                    "ledger_transaction_id": None,
                    "created_at": now,
                }
                FR.insert(connection, T.loyalty_movements, row)
                rows.append(row)
        movements = []
        for made in rows:
            posting = Posting(
                customer_account(program.id, made["customer_id"]),
                f"loyalty:{program.id}:expired",
                made["points"],
                program.asset,
            )
            movements.append(self._post_movement(made, [posting], {}))
        return S.ExpiryRun(expired_points=sum(m.points for m in movements), movements=movements)

    # -- reading ------------------------------------------------------------------------

    def account(self, program_id: str, customer_id: str) -> S.Account:
        """Balance, tier, and the statement of what expires when."""
        program = self.program(program_id)
        now = self.clock()
        since = to_micros(now - timedelta(days=program.tier_window_days))
        with self.engine.connect() as connection:
            lots = R.customer_lots(connection, program.id, customer_id)
            window = R.earned_since(connection, program.id, customer_id, since)
        expiring: dict[int | None, S.ExpiringLine] = {}
        for lot in lots:
            if lot["status"] != "active" or int(lot["remaining"]) <= 0:
                continue
            key = lot["expires_at"]
            line = expiring.setdefault(
                key,
                S.ExpiringLine(
                    expires_at=from_micros(key) if key is not None else None, points=0, lots=[]
                ),
            )
            line.points += int(lot["remaining"])
            line.lots.append(lot["id"])
        balance = self.ledger.balance(customer_account(program.id, customer_id), program.asset)
        ordered = sorted(
            expiring.values(), key=lambda line: (line.expires_at is None, line.expires_at or now)
        )
        return S.Account(
            program_id=program.id,
            customer_id=customer_id,
            balance=balance,
            tier=tier_for(program.tiers, window),
            points_in_window=window,
            expiring=ordered,
        )

    def lots(self, program_id: str, customer_id: str) -> list[S.Lot]:
        self.program(program_id)  # 404 for another platform's program
        self.wallets.wallets.customer(customer_id)
        with self.engine.connect() as connection:
            return [lot_model(r) for r in R.customer_lots(connection, program_id, customer_id)]

    def movements(self, program_id: str, customer_id: str) -> list[S.Movement]:
        """The customer's redemptions, expiries and clawbacks, oldest first (at most
        10,000)."""
        self.program(program_id)  # 404 for another platform's program
        self.wallets.wallets.customer(customer_id)
        with self.engine.connect() as connection:
            rows = R.customer_movements(connection, program_id, customer_id, 10_000)
        return [movement_model(r) for r in rows]
