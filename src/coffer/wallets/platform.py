"""The wallets domain of one platform (tenant) assembled: one object holding each service
of the domain.

Each platform has its own wallets ledger (a system ledger): ``wallets`` (the
``COFFER_WALLETS_LEDGER`` setting) for the default platform, so that databases from before
platforms keep working, and ``<wallets_ledger>-<platform id>`` for every other platform,
created on first use. Its platform accounts (fees, credit, external) are in that ledger,
so they are per platform too. Every row the services read or write is filtered by the
platform (see :mod:`coffer.wallets.repository.rows`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from coffer.platforms import DEFAULT_PLATFORM_ID
from coffer.wallets.core import WalletsCore
from coffer.wallets.gateways import CardGateway, SandboxGateway, StripeGateway
from coffer.wallets.gateways.missing import MissingGateway
from coffer.wallets.payins import Payins
from coffer.wallets.payouts import Payouts, payout_model
from coffer.wallets.privacy.service import Privacy
from coffer.wallets.repository import PLATFORM_OPTION
from coffer.wallets.reviews import Reviews
from coffer.wallets.service import Wallets
from coffer.wallets.settings import WalletSettings, get_wallet_settings
from coffer.wallets.webhooks import Webhooks

# the return URL given to Stripe when neither COFFER_PUBLIC_BASE_URL nor serve's address is
# known (an app served some other way): Stripe needs an absolute URL
DEFAULT_BASE_URL = "http://127.0.0.1:8000"

if TYPE_CHECKING:
    from coffer.core import Coffer


class WalletPlatform:
    def __init__(
        self,
        coffer: Coffer,
        settings: WalletSettings | None = None,
        gateway: CardGateway | None = None,
        *,
        platform_id: str = DEFAULT_PLATFORM_ID,
        mode: str = "sandbox",
    ) -> None:
        self.coffer = coffer
        self.settings = settings or get_wallet_settings()
        self.platform_id = platform_id
        self.mode = mode
        self.ledger_name = wallets_ledger_name(self.settings.wallets_ledger, platform_id)
        ledger = coffer.ledger(self.ledger_name, platform_id=platform_id, system=True)
        # every connection of this platform's services carries the platform: the
        # repository filters each statement by it
        engine = coffer.engine.execution_options(**{PLATFORM_OPTION: platform_id})
        self.core = WalletsCore(engine, ledger, self.settings)
        self.wallets = Wallets(self.core)
        if gateway is None and self.settings.stripe_secret_key:
            gateway = StripeGateway(
                self.settings.stripe_secret_key,
                return_url=(self.settings.public_base_url or DEFAULT_BASE_URL).rstrip("/")
                + "/payments/return",
            )
        if gateway is None:
            # a live platform never uses the sandbox gateway
            gateway = MissingGateway() if self.live else SandboxGateway()
        self.payins = Payins(self.core, gateway)
        self.webhooks = Webhooks(self.core)
        self.payouts = Payouts(self.core)
        self.privacy = Privacy(self.core, self.wallets, self.payins, self.payouts)
        # movements a check held for review, resolved by that check
        self.reviews = Reviews(self.core, {"payin": self.payins._model, "payout": payout_model})

    @property
    def live(self) -> bool:
        return self.mode == "live"


def wallets_ledger_name(base: str, platform_id: str) -> str:
    """The wallets ledger of a platform: ``base`` for the default one, else
    ``base-<platform id>``."""
    return base if platform_id == DEFAULT_PLATFORM_ID else f"{base}-{platform_id}"


def open_wallets(
    coffer: Coffer,
    settings: WalletSettings | None = None,
    gateway: CardGateway | None = None,
    *,
    platform_id: str = DEFAULT_PLATFORM_ID,
) -> WalletPlatform:
    """The wallets domain of ``platform_id`` (the default platform unless given)."""
    from coffer.platforms.service import get_platform

    mode = get_platform(coffer.engine, platform_id).mode
    return WalletPlatform(coffer, settings, gateway, platform_id=platform_id, mode=mode)
