"""What a signed-in user does with their money: balances, history, sending money (with
the fee quoted first), topping up by card, paying out to a bank account, beneficiaries.

Every operation takes the :class:`~coffer.identity.users.base.Actor` and reaches only that
user's customer's wallets: a wallet, pay-in, payout or beneficiary of anyone else is not
found (404), exactly like an unknown id. Money moves through the wallets service, never
through its tables.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from coffer.errors import (
    AmountTooSmall,
    BeneficiaryNotFound,
    CofferError,
    RecipientNotFound,
    ResourceNotFound,
    ValidationError,
    WalletNotFound,
)
from coffer.identity.users import repository as R
from coffer.identity.users import schemas as U
from coffer.identity.users.base import Actor, UsersBase, email_digest
from coffer.wallets import currencies
from coffer.wallets import schemas as S

MAX_WALLETS = 100
MAX_HISTORY_LINES = 1000  # a page of history at most
STATEMENT_PAGE = 1000
MAX_STATEMENT_PAGES = 100
MAX_PENDING_PAYOUTS = 100
# the fields a history line takes as they are from the wallet's statement line
STATEMENT_FIELDS = {"transaction_id", "timestamp", "amount", "balance", "reference_id"}


def _scoped_key(actor: Actor, idempotency_key: str | None) -> str | None:
    """The wallets idempotency key of a user's own key (the user's keys cannot meet
    another's)."""
    return None if idempotency_key is None else f"app:{actor.user_id}:{idempotency_key}"


class UserMoney(UsersBase):
    """The money side of the users service."""

    # -- wallets -------------------------------------------------------------------------

    def wallets(self, actor: Actor) -> list[S.Wallet]:
        """The user's wallets (one per currency), with balances."""
        page = self.platform.wallets.wallets(customer_id=actor.customer_id, limit=MAX_WALLETS)
        return sorted(page.data, key=lambda w: (w.currency != self.settings.default_currency,
                                                w.currency))  # fmt: skip

    def wallet(self, actor: Actor, wallet_id: str) -> S.Wallet:
        """One of the user's wallets; another customer's is not found (404)."""
        try:
            wallet = self.platform.wallets.wallet(wallet_id)
        except WalletNotFound:
            wallet = None
        if wallet is None or wallet.customer_id != actor.customer_id:
            raise WalletNotFound(f"wallet {wallet_id!r} does not exist", wallet_id=wallet_id)
        return wallet

    def open_wallet(self, actor: Actor, currency: str) -> S.Wallet:
        """A wallet in another currency (one per currency)."""
        code = currencies.check_currency(currency.upper())
        if code not in self.settings.currencies:
            raise ValidationError(
                f"wallets in {code} are not offered; choose one of "
                f"{', '.join(self.settings.currencies)}",
                currency=code,
            )
        return self.platform.wallets.create_wallet(
            S.WalletCreate(customer_id=actor.customer_id, currency=code)
        )

    def wallet_in(self, customer_id: str, currency: str) -> S.Wallet | None:
        page = self.platform.wallets.wallets(customer_id=customer_id, limit=MAX_WALLETS)
        return next((w for w in page.data if w.currency == currency), None)

    # -- history -------------------------------------------------------------------------

    def history(
        self, actor: Actor, *, wallet_id: str | None = None, limit: int = 50
    ) -> list[U.HistoryLine]:
        """The user's movements, newest first, across their wallets (or one), each with
        its category from the assistant when one is configured."""
        limit = max(1, min(limit, MAX_HISTORY_LINES))
        wallets = [self.wallet(actor, wallet_id)] if wallet_id else self.wallets(actor)
        lines: list[U.HistoryLine] = []
        for wallet in wallets:
            lines.extend(self._wallet_history(wallet))
            lines.extend(self._pending_payouts(wallet))
        lines.sort(key=lambda line: (line.timestamp, line.transaction_id or 0), reverse=True)
        lines = lines[:limit]
        if lines and self.categories is not None:
            try:
                found = self.categories(actor.customer_id)
            except CofferError:
                found = {}
            lines = [
                line.model_copy(
                    update={"category": found.get(f"{line.wallet_id}:{line.transaction_id}")}
                )
                for line in lines
            ]
        return lines

    def _pending_payouts(self, wallet: S.Wallet) -> list[U.HistoryLine]:
        """Payouts on their way: their money is reserved (a ledger hold), not yet moved,
        so the statement has no line for them until the bank pays."""
        page = self.platform.payouts.payouts(wallet_id=wallet.id, limit=MAX_PENDING_PAYOUTS)
        return [
            U.HistoryLine(
                wallet_id=wallet.id,
                transaction_id=None,
                timestamp=payout.created_at,
                amount=-payout.amount,
                balance=None,
                pending=True,
                currency=payout.currency,
                type="payout",
                reference_id=payout.id,
                category=None,
            )
            for payout in page.data
            if payout.status in ("created", "processing")
        ]

    def _wallet_history(self, wallet: S.Wallet) -> list[U.HistoryLine]:
        out: list[U.HistoryLine] = []
        cursor: str | None = None
        for _ in range(MAX_STATEMENT_PAGES):
            statement = self.platform.wallets.statement(
                wallet.id, limit=STATEMENT_PAGE, cursor=cursor
            )
            out.extend(
                U.HistoryLine(
                    **line.model_dump(include=STATEMENT_FIELDS),
                    wallet_id=wallet.id,
                    currency=wallet.currency,
                    type=line.type or "movement",
                    category=None,
                )
                for line in statement.data
            )
            if not statement.has_more or statement.next_cursor is None:
                break
            cursor = statement.next_cursor
        return out

    # -- sending money -------------------------------------------------------------------

    def fee(self, currency: str, amount: int) -> int:
        """The platform's fee on a transfer of ``amount``: basis points rounded up, at
        least the minimum."""
        bps = self.settings.transfer_fee_basis_points
        return max(self.settings.transfer_fee_minimum, -(-amount * bps // 10_000))

    def needs_step_up(self, currency: str, amount: int) -> bool:
        threshold = currencies.major_to_minor(currency, self.settings.step_up_transfer_threshold)
        return amount > threshold

    def quote(self, actor: Actor, request: U.TransferQuoteRequest) -> U.TransferQuote:
        """What a transfer would do: fee, what the recipient gets, whether it needs a fresh
        second factor. Nothing moves."""
        source = self.wallet(actor, request.wallet_id)
        target, name = self._recipient(actor, request, source.currency)
        fee = self.fee(source.currency, request.amount)
        if fee >= request.amount:
            raise AmountTooSmall(
                f"the fee ({fee} minor units) takes the whole amount: send more",
                fee=fee,
            )
        step_up = self.needs_step_up(source.currency, request.amount)
        return U.TransferQuote(
            wallet_id=source.id,
            currency=source.currency,
            amount=request.amount,
            fee=fee,
            credited_amount=request.amount - fee,
            recipient_name=name,
            recipient_wallet_id=target.id,
            step_up_required=step_up and not self.step_up_fresh(actor),
            balance_after=source.available - request.amount,
        )

    def send(
        self, actor: Actor, request: U.TransferQuoteRequest, *, idempotency_key: str | None = None
    ) -> S.Transfer:
        """Send money to another customer (by email or saved beneficiary). Above the
        platform's threshold it needs a fresh second factor (checked here, server-side)."""
        quote = self.quote(actor, request)
        if self.needs_step_up(quote.currency, quote.amount):
            self.require_step_up(actor, "transfer_above_threshold")
        metadata = {"app_user_id": actor.user_id}
        if request.note:
            metadata["description"] = request.note
        transfer = self.platform.wallets.transfer(
            S.TransferCreate(
                debited_wallet_id=quote.wallet_id,
                credited_wallet_id=quote.recipient_wallet_id,
                amount=quote.amount,
                currency=quote.currency,
                fee=quote.fee,
                metadata=metadata,
            ),
            idempotency_key=_scoped_key(actor, idempotency_key),
        )
        if transfer.status == "succeeded":
            self._notify_transfer(actor, transfer)
        return transfer

    def _notify_transfer(self, actor: Actor, transfer: S.Transfer) -> None:
        recipient_wallet = self.platform.wallets.wallet(transfer.credited_wallet_id)
        sender_name = self.platform.wallets.customer(actor.customer_id).name
        with self.unit() as connection:
            self._notify_money(connection, actor, "money_sent", transfer, transfer_id=transfer.id)
            if recipient_wallet.customer_id is None:
                return
            recipient = R.user_by_customer(
                connection, actor.platform_id, recipient_wallet.customer_id
            )
            if recipient is not None:
                self.notify(
                    connection,
                    actor.platform_id,
                    recipient["id"],
                    "money_received",
                    amount=transfer.credited_amount,
                    currency=transfer.currency,
                    sender=sender_name,
                    transfer_id=transfer.id,
                )

    def _notify_money(
        self,
        connection: sa.Connection,
        actor: Actor,
        kind: str,
        movement: S.Transfer | S.Payin | S.Payout,
        **params: Any,
    ) -> None:
        """Notify ``actor`` of a movement of their money: its amount and currency, then
        ``params``."""
        self.notify_actor(
            connection, actor, kind, amount=movement.amount, currency=movement.currency, **params
        )

    def _recipient(
        self, actor: Actor, request: U.TransferQuoteRequest, currency: str
    ) -> tuple[S.Wallet, str]:
        """The wallet a transfer credits and the recipient's name."""
        if request.beneficiary_id is not None:
            row = self._beneficiary_row(
                actor,
                request.beneficiary_id,
                "customer",
                f"no beneficiary {request.beneficiary_id!r} to send money to",
            )
            customer_id = str(row["customer_id"])
        else:
            assert request.to_email is not None  # the schema asks for one of the two
            customer_id = self._customer_by_email(actor, request.to_email)
        if customer_id == actor.customer_id:
            raise ValidationError("you cannot send money to yourself")
        wallet = self.wallet_in(customer_id, currency)
        if wallet is None:
            raise RecipientNotFound(f"the recipient has no {currency} wallet", currency=currency)
        name = self.platform.wallets.customer(customer_id).name
        return wallet, name

    def _customer_by_email(self, actor: Actor, email: str) -> str:
        with self.unit() as connection:
            row = R.user_by_email(connection, actor.platform_id, email_digest(email))
        if row is None or row["status"] != "active":
            raise RecipientNotFound("no user of this app has that email")
        return str(row["customer_id"])

    # -- top-ups (card pay-ins) ----------------------------------------------------------

    def top_up(
        self, actor: Actor, request: U.TopUpRequest, *, idempotency_key: str | None = None
    ) -> S.Payin:
        """A card pay-in into one of the user's wallets. In the sandbox the test card
        4000 0000 0000 3220 asks for 3-D Secure: the answer's ``next_action.url``."""
        wallet = self.wallet(actor, request.wallet_id)
        payin = self.platform.payins.create_card_payin(
            S.CardPayinCreate(
                wallet_id=wallet.id,
                amount=request.amount,
                currency=wallet.currency,
                card=request.card,
                metadata={"app_user_id": actor.user_id},
            ),
            idempotency_key=_scoped_key(actor, idempotency_key),
        )
        if payin.status in ("succeeded", "processing"):
            self._notify_top_up(actor, payin)
        return payin

    def top_up_status(self, actor: Actor, payin_id: str) -> S.Payin:
        """A pay-in into one of the user's wallets (404 for anyone else's)."""
        try:
            payin = self.platform.payins.payin(payin_id)
            self.wallet(actor, payin.wallet_id)
        except (ResourceNotFound, WalletNotFound):
            raise ResourceNotFound(f"top-up {payin_id!r} does not exist") from None
        return payin

    def _notify_top_up(self, actor: Actor, payin: S.Payin) -> None:
        with self.unit() as connection:
            self._notify_money(connection, actor, "top_up_succeeded", payin, payin_id=payin.id)

    def top_up_returned(self, actor: Actor, payin_id: str) -> S.Payin:
        """The pay-in after its 3-D Secure page: notifies the user once it succeeded."""
        payin = self.top_up_status(actor, payin_id)
        if payin.status in ("succeeded", "processing"):
            with self.unit() as connection:
                known = any(
                    json.loads(row["params"]).get("payin_id") == payin.id
                    for row in R.notifications(
                        connection, actor.platform_id, actor.user_id, limit=20
                    )
                )
            if not known:
                self._notify_top_up(actor, payin)
        return payin

    # -- beneficiaries -------------------------------------------------------------------

    def beneficiaries(self, actor: Actor, kind: str | None = None) -> list[U.Beneficiary]:
        with self.unit() as connection:
            rows = R.beneficiaries(connection, actor.platform_id, actor.user_id, kind=kind)
        return [self._beneficiary_model(row) for row in rows]

    def beneficiary(self, actor: Actor, beneficiary_id: str) -> U.Beneficiary:
        row = self._beneficiary_row(
            actor, beneficiary_id, None, f"no beneficiary {beneficiary_id!r}"
        )
        return self._beneficiary_model(row)

    def _beneficiary_row(
        self, actor: Actor, beneficiary_id: str, kind: str | None, missing: str
    ) -> R.Row:
        """The user's saved beneficiary ``beneficiary_id`` (of ``kind`` when given), else
        :class:`BeneficiaryNotFound` saying ``missing``."""
        with self.unit() as connection:
            row = R.beneficiary(connection, actor.platform_id, actor.user_id, beneficiary_id)
        if row is None or (kind is not None and row["kind"] != kind):
            raise BeneficiaryNotFound(missing, beneficiary_id=beneficiary_id)
        return row

    def add_beneficiary(self, actor: Actor, request: U.BeneficiaryCreate) -> U.Beneficiary:
        """Save a beneficiary: another user (by email) or a bank account (IBAN). Needs a
        fresh second factor."""
        self.require_step_up(actor, "beneficiary")
        customer_id: str | None = None
        bank_account_id: str | None = None
        if request.kind == "customer":
            assert request.email is not None
            customer_id = self._customer_by_email(actor, request.email)
            if customer_id == actor.customer_id:
                raise ValidationError("you cannot save yourself as a beneficiary")
        else:
            assert request.iban is not None
            account = self.platform.payouts.add_bank_account(
                S.BankAccountCreate(
                    customer_id=actor.customer_id,
                    holder_name=request.holder_name or request.name,
                    iban=request.iban,
                    bic=request.bic,
                )
            )
            bank_account_id = account.id
        beneficiary_id = R.new_id("ben")
        with self.unit() as connection:
            R.insert_beneficiary(
                connection,
                {
                    "id": beneficiary_id,
                    "platform_id": actor.platform_id,
                    "user_id": actor.user_id,
                    "kind": request.kind,
                    "name": request.name,
                    "customer_id": customer_id,
                    "bank_account_id": bank_account_id,
                    "created_at": self.now_micros(),
                    "deleted_at": None,
                },
            )
            self.notify_actor(
                connection,
                actor,
                "beneficiary_added",
                name=request.name,
            )
        return self.beneficiary(actor, beneficiary_id)

    def delete_beneficiary(self, actor: Actor, beneficiary_id: str) -> None:
        with self.unit() as connection:
            if not R.delete_beneficiary(
                connection, actor.platform_id, actor.user_id, beneficiary_id
            ):
                raise BeneficiaryNotFound(
                    f"no beneficiary {beneficiary_id!r}", beneficiary_id=beneficiary_id
                )

    def _beneficiary_model(self, row: Mapping[str, Any]) -> U.Beneficiary:
        iban_last4 = country = None
        if row["bank_account_id"] is not None:
            account = self.platform.payouts.bank_account(row["bank_account_id"])
            iban_last4, country = account.iban_last4, account.country
        return U.Beneficiary(
            id=row["id"],
            kind=row["kind"],
            name=row["name"],
            iban_last4=iban_last4,
            country=country,
            created_at=R.as_datetime(row["created_at"]),
        )

    # -- payouts -------------------------------------------------------------------------

    def payout(
        self, actor: Actor, request: U.PayoutRequest, *, idempotency_key: str | None = None
    ) -> S.Payout:
        """Pay out to one of the user's saved bank accounts. Always needs a fresh second
        factor (checked here, server-side)."""
        wallet = self.wallet(actor, request.wallet_id)
        row = self._beneficiary_row(
            actor,
            request.beneficiary_id,
            "bank_account",
            f"no bank account beneficiary {request.beneficiary_id!r}",
        )
        self.require_step_up(actor, "payout")
        payout = self.platform.payouts.create_payout(
            S.PayoutCreate(
                wallet_id=wallet.id,
                bank_account_id=str(row["bank_account_id"]),
                amount=request.amount,
                currency=wallet.currency,
            ),
            idempotency_key=_scoped_key(actor, idempotency_key),
        )
        with self.unit() as connection:
            self._notify_money(
                connection,
                actor,
                "payout_created",
                payout,
                beneficiary=row["name"],
                payout_id=payout.id,
            )
        return payout

    def payouts(self, actor: Actor) -> list[S.Payout]:
        out: list[S.Payout] = []
        for wallet in self.wallets(actor):
            out.extend(self.platform.payouts.payouts(wallet_id=wallet.id, limit=100).data)
        return sorted(out, key=lambda p: p.created_at, reverse=True)
