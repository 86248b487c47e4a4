"""The fx domain assembled on a wallets platform: rates, quotes, conversions, reports and
loyalty programs, with one injectable clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from coffer.fx.conversions import Conversions
from coffer.fx.loyalty.earning import LoyaltyEarner
from coffer.fx.loyalty.service import Loyalty
from coffer.fx.quotes import Quotes
from coffer.fx.rates.service import Rates
from coffer.fx.reporting import Reports
from coffer.fx.settings import FxSettings, get_fx_settings
from coffer.wallets.platform import WalletPlatform

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


class FxPlatform:
    def __init__(
        self,
        wallets: WalletPlatform,
        settings: FxSettings | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.wallets = wallets
        self.settings = settings or get_fx_settings()
        self.clock = clock or system_clock
        # the platform's scoped engine and wallets ledger: fx rows and money stay in it
        engine = wallets.core.engine
        self.ledger = wallets.core.ledger
        self.rates = Rates(engine, self.settings, self.clock)
        self.quotes = Quotes(engine, self.rates, self.settings, self.clock)
        self.conversions = Conversions(engine, wallets, self.ledger, self.quotes, self.clock)
        self.reports = Reports(wallets, self.ledger, self.rates, self.settings, self.clock)
        self.loyalty = Loyalty(engine, wallets, self.ledger, self.clock)
        # the platform's payments earn points and their refunds take them back
        self.earner = LoyaltyEarner(self.loyalty)
        wallets.core.earners.register(self.earner)


def open_fx(
    wallets: WalletPlatform, settings: FxSettings | None = None, clock: Clock | None = None
) -> FxPlatform:
    return FxPlatform(wallets, settings, clock)
