"""Reporting in one currency: balances and statements valued at a date's rates, and the
FX P&L of a period.

Values are exact products rounded half to even to the reporting currency's minor unit
(they are reports, not movements). The FX P&L of ``[start, end)``: for each position
``platform:fx:<CUR>``, revaluation = position at the end x the end rate - position at the
start x the start rate - each movement of the period x the rate at its own time, that is
the gain or loss from rates moving while the platform held the currency (a conversion
enters its position at about its mid rate, so it adds nothing by itself). The spread and
fee earned in the period are added, valued at the end rates.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from fractions import Fraction

from coffer.errors import ValidationError
from coffer.fx import schemas as S
from coffer.fx.conversions import FEES_ACCOUNT, SPREAD_ACCOUNT, position_account
from coffer.fx.rates.providers import decimal_text
from coffer.fx.rates.service import Rates, utc
from coffer.fx.settings import FxSettings
from coffer.ledger import Ledger
from coffer.wallets import currencies
from coffer.wallets.platform import WalletPlatform

Clock = Callable[[], datetime]
MAX_WALLETS = 1000
MAX_POSITIONS = 200


def round_half_even(value: Fraction) -> int:
    return round(value)  # Fraction.__round__ rounds half to even, exactly


def value_in(amount: int, currency: str, target: str, rate: Fraction) -> int:
    """``amount`` minor units of ``currency`` in minor units of ``target`` at ``rate``."""
    factor = Fraction(10 ** currencies.exponent(target), 10 ** currencies.exponent(currency))
    return round_half_even(amount * rate * factor)


class Reports:
    def __init__(
        self,
        wallets: WalletPlatform,
        ledger: Ledger,
        rates: Rates,
        settings: FxSettings,
        clock: Clock,
    ) -> None:
        self.wallets = wallets
        self.ledger = ledger
        self.rates = rates
        self.settings = settings
        self.clock = clock

    def valuation(self, customer_id: str, currency: str, at: datetime | None = None) -> S.Valuation:
        """Each wallet of the customer at ``at`` (its ledger balance then), and the total,
        in ``currency`` at that date's rates."""
        currency = currencies.check_currency(currency)
        moment = utc(at) if at is not None else self.clock()
        self.wallets.wallets.customer(customer_id)  # 404 for an unknown customer
        lines: list[S.ValuedBalance] = []
        after: str | None = None
        while len(lines) < MAX_WALLETS:
            page = self.wallets.wallets.wallets(
                customer_id=customer_id, limit=100, starting_after=after
            )
            for wallet in page.data:
                balance = self.ledger.balance(
                    f"wallets:{wallet.id}", currencies.asset(wallet.currency), at=moment
                )
                rate = self.rates.rate(wallet.currency, currency, moment)
                lines.append(
                    S.ValuedBalance(
                        wallet_id=wallet.id,
                        currency=wallet.currency,
                        balance=balance,
                        rate=decimal_text(rate.value),
                        value=value_in(balance, wallet.currency, currency, rate.value),
                    )
                )
            if not page.has_more or not page.data:
                break
            after = page.data[-1].id
        return S.Valuation(
            customer_id=customer_id,
            currency=currency,
            at=moment,
            balances=lines,
            total=sum(line.value for line in lines),
        )

    def statement(
        self, wallet_id: str, currency: str, *, limit: int = 50, cursor: str | None = None
    ) -> S.ValuedStatement:
        """The wallet's statement, each line valued in ``currency`` at its own time."""
        currency = currencies.check_currency(currency)
        statement = self.wallets.wallets.statement(wallet_id, limit=limit, cursor=cursor)
        lines = []
        for line in statement.data:
            rate = self.rates.rate(statement.currency, currency, line.timestamp).value
            lines.append(
                S.ValuedLine(
                    **line.model_dump(exclude={"reference_id"}),
                    rate=decimal_text(rate),
                    value=value_in(line.amount, statement.currency, currency, rate),
                    balance_value=value_in(line.balance, statement.currency, currency, rate),
                )
            )
        return S.ValuedStatement(
            wallet_id=wallet_id,
            currency=statement.currency,
            reporting_currency=currency,
            data=lines,
            has_more=statement.has_more,
            next_cursor=statement.next_cursor,
        )

    def _positions(self) -> list[str]:
        page = self.ledger.accounts(prefix="platform:fx:", page_size=MAX_POSITIONS)
        codes = []
        for account in page.data:
            code = account.address.rsplit(":", 1)[1]
            if len(code) == 3 and code.isupper():
                codes.append(code)
        return codes

    def pnl(self, start: datetime, end: datetime, currency: str | None = None) -> S.PnlReport:
        """FX P&L of ``[start, end)`` in ``currency`` (default the base currency)."""
        target = currencies.check_currency(currency or self.settings.fx_base_currency)
        start, end = utc(start), utc(end)
        if end <= start:
            raise ValidationError("the period's end must be after its start")
        lines = []
        for code in self._positions():
            asset = currencies.asset(code)
            account = position_account(code)
            begin = self.ledger.balance(account, asset, at=start)
            finish = self.ledger.balance(account, asset, at=end)
            if begin == 0 and finish == 0:
                continue
            # a position that was (or is) zero needs no rate then
            start_rate = self.rates.rate(code, target, start).value if begin else None
            end_rate = self.rates.rate(code, target, end).value if finish else None
            start_value = value_in(begin, code, target, start_rate) if start_rate else 0
            end_value = value_in(finish, code, target, end_rate) if end_rate else 0
            # the period's flows entered at about their value: only rate moves are P&L
            flow_value = self._flow_value(account, asset, code, target, start, end)
            lines.append(
                S.PositionLine(
                    currency=code,
                    start_position=begin,
                    end_position=finish,
                    start_rate=decimal_text(start_rate) if start_rate else None,
                    end_rate=decimal_text(end_rate) if end_rate else None,
                    start_value=start_value,
                    end_value=end_value,
                    revaluation=end_value - start_value - flow_value,
                )
            )
        revenue = {FEES_ACCOUNT: 0, SPREAD_ACCOUNT: 0}
        for account in revenue:
            for asset, balance in self.ledger.balances(account, at=end).items():
                code = asset.split("/")[0]
                earned = balance.balance - self.ledger.balance(account, asset, at=start)
                if earned:
                    rate = self.rates.rate(code, target, end).value
                    revenue[account] += value_in(earned, code, target, rate)
        revaluation = sum(line.revaluation for line in lines)
        return S.PnlReport(
            currency=target,
            start=start,
            end=end,
            positions=lines,
            revaluation=revaluation,
            spread_revenue=revenue[SPREAD_ACCOUNT],
            fee_revenue=revenue[FEES_ACCOUNT],
            total=revaluation + revenue[SPREAD_ACCOUNT] + revenue[FEES_ACCOUNT],
        )

    def _flow_value(
        self, account: str, asset: str, code: str, target: str, start: datetime, end: datetime
    ) -> int:
        """What the period's conversions moved through the position, each valued at the
        rate of its own time (bounded: the last 10,000 transactions of the period)."""
        total = 0
        cursor: str | None = None
        for _ in range(100):
            page = self.ledger.transactions(
                account=account, start_time=start, end_time=end, page_size=100, cursor=cursor
            )
            for tx in page.data:
                delta = sum(
                    (p.amount if p.destination == account else -p.amount)
                    for p in tx.postings
                    if p.asset == asset and account in (p.source, p.destination)
                )
                if delta:
                    rate = self.rates.rate(code, target, tx.timestamp).value
                    total += value_in(delta, code, target, rate)
            if not page.has_more or page.next_cursor is None:
                break
            cursor = page.next_cursor
        return total
