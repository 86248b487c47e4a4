"""Settings of the wallets domain (COFFER_* environment variables).

Kept apart from :mod:`coffer.settings` so the domain can be configured on its own:

- ``COFFER_PII_KEY``: the master key, AES-256-GCM (64 hex characters), that wraps each
  customer's data key (which encrypts the customer's personal data at rest);
  ``COFFER_PII_KEY_ID`` names it (stored with every ciphertext, for rotation);
  ``COFFER_PII_OLD_KEYS`` (JSON ``{"key id": "hex"}``) keeps retired keys readable. When no
  key is set, one is generated once into ``COFFER_PII_KEY_FILE`` (mode 0600), which
  ``coffer keys rotate`` rewrites as JSON ``{"current": id, "keys": {id: hex}}``.
- ``COFFER_RETENTION_*``: how long data is kept (see docs/privacy.md).
- ``COFFER_STRIPE_SECRET_KEY``: card pay-ins go through Stripe;
  ``COFFER_STRIPE_WEBHOOK_SECRET`` (``whsec_...``) verifies the webhooks Stripe sends to
  ``/api/wallets/v1/gateways/stripe/webhook``.
- ``COFFER_KYC_LIMITS``: JSON ``{"none": {...}, "light": {...}, "verified": {...}}`` with the
  fields of :class:`KycLimits`, in major units of the wallet's currency (null: no limit).
"""

from __future__ import annotations

import json
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, Field, field_validator

from coffer.errors import ValidationError
from coffer.keyfile import read_or_create
from coffer.settings import CofferSettings

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


class WalletSettings(CofferSettings):
    wallets_ledger: str = "wallets"
    """Ledger holding wallet money."""
    pii_key: str | None = None
    """AES-256 key, 64 hex characters."""
    pii_key_id: str = "k1"
    """Name of pii_key, stored per value."""
    pii_old_keys: dict[str, str] = Field(default_factory=dict)
    """Retired keys still needed to read old rows."""
    pii_key_file: str = "./coffer-pii.key"
    """Where a generated pii_key is kept (mode 0600)."""
    retention_closed_customer_days: Annotated[int | None, Field(ge=1)] = None
    """Erase (crypto-shred) the personal data of a customer this many days after the relationship
    ended: every wallet closed that long ago (or, without wallets, created that long ago) and no
    consent recorded since. Unset: kept until erased on request. Legal retention duties (AML: often
    5 years) come first."""
    retention_events_days: Annotated[int | None, Field(ge=1)] = None
    """Delete outbox events older than this many days, with their finished webhook deliveries (never
    an event still being delivered). Unset: kept."""
    retention_idempotency_days: Annotated[int | None, Field(ge=1)] = None
    """Delete stored Idempotency-Key records (and the encrypted answers they replay) older than this
    many days; a retry after that runs as a new request. Unset: kept."""
    export_max_movements: Annotated[int, Field(ge=1, le=10_000_000)] = 100_000
    """Ledger lines one customer export holds at most (movements_complete says false past it; the
    statement endpoint pages the rest)."""
    retention_interval_seconds: Annotated[int, Field(ge=60)] = 3600
    """How often the worker applies the retention periods that are set (`coffer privacy retention
    --apply` applies them at once)."""
    kyc_limits: dict[str, KycLimits] = Field(default_factory=_default_limits)
    """Limits per KYC level, in MAJOR units of kyc_limits_currency when it is set, else of the
    wallet's own currency (150 is then 150 EUR or 150 JPY); null: no limit."""
    kyc_limits_currency: str | None = None
    """The reference currency of kyc_limits (e.g. EUR). A wallet in another currency gets the limits
    converted at the current coffer.fx rate (rounded down to its minor unit); without a fresh rate
    its movements are refused (fx_rate_not_found or fx_rate_stale). None: limits in each wallet's
    own currency, no conversion."""
    authorization_expiry_seconds: Annotated[int, Field(ge=1)] = 7 * 24 * 3600
    """An uncaptured card authorization is released."""
    platform_name: str = "Coffer Platform"
    """The platform's name: the debtor and initiating party of pain.001 files."""
    platform_iban: str = "DE89370400440532013000"
    """The platform's own bank account, debited by every pain.001 payout file (the debtor account).
    The default is a well-known test IBAN: set the real one."""
    platform_bic: str = "COBADEFFXXX"
    """BIC of the bank of platform_iban (debtor agent)."""
    public_base_url: str | None = None
    """The server's public URL (scheme, host, port, no path), the base of the URLs Coffer hands out:
    a 3-D Secure pay-in's next_action.url and the return_url given to Stripe. Unset: the address
    `coffer serve` listens on (unless it is a wildcard such as 0.0.0.0), and in an API answer the
    base URL of the request itself."""
    payment_return_url: str | None = None
    """Where GET /payments/return (the page the card gateway sends the customer back to after 3-D
    Secure) redirects, with payin_id and status added to the query string: the platform's own page.
    Without it Coffer answers a minimal page itself."""
    metadata_max_keys: Annotated[int, Field(ge=1, le=1000)] = 50
    """Most keys in the metadata of a wallets object (customer, transfer, payment, pay-in...);
    beyond, 400."""
    metadata_max_key_length: Annotated[int, Field(ge=1, le=1000)] = 40
    """Longest metadata key, in characters."""
    metadata_max_value_length: Annotated[int, Field(ge=1, le=10_000)] = 500
    """Longest metadata value, in characters."""
    metadata_max_bytes: Annotated[int, Field(ge=256, le=60_000)] = 8192
    """Largest metadata of one object, encoded as JSON (it is also kept in the ledger transaction,
    whose metadata values are bounded by max_metadata_value_bytes)."""
    webhook_timeout_seconds: Annotated[float, Field(gt=0)] = 10.0
    """How long a webhook delivery waits for the receiver."""
    webhook_sandbox_allow_loopback: bool = True
    """Sandbox platforms may register http and loopback (127.0.0.1, ::1) webhook URLs, for local
    development. Off: they are held to the live rule (https, public addresses). Private, link-local
    and metadata addresses are always refused."""
    webhook_batch_size: Annotated[int, Field(ge=1, le=10_000)] = 100
    """Deliveries a worker pass sends at most."""
    stripe_secret_key: str | None = None
    """Stripe secret key (sk_...): card pay-ins go through Stripe."""
    stripe_webhook_secret: str | None = None
    """Signing secret (whsec_...) of the Stripe webhook endpoint pointed at
    /api/wallets/v1/gateways/stripe/webhook; without it that route answers 404."""
    stripe_webhook_tolerance_seconds: Annotated[int, Field(ge=1, le=3600)] = 300
    """A Stripe webhook signed longer ago than this is refused (replay guard)."""
    balance_hint_seconds: Annotated[float, Field(ge=0)] = 30.0
    """How long the balance a wallet was left with by this process's last movement stands in for a
    ledger read in the max_balance check, and only while it is at most half the limit (so only
    credits from other processes worth half the limit within this delay could overshoot it). 0:
    always read the ledger."""
    cache_seconds: Annotated[float, Field(ge=0)] = 1.0
    """Each process caches wallet and customer rows and polls a change epoch this often: a wallet
    frozen or a KYC level raised by another process is seen within this delay (at once in the
    process that made the change). 0: no cache."""

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

    def encryption_keys(self, *, create: bool = True) -> tuple[str, dict[str, bytes]]:
        """The current master key id and every usable master key by id (the key file is
        created when missing, unless ``create`` is False: then a missing file is an
        error)."""
        keys = {key_id: _key_bytes(value) for key_id, value in self.pii_old_keys.items()}
        if self.pii_key:
            keys[self.pii_key_id] = _key_bytes(self.pii_key)
            return self.pii_key_id, keys
        current, from_file = read_key_file(Path(self.pii_key_file), self.pii_key_id, create=create)
        keys.update(from_file)
        return current, keys

    @property
    def keys_in_file(self) -> bool:
        """Whether the master key lives in the key file (not in COFFER_PII_KEY)."""
        return not self.pii_key


def _key_bytes(text: str) -> bytes:
    try:
        key = bytes.fromhex(text)
    except ValueError as exc:
        raise ValidationError("COFFER_PII_KEY must be 64 hexadecimal characters") from exc
    if len(key) != 32:
        raise ValidationError("COFFER_PII_KEY must be 64 hexadecimal characters (32 bytes)")
    return key


def read_key_file(
    path: Path, default_id: str, *, create: bool = True
) -> tuple[str, dict[str, bytes]]:
    """The current key id and the keys of the master key file, created (one new key named
    ``default_id``) when missing if ``create``. The file holds either one key (64 hex
    characters, named ``default_id``) or, once rotated, JSON ``{"current": id, "keys":
    {id: hex}}``."""
    if not create and not path.exists():
        raise ValidationError(f"the master key file {path} is missing")
    text = read_or_create(path, lambda: secrets.token_hex(32))
    if not text.startswith("{"):
        return default_id, {default_id: _key_bytes(text)}
    try:
        document = json.loads(text)
        current = str(document["current"])
        keys = {str(k): _key_bytes(str(v)) for k, v in dict(document["keys"]).items()}
    except (ValueError, KeyError, TypeError) as exc:
        raise ValidationError(
            f"the master key file {path} is not a key: expected 64 hexadecimal characters or "
            'JSON {"current": id, "keys": {id: hex}}'
        ) from exc
    if current not in keys:
        raise ValidationError(f"the master key file {path} names a current key it does not hold")
    return current, keys


@lru_cache(maxsize=1)
def get_wallet_settings() -> WalletSettings:
    return WalletSettings()
