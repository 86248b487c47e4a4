"""Request and response models of the end-user API (``/api/me/v1``). Amounts are integers
in the currency's minor units (cents), as in the wallets API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from coffer.wallets.schemas import Card, CurrencyCode, PositiveAmount

Locale = Literal["en", "zh"]
EMAIL_PATTERN = r"^[^@\s]{1,64}@[^@\s]{1,189}\.[^@\s]{1,60}$"


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- sign-up and sign-in ------------------------------------------------------------------


class SignUp(Model):
    email: str = Field(max_length=254, pattern=EMAIL_PATTERN)
    password: str = Field(min_length=1, max_length=256)
    name: str = Field(min_length=1, max_length=200)
    locale: Locale = "en"


class SignIn(Model):
    email: str = Field(min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=256)


class SecondFactorCode(Model):
    code: str = Field(min_length=6, max_length=20, description="A TOTP or recovery code.")


class PasskeyAnswer(Model):
    challenge_id: str = Field(min_length=1, max_length=100)
    credential: dict[str, Any] = Field(
        description="What the browser's navigator.credentials returned (its toJSON())."
    )


class PasskeyOptions(BaseModel):
    challenge_id: str
    options: dict[str, Any] = Field(
        description="WebAuthn options for navigator.credentials (JSON form, base64url)."
    )


class Session(BaseModel):
    object: Literal["session"] = "session"
    status: Literal["signed_in", "second_factor_required"]
    token: str = Field(
        description="Bearer token of this device's session (Authorization: Bearer ...). "
        "With second_factor_required it only completes the sign-in."
    )
    methods: list[Literal["totp", "passkey"]] = Field(
        default_factory=list, description="Second factors the account has."
    )
    expires_at: datetime


# -- the user and their security ----------------------------------------------------------


class StepUp(BaseModel):
    fresh: bool = Field(description="A second factor was checked within the window.")
    valid_until: datetime | None


class Me(BaseModel):
    object: Literal["user"] = "user"
    id: str
    customer_id: str
    email: str | None
    name: str
    locale: Locale
    kyc_level: str
    totp: bool
    passkeys: int
    recovery_codes_left: int
    step_up: StepUp
    unread_notifications: int
    created_at: datetime


class LocaleChange(Model):
    locale: Locale


class PasswordChange(Model):
    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256)


class TotpSetup(BaseModel):
    secret: str = Field(description="Base32 secret to type into an authenticator app.")
    uri: str = Field(description="otpauth:// URI (what a QR code would carry).")


class RecoveryCodes(BaseModel):
    codes: list[str] = Field(description="Shown once; each signs in once instead of a code.")


class Passkey(BaseModel):
    object: Literal["passkey"] = "passkey"
    id: str
    name: str
    created_at: datetime
    last_used_at: datetime | None


class PasskeyRegistration(PasskeyAnswer):
    name: str = Field(default="Passkey", min_length=1, max_length=100)


class Device(BaseModel):
    object: Literal["device"] = "device"
    id: str = Field(description="The session's id (ses_...).")
    current: bool
    user_agent: str | None
    address: str | None
    created_at: datetime
    last_seen_at: datetime


# -- money ---------------------------------------------------------------------------------


class WalletOpen(Model):
    currency: CurrencyCode


class HistoryLine(BaseModel):
    wallet_id: str
    transaction_id: int | None = Field(
        description="The ledger transaction; null for a pending line (a payout on its way, "
        "its money reserved but not yet moved)."
    )
    timestamp: datetime
    amount: int = Field(description="Signed: positive in, negative out.")
    balance: int | None = Field(description="The wallet's balance after this line (null: pending).")
    pending: bool = False
    currency: str
    type: str = Field(description="transfer, payin, payout, payment, refund...")
    reference_id: str | None
    category: str | None = Field(
        description="Primary category from the assistant (FOOD_AND_DRINK...), when known."
    )


class TransferQuoteRequest(Model):
    wallet_id: str = Field(min_length=1, max_length=40, description="The wallet debited.")
    amount: PositiveAmount
    to_email: str | None = Field(default=None, max_length=254)
    beneficiary_id: str | None = Field(default=None, max_length=40)
    note: str | None = Field(default=None, max_length=140)

    @model_validator(mode="after")
    def _one_recipient(self) -> TransferQuoteRequest:
        if (self.to_email is None) == (self.beneficiary_id is None):
            raise ValueError("give the recipient as to_email or beneficiary_id (one of them)")
        return self


class TransferQuote(BaseModel):
    object: Literal["transfer_quote"] = "transfer_quote"
    wallet_id: str
    currency: str
    amount: int
    fee: int
    credited_amount: int = Field(description="What the recipient gets: amount less fee.")
    recipient_name: str
    recipient_wallet_id: str
    step_up_required: bool = Field(
        description="Sending it now would be refused until a second factor is checked."
    )
    balance_after: int


class TopUpRequest(Model):
    wallet_id: str = Field(min_length=1, max_length=40)
    amount: PositiveAmount
    card: Card


class BeneficiaryCreate(Model):
    kind: Literal["customer", "bank_account"]
    name: str = Field(min_length=1, max_length=140, description="Your label for it.")
    email: str | None = Field(default=None, max_length=254, description="kind customer")
    iban: str | None = Field(default=None, min_length=15, max_length=42)
    bic: str | None = Field(default=None, min_length=8, max_length=11)
    holder_name: str | None = Field(default=None, max_length=140)

    @model_validator(mode="after")
    def _fields_of_kind(self) -> BeneficiaryCreate:
        if self.kind == "customer" and not self.email:
            raise ValueError("a customer beneficiary needs the email of their account")
        if self.kind == "bank_account" and not self.iban:
            raise ValueError("a bank account beneficiary needs an IBAN")
        return self


class Beneficiary(BaseModel):
    object: Literal["beneficiary"] = "beneficiary"
    id: str
    kind: Literal["customer", "bank_account"]
    name: str
    iban_last4: str | None
    country: str | None
    created_at: datetime


class PayoutRequest(Model):
    wallet_id: str = Field(min_length=1, max_length=40)
    beneficiary_id: str = Field(min_length=1, max_length=40)
    amount: PositiveAmount


class Notification(BaseModel):
    object: Literal["notification"] = "notification"
    id: str
    kind: str
    params: dict[str, Any]
    created_at: datetime
    read: bool
