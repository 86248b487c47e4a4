"""Wallets, the accounts customers hold: creation, the platform's fee and credit wallets,
freeze/unfreeze/close, and statements (ledger lines with a running balance)."""

from __future__ import annotations

import contextlib
import json
import secrets
from typing import Any

import sqlalchemy as sa

from coffer.db.columns import model_from_row
from coffer.errors import (
    Conflict,
    InvalidState,
    ValidationError,
)
from coffer.identity.audit import SYSTEM, Actor, record_by
from coffer.wallets import currencies
from coffer.wallets import repository as R
from coffer.wallets import schemas as S
from coffer.wallets import tables as T
from coffer.wallets.base import Service
from coffer.wallets.common import (
    CREDIT_ACCOUNT,
    FEES_ACCOUNT,
    Row,
    wallet_account,
)


class WalletAccounts(Service):
    """Wallets and their statements."""

    def create_wallet(
        self, request: S.WalletCreate, *, idempotency_key: str | None = None
    ) -> S.Wallet:
        core = self.core
        currency = currencies.check_currency(request.currency)
        payload = request.model_dump(mode="json")

        def create(connection: sa.Connection) -> str:
            core.live_customer_row(connection, request.customer_id)
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
        return self.core.list_page("wallets", query, filters, S.Wallet, self._wallet_model)

    def _wallet_model(self, row: Row) -> S.Wallet:
        balance = self.core.balance_of(row)
        return model_from_row(S.Wallet, row, balance=balance.balance, available=balance.available)

    def set_wallet_status(
        self, wallet_id: str, status: str, *, actor: Actor = SYSTEM, reason: str | None = None
    ) -> S.Wallet:
        """Freeze (``frozen``), unfreeze (``active``) or close (``closed``) a wallet,
        recorded in the audit log as done by ``actor``."""
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
            details = {"from": row["status"], "customer_id": row["customer_id"]}
            if reason is not None:
                details["reason"] = reason
            record_by(connection, actor, f"wallet.{name}", wallet_id, details)
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
