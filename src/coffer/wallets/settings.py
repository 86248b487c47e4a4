"""Settings of the wallets domain (COFFER_* environment variables).

Kept apart from :mod:`coffer.settings` so the domain can be configured on its own:

- ``COFFER_PII_KEY``: AES-256-GCM key (64 hex characters) encrypting customers' personal
  data at rest; ``COFFER_PII_KEY_ID`` names it (stored with every ciphertext, for rotation);
  ``COFFER_PII_OLD_KEYS`` (JSON ``{"key id": "hex"}``) keeps retired keys readable. When no
  key is set, one is generated once into ``COFFER_PII_KEY_FILE`` (mode 0600).
- ``COFFER_STRIPE_SECRET_KEY``: card pay-ins go through Stripe;
  ``COFFER_STRIPE_WEBHOOK_SECRET`` (``whsec_...``) verifies the webhooks Stripe sends to
  ``/api/wallets/v1/gateways/stripe/webhook``.
- ``COFFER_KYC_LIMITS``: JSON ``{"none": {...}, "light": {...}, "verified": {...}}`` with the
  fields of :class:`KycLimits`, in major units of the wallet's currency (null: no limit).
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from coffer.errors import ValidationError
from coffer.keyfile import read_or_create

KYC_LEVELS = ("none", "light", "verified")


class KycLimits(BaseModel):
    """Limits of one KYC level, in major units of the wallet's currency (None: unlimited)."""

    max_balance: int | None = None
    max_transaction_amount: int | None = None
    max_monthly_payin: int | None = None
    max_monthly_payout: int | None = None


def _default_limits() -> dict[str, KycLimits]:
    return {
        "none": KycLimits(
            max_balance=150,
            max_transaction_amount=150,
            max_monthly_payin=150,
            max_monthly_payout=0,
        ),
        "light": KycLimits(
            max_balance=2_500,
            max_transaction_amount=1_000,
            max_monthly_payin=2_500,
            max_monthly_payout=1_000,
        ),
        "verified": KycLimits(
            max_balance=1_000_000,
            max_transaction_amount=100_000,
            max_monthly_payin=1_000_000,
            max_monthly_payout=1_000_000,
        ),
    }


class WalletSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COFFER_", env_file=".env", extra="ignore")

    wallets_ledger: str = Field(default="wallets", description="Ledger holding wallet money.")
    pii_key: str | None = Field(default=None, description="AES-256 key, 64 hex characters.")
    pii_key_id: str = Field(default="k1", description="Name of pii_key, stored per value.")
    pii_old_keys: dict[str, str] = Field(
        default_factory=dict, description="Retired keys still needed to read old rows."
    )
    pii_key_file: str = Field(
        default="./coffer-pii.key", description="Where a generated pii_key is kept (mode 0600)."
    )
    kyc_limits: dict[str, KycLimits] = Field(
        default_factory=_default_limits,
        description="Limits per KYC level, in MAJOR units of kyc_limits_currency when it is "
        "set, else of the wallet's own currency (150 is then 150 EUR or 150 JPY); null: no "
        "limit.",
    )
    kyc_limits_currency: str | None = Field(
        default=None,
        description="The reference currency of kyc_limits (e.g. EUR). A wallet in another "
        "currency gets the limits converted at the current coffer.fx rate (rounded down to "
        "its minor unit); without a fresh rate its movements are refused (fx_rate_not_found "
        "or fx_rate_stale). None: limits in each wallet's own currency, no conversion.",
    )
    authorization_expiry_seconds: int = Field(
        default=7 * 24 * 3600, ge=1, description="An uncaptured card authorization is released."
    )
    platform_name: str = Field(
        default="Coffer Platform",
        description="The platform's name: the debtor and initiating party of pain.001 files.",
    )
    platform_iban: str = Field(
        default="DE89370400440532013000",
        description="The platform's own bank account, debited by every pain.001 payout file "
        "(the debtor account). The default is a well-known test IBAN: set the real one.",
    )
    platform_bic: str = Field(
        default="COBADEFFXXX", description="BIC of the bank of platform_iban (debtor agent)."
    )
    public_base_url: str | None = Field(
        default=None,
        description="The server's public URL (scheme, host, port, no path), the base of the "
        "URLs Coffer hands out: a 3-D Secure pay-in's next_action.url and the return_url "
        "given to Stripe. Unset: the address `coffer serve` listens on (unless it is a "
        "wildcard such as 0.0.0.0), and in an API answer the base URL of the request itself.",
    )
    payment_return_url: str | None = Field(
        default=None,
        description="Where GET /payments/return (the page the card gateway sends the customer "
        "back to after 3-D Secure) redirects, with payin_id and status added to the query "
        "string: the platform's own page. Without it Coffer answers a minimal page itself.",
    )
    webhook_timeout_seconds: float = Field(
        default=10.0, gt=0, description="How long a webhook delivery waits for the receiver."
    )
    webhook_batch_size: int = Field(
        default=100, ge=1, le=10_000, description="Deliveries a worker pass sends at most."
    )
    stripe_secret_key: str | None = Field(
        default=None, description="Stripe secret key (sk_...): card pay-ins go through Stripe."
    )
    stripe_webhook_secret: str | None = Field(
        default=None,
        description="Signing secret (whsec_...) of the Stripe webhook endpoint pointed at "
        "/api/wallets/v1/gateways/stripe/webhook; without it that route answers 404.",
    )
    stripe_webhook_tolerance_seconds: int = Field(
        default=300,
        ge=1,
        le=3600,
        description="A Stripe webhook signed longer ago than this is refused (replay guard).",
    )
    balance_hint_seconds: float = Field(
        default=30.0,
        ge=0,
        description="How long the balance a wallet was left with by this process's last "
        "movement stands in for a ledger read in the max_balance check, and only while it is "
        "at most half the limit (so only credits from other processes worth half the limit "
        "within this delay could overshoot it). 0: always read the ledger.",
    )
    cache_seconds: float = Field(
        default=1.0,
        ge=0,
        description="Each process caches wallet and customer rows and polls a change epoch "
        "this often: a wallet frozen or a KYC level raised by another process is seen "
        "within this delay (at once in the process that made the change). 0: no cache.",
    )

    @field_validator("kyc_limits_currency")
    @classmethod
    def _reference_currency(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        from coffer.wallets.currencies import check_currency

        return check_currency(value.strip().upper())

    def limits_for(self, level: str) -> KycLimits:
        if level not in KYC_LEVELS:
            raise ValidationError(f"unknown KYC level {level!r}: use one of {KYC_LEVELS}")
        return self.kyc_limits.get(level, KycLimits())

    def encryption_keys(self) -> tuple[str, dict[str, bytes]]:
        """The current key id and every usable key by id."""
        keys = {key_id: _key_bytes(value) for key_id, value in self.pii_old_keys.items()}
        if self.pii_key:
            keys[self.pii_key_id] = _key_bytes(self.pii_key)
        else:
            keys[self.pii_key_id] = _key_from_file(Path(self.pii_key_file))
        return self.pii_key_id, keys


def _key_bytes(text: str) -> bytes:
    try:
        key = bytes.fromhex(text)
    except ValueError as exc:
        raise ValidationError("COFFER_PII_KEY must be 64 hexadecimal characters") from exc
    if len(key) != 32:
        raise ValidationError("COFFER_PII_KEY must be 64 hexadecimal characters (32 bytes)")
    return key


def _key_from_file(path: Path) -> bytes:
    return _key_bytes(read_or_create(path, lambda: secrets.token_hex(32)))


@lru_cache(maxsize=1)
def get_wallet_settings() -> WalletSettings:
    return WalletSettings()
