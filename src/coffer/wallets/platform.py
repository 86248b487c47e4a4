"""The wallets domain assembled: one object holding each service of the domain."""

from __future__ import annotations

from typing import TYPE_CHECKING

from coffer.wallets.core import WalletsCore
from coffer.wallets.gateways import CardGateway, SandboxGateway, StripeGateway
from coffer.wallets.payins import Payins
from coffer.wallets.payouts import Payouts, payout_model
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
    ) -> None:
        self.coffer = coffer
        self.settings = settings or get_wallet_settings()
        self.core = WalletsCore(
            coffer.engine, coffer.ledger(self.settings.wallets_ledger), self.settings
        )
        self.wallets = Wallets(self.core)
        if gateway is None and self.settings.stripe_secret_key:
            gateway = StripeGateway(
                self.settings.stripe_secret_key,
                return_url=(self.settings.public_base_url or DEFAULT_BASE_URL).rstrip("/")
                + "/payments/return",
            )
        self.payins = Payins(self.core, gateway or SandboxGateway())
        self.webhooks = Webhooks(self.core)
        self.payouts = Payouts(self.core)
        # movements a check held for review, resolved by that check
        self.reviews = Reviews(self.core, {"payin": self.payins._model, "payout": payout_model})


def open_wallets(
    coffer: Coffer,
    settings: WalletSettings | None = None,
    gateway: CardGateway | None = None,
) -> WalletPlatform:
    return WalletPlatform(coffer, settings, gateway)
