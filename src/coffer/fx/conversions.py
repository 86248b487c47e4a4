"""Conversions and cross-border transfers: one ledger transaction each.

The chart of accounts (ledger ``wallets``; A is the sell currency, B the buy currency)::

    wallets:<from>  -> platform:fx:fees     fee              (A, revenue)
    wallets:<from>  -> platform:fx:spread   spread           (A, revenue)
    wallets:<from>  -> platform:fx:A        position amount  (A, the platform's position)
    platform:fx:B   -> wallets:<to>         buy amount       (B; may go negative)

Every posting moves one asset, so money is conserved in each currency; the positions
``platform:fx:<CUR>`` hold what the platform bought (positive) and sold (negative), valued
by the FX P&L report.

Like wallet transfers, nothing is written before the ledger call: (1) read the
``Idempotency-Key`` record (a conversion with that key answers again) and the quote (used:
409 ``quote_used``; expired: 410 ``quote_expired``); (2) post the transaction with the
ledger reference ``fx:quote:<quote id>``, unique in the ledger, so a quote moves money at
most once whatever races or crashes happen; (3) write the conversion and mark the quote
used in one database transaction. A crash between (2) and (3) leaves the quote open with
its money moved: the client's retry (with or without its key) meets the reference, finds
the first transaction, checks it moved the same amounts between the same wallets and
records it; a refusal in (2) (insufficient funds) leaves the quote open for a retry.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from coffer.db.columns import model_from_row
from coffer.db.engine import for_writes
from coffer.errors import (
    CurrencyMismatch,
    DuplicateReference,
    IdempotencyConflict,
    QuoteExpired,
    QuoteUsed,
    ValidationError,
    WalletClosed,
    WalletFrozen,
)
from coffer.fx import repository as R
from coffer.fx import schemas as S
from coffer.fx import tables as T
from coffer.fx.cache import TtlCache
from coffer.fx.quotes import Quotes
from coffer.fx.rates.service import to_micros
from coffer.ledger import UNBOUNDED, Ledger, Posting, Transaction
from coffer.ledger.models import from_micros
from coffer.wallets import currencies
from coffer.wallets import schemas as WS
from coffer.wallets.platform import WalletPlatform

Clock = Callable[[], datetime]
Row = Mapping[str, Any]
FEES_ACCOUNT = "platform:fx:fees"
SPREAD_ACCOUNT = "platform:fx:spread"
BACKDATED_SECONDS = 5  # a quote priced this much before its creation posts at its time


def position_account(currency: str) -> str:
    return f"platform:fx:{currency}"


def wallet_account(wallet_id: str) -> str:
    return f"wallets:{wallet_id}"


def conversion_postings(quote: Row, from_wallet: str, to_wallet: str) -> list[Posting]:
    sell_asset = currencies.asset(quote["sell_currency"])
    buy_asset = currencies.asset(quote["buy_currency"])
    source = wallet_account(from_wallet)
    legs = [
        Posting(source, FEES_ACCOUNT, int(quote["fee"]), sell_asset),
        Posting(source, SPREAD_ACCOUNT, int(quote["spread_amount"]), sell_asset),
        Posting(
            source,
            position_account(quote["sell_currency"]),
            int(quote["position_amount"]),
            sell_asset,
        ),
        Posting(
            position_account(quote["buy_currency"]),
            wallet_account(to_wallet),
            int(quote["buy_amount"]),
            buy_asset,
        ),
    ]
    postings = [p for p in legs if p.amount > 0]
    assert sum(p.amount for p in postings if p.asset == sell_asset) == int(quote["sell_amount"])
    return postings


class Conversions:
    def __init__(
        self,
        engine: sa.Engine,
        wallets: WalletPlatform,
        ledger: Ledger,
        quotes: Quotes,
        clock: Clock,
    ) -> None:
        self.engine = engine
        self.wallets = wallets
        self.ledger = ledger
        self.quotes = quotes
        self.clock = clock
        self._wallets: TtlCache[WS.Wallet] = TtlCache(quotes.settings.fx_cache_seconds)

    def _wallet(self, wallet_id: str) -> WS.Wallet:
        """A wallet's row (currency, owner, status), reused for ``fx_cache_seconds`` like
        the wallets domain's own cache; its balance is not used (the ledger checks it)."""
        return self._wallets.get(wallet_id, lambda: self.wallets.wallets.wallet(wallet_id))

    def unit(self) -> contextlib.AbstractContextManager[sa.Connection]:
        """A transaction that reads then writes (see :func:`~coffer.db.engine.for_writes`)."""
        return for_writes(self.engine).begin()

    # -- operations ---------------------------------------------------------------------

    def convert(
        self, request: S.ConversionCreate, *, idempotency_key: str | None = None
    ) -> S.Conversion:
        """Convert between two wallets of one customer at a quote."""
        return self._execute(
            "conversion",
            request.quote_id,
            request.from_wallet_id,
            request.to_wallet_id,
            request.metadata,
            idempotency_key,
        )

    def transfer(
        self, request: S.CrossBorderTransferCreate, *, idempotency_key: str | None = None
    ) -> S.Conversion:
        """Pay a wallet in another currency (any customer's): quote, conversion and
        transfer in one ledger transaction. With ``buy_amount`` the recipient gets exactly
        that; the quote is made for the payer (its tier's pricing) and used at once."""
        quote_id = request.quote_id
        if quote_id is None and idempotency_key is not None:
            with self.engine.connect() as connection:
                earlier = R.conversion_by(connection, "idempotency_key", idempotency_key)
            if earlier is not None:
                quote_id = str(earlier["quote_id"])
        if quote_id is None:
            payer = self._wallet(request.from_wallet_id)
            payee = self._wallet(request.to_wallet_id)
            quote = self.quotes.create(
                S.QuoteCreate(
                    sell_currency=payer.currency,
                    buy_currency=payee.currency,
                    sell_amount=request.sell_amount,
                    buy_amount=request.buy_amount,
                    customer_id=payer.customer_id,
                )
            )
            quote_id = quote.id
        return self._execute(
            "transfer",
            quote_id,
            request.from_wallet_id,
            request.to_wallet_id,
            request.metadata,
            idempotency_key,
        )

    def payout(
        self, request: S.CrossBorderPayoutCreate, *, idempotency_key: str | None = None
    ) -> S.CrossBorderPayout:
        """Pay out to a bank account in another currency: convert exactly ``amount`` into
        the customer's wallet in ``currency`` (created if missing), then pay it out. Two
        steps (a conversion, then the payout's hold); with an ``Idempotency-Key`` a retry
        replays each (``<key>:conversion``, ``<key>:payout``)."""
        source = self._wallet(request.from_wallet_id)
        if source.customer_id is None:
            raise ValidationError("pay out from a customer's wallet")
        target = self._wallet_in(source.customer_id, request.currency)
        conversion = self.transfer(
            S.CrossBorderTransferCreate(
                from_wallet_id=source.id, to_wallet_id=target, buy_amount=request.amount
            ),
            idempotency_key=f"{idempotency_key}:conversion" if idempotency_key else None,
        )
        payout = self.wallets.payouts.create_payout(
            WS.PayoutCreate(
                wallet_id=target,
                bank_account_id=request.bank_account_id,
                amount=request.amount,
                currency=request.currency,
            ),
            idempotency_key=f"{idempotency_key}:payout" if idempotency_key else None,
        )
        return S.CrossBorderPayout(conversion=conversion, payout=payout)

    def _wallet_in(self, customer_id: str, currency: str) -> str:
        after: str | None = None
        for _ in range(100):
            page = self.wallets.wallets.wallets(
                customer_id=customer_id, limit=100, starting_after=after
            )
            for found in page.data:
                if found.currency == currency:
                    return found.id
            if not page.has_more or not page.data:
                break
            after = page.data[-1].id
        made = self.wallets.wallets.create_wallet(
            WS.WalletCreate(customer_id=customer_id, currency=currency),
            idempotency_key=f"fx:wallet:{customer_id}:{currency}",
        )
        return made.id

    def get(self, conversion_id: str) -> S.Conversion:
        with self.engine.connect() as connection:
            row = R.existing(connection, T.conversions, conversion_id, "conversion")
        return conversion_model(row)

    def list(
        self, *, wallet_id: str | None = None, limit: int = 10, starting_after: str | None = None
    ) -> S.ConversionList:
        with self.engine.connect() as connection:
            rows, more = R.list_conversions(
                connection, wallet_id=wallet_id, limit=limit, starting_after=starting_after
            )
        return S.ConversionList(data=[conversion_model(r) for r in rows], has_more=more)

    # -- the saga -----------------------------------------------------------------------

    def _check_wallets(
        self, kind: str, quote: Row, from_wallet: WS.Wallet, to_wallet: WS.Wallet
    ) -> None:
        if from_wallet.currency != quote["sell_currency"]:
            raise CurrencyMismatch(
                f"wallet {from_wallet.id} holds {from_wallet.currency}; the quote sells "
                f"{quote['sell_currency']}"
            )
        if to_wallet.currency != quote["buy_currency"]:
            raise CurrencyMismatch(
                f"wallet {to_wallet.id} holds {to_wallet.currency}; the quote buys "
                f"{quote['buy_currency']}"
            )
        for wallet in (from_wallet, to_wallet):
            if wallet.kind != "customer":
                raise ValidationError("conversions move between customers' wallets")
            if wallet.status == "frozen":
                raise WalletFrozen(f"wallet {wallet.id} is frozen", wallet_id=wallet.id)
            if wallet.status == "closed":
                raise WalletClosed(f"wallet {wallet.id} is closed", wallet_id=wallet.id)
        if kind == "conversion" and from_wallet.customer_id != to_wallet.customer_id:
            raise ValidationError(
                "a conversion moves between one customer's wallets; pay another customer "
                "with a cross-border transfer (POST /fx/transfers)"
            )
        owner = quote["customer_id"]
        if owner is not None and owner != from_wallet.customer_id:
            raise ValidationError(f"quote {quote['id']} was made for another customer")

    def _execute(
        self,
        kind: str,
        quote_id: str,
        from_wallet_id: str,
        to_wallet_id: str,
        metadata: Mapping[str, str],
        key: str | None,
    ) -> S.Conversion:
        payload = {
            "kind": kind,
            "quote_id": quote_id,
            "from_wallet_id": from_wallet_id,
            "to_wallet_id": to_wallet_id,
            "metadata": json.dumps(dict(metadata), sort_keys=True),
        }
        with self.engine.connect() as connection:
            earlier = (
                R.conversion_by(connection, "idempotency_key", key) if key is not None else None
            )
            quote = self.quotes.row(quote_id, connection) if earlier is None else None
        if earlier is not None:
            return self._replayed(earlier, payload)
        assert quote is not None
        now = to_micros(self.clock())
        if quote["status"] == "used":
            raise QuoteUsed(
                f"quote {quote_id} was already used; ask for a new quote", quote_id=quote_id
            )
        if quote["expires_at"] <= now:
            raise QuoteExpired(
                f"quote {quote_id} expired at {from_micros(quote['expires_at']).isoformat()}; "
                "ask for a new quote",
                quote_id=quote_id,
            )
        from_wallet = self._wallet(from_wallet_id)
        to_wallet = self._wallet(to_wallet_id)
        self._check_wallets(kind, quote, from_wallet, to_wallet)
        tx = self._post(R.new_id("cnv"), kind, quote, from_wallet_id, to_wallet_id, metadata)
        row = {
            "id": tx.metadata["wallets_id"],
            **payload,
            "idempotency_key": key,
            "sell_currency": quote["sell_currency"],
            "buy_currency": quote["buy_currency"],
            "sell_amount": quote["sell_amount"],
            "buy_amount": quote["buy_amount"],
            "fee": quote["fee"],
            "status": "succeeded",
            "ledger_transaction_id": tx.id,
            "created_at": now,
            "updated_at": now,
        }
        try:
            with self.unit() as connection:
                R.insert(connection, T.conversions, row)
                R.mark_quote_used(connection, quote_id, now)
        except sa.exc.IntegrityError:
            # another request recorded this quote's conversion (a concurrent retry)
            with self.engine.connect() as connection:
                recorded = R.conversion_by(connection, "quote_id", quote_id)
            if recorded is None:
                raise
            if key is not None and recorded["idempotency_key"] == key:
                return self._replayed(recorded, payload)
            raise QuoteUsed(f"quote {quote_id} was already used", quote_id=quote_id) from None
        return conversion_model(row)

    def _replayed(self, row: Row, payload: Mapping[str, Any]) -> S.Conversion:
        if any(row[name] != value for name, value in payload.items()):
            raise IdempotencyConflict(
                "this Idempotency-Key was used with another request; use a new key"
            )
        return conversion_model(row)

    def _post(
        self,
        conversion_id: str,
        kind: str,
        quote: Row,
        from_wallet_id: str,
        to_wallet_id: str,
        extra: Mapping[str, str],
    ) -> Transaction:
        """The conversion's ledger transaction. Its reference ``fx:quote:<id>`` is unique
        in the ledger, so a quote moves money once: a second attempt (a retry after a
        crash, a concurrent request) finds the first one's transaction and adopts it when
        it moved the same amounts between the same wallets."""
        backdated = quote["effective_at"] < quote["created_at"] - BACKDATED_SECONDS * 1_000_000
        metadata = {
            "wallets_type": f"fx_{kind}",
            "wallets_id": conversion_id,
            "fx_quote_id": quote["id"],
            "fx_mid_rate": quote["mid_rate"],
            "fx_customer_rate": quote["customer_rate"],
        }
        if extra:
            metadata["fx_metadata"] = json.dumps(dict(extra), sort_keys=True)
        postings = conversion_postings(quote, from_wallet_id, to_wallet_id)
        reference = f"fx:quote:{quote['id']}"
        try:
            return self.ledger.post(
                postings,
                metadata=metadata,
                reference=reference,
                timestamp=from_micros(quote["effective_at"]) if backdated else None,
                overdrafts={position_account(quote["buy_currency"]): UNBOUNDED},
            )
        except DuplicateReference:
            page = self.ledger.transactions(reference=reference, page_size=1)
            if not page.data:
                raise
            first = page.data[0]
            if (
                sorted(first.postings) != sorted(postings)
                or first.metadata.get("wallets_type") != metadata["wallets_type"]
            ):
                raise QuoteUsed(
                    f"quote {quote['id']} was already used", quote_id=quote["id"]
                ) from None
            return first


def conversion_model(row: Row) -> S.Conversion:
    return model_from_row(S.Conversion, row)
