"""Settings of the wallet app's users and their end-user API (``COFFER_APP_*``)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from coffer.platforms import DEFAULT_PLATFORM_ID


class AppSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COFFER_APP_", env_file=".env", extra="ignore")

    platform_id: str = Field(
        default=DEFAULT_PLATFORM_ID,
        description="The platform whose customers sign up and sign in at /app and "
        "/api/me/v1 (a user belongs to one platform; signed-in requests use the user's own).",
    )
    signup_open: bool = Field(
        default=True,
        description="Anyone may sign up at /app and /api/me/v1 (each sign-up creates a Coffer "
        "customer and a wallet). false: sign-up answers 403 sign_up_closed.",
    )
    default_currency: str = Field(
        default="EUR",
        min_length=3,
        max_length=3,
        description="Currency of the wallet a new user gets at sign-up.",
    )
    currencies: list[str] = Field(
        default_factory=lambda: ["EUR", "USD", "GBP", "CNY"],
        description="Currencies a user may open a wallet in (JSON list).",
    )
    step_up_seconds: int = Field(
        default=300,
        ge=10,
        le=86_400,
        description="How fresh a second factor (TOTP code or passkey) must be for a "
        "sensitive action: payout, new beneficiary, transfer above the threshold, changing "
        "the password or the second factors. Signing in does not count: the action asks.",
    )
    step_up_transfer_threshold: int = Field(
        default=100,
        ge=0,
        description="A transfer of more than this, in MAJOR units of its currency (100 is "
        "100 EUR or 100 JPY), needs a fresh second factor. 0: every transfer does.",
    )
    transfer_fee_basis_points: int = Field(
        default=50,
        ge=0,
        le=10_000,
        description="Fee the platform takes on a transfer between customers, in basis "
        "points of the amount (50 = 0.5 %), rounded up to the minor unit; the recipient gets "
        "the amount less the fee. Shown before the sender confirms.",
    )
    transfer_fee_minimum: int = Field(
        default=0,
        ge=0,
        description="Least fee of a transfer, in MINOR units of its currency (cents).",
    )
    notifications_kept: int = Field(
        default=200,
        ge=10,
        le=10_000,
        description="Notifications kept per user; older ones are deleted as new ones come.",
    )

    notification_alerts_seconds: int = Field(
        default=300,
        ge=0,
        le=86_400,
        description="The assistant's alerts in a user's notification feed (unusual spending, "
        "duplicate charges, price increases, bills due, a low balance ahead) are computed "
        "when the customer's transactions change, else at most once per this many seconds "
        "per customer and process, not on every read of the feed. 0: on every read.",
    )


@lru_cache(maxsize=1)
def get_app_settings() -> AppSettings:
    return AppSettings()
