"""Settings of the wallet app's users and their end-user API (``COFFER_APP_*``)."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from coffer.platforms import DEFAULT_PLATFORM_ID
from coffer.settings import CofferSettings


class AppSettings(CofferSettings):
    model_config = SettingsConfigDict(env_prefix="COFFER_APP_")

    platform_id: str = DEFAULT_PLATFORM_ID
    """The platform whose customers sign up and sign in at /app and /api/me/v1 (a user belongs to
    one platform; signed-in requests use the user's own)."""
    signup_open: bool = True
    """Anyone may sign up at /app and /api/me/v1 (each sign-up creates a Coffer customer and a
    wallet). false: sign-up answers 403 sign_up_closed."""
    default_currency: Annotated[str, Field(min_length=3, max_length=3)] = "EUR"
    """Currency of the wallet a new user gets at sign-up."""
    currencies: list[str] = Field(default_factory=lambda: ["EUR", "USD", "GBP", "CNY"])
    """Currencies a user may open a wallet in (JSON list)."""
    step_up_seconds: Annotated[int, Field(ge=10, le=86_400)] = 300
    """How fresh a second factor (TOTP code or passkey) must be for a sensitive action: payout, new
    beneficiary, transfer above the threshold, changing the password or the second factors. Signing
    in does not count: the action asks."""
    step_up_transfer_threshold: Annotated[int, Field(ge=0)] = 100
    """A transfer of more than this, in MAJOR units of its currency (100 is 100 EUR or 100 JPY),
    needs a fresh second factor. 0: every transfer does."""
    transfer_fee_basis_points: Annotated[int, Field(ge=0, le=10_000)] = 50
    """Fee the platform takes on a transfer between customers, in basis points of the amount (50 =
    0.5 %), rounded up to the minor unit; the recipient gets the amount less the fee. Shown before
    the sender confirms."""
    transfer_fee_minimum: Annotated[int, Field(ge=0)] = 0
    """Least fee of a transfer, in MINOR units of its currency (cents)."""
    notifications_kept: Annotated[int, Field(ge=10, le=10_000)] = 200
    """Notifications kept per user; older ones are deleted as new ones come."""

    notification_alerts_seconds: Annotated[int, Field(ge=0, le=86_400)] = 300
    """The assistant's alerts in a user's notification feed (unusual spending, duplicate charges,
    price increases, bills due, a low balance ahead) are computed when the customer's
    transactions change, else at most once per this many seconds per customer and process, not
    on every read of the feed. 0: on every read."""


@lru_cache(maxsize=1)
def get_app_settings() -> AppSettings:
    return AppSettings()
