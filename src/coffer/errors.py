"""One error tree for all of Coffer.

Every error has a stable snake_case ``code``, an HTTP ``status`` and a message that tells
the user what to do. ``formance_code`` is the code Formance Ledger v2 uses for the same
failure, so the ledger HTTP API can render errors in Formance's shape.
"""

from __future__ import annotations

from typing import Any, ClassVar


class CofferError(Exception):
    code: ClassVar[str] = "internal_error"
    status: ClassVar[int] = 500
    formance_code: ClassVar[str] = "INTERNAL"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            out["details"] = self.details
        return out


class ValidationError(CofferError):
    code = "validation_error"
    status = 400
    formance_code = "VALIDATION"


class InvalidAmount(ValidationError):
    code = "invalid_amount"


class InvalidAsset(ValidationError):
    code = "invalid_asset"


class InvalidAccount(ValidationError):
    code = "invalid_account"


class NoPostings(ValidationError):
    """A transaction without postings (Formance answers 400 ``NO_POSTINGS``)."""

    code = "no_postings"
    formance_code = "NO_POSTINGS"


class NotFound(CofferError):
    code = "not_found"
    status = 404
    formance_code = "NOT_FOUND"


class LedgerNotFound(NotFound):
    code = "ledger_not_found"


class TransactionNotFound(NotFound):
    code = "transaction_not_found"


class HoldNotFound(NotFound):
    code = "hold_not_found"


class Conflict(CofferError):
    code = "conflict"
    status = 409
    formance_code = "CONFLICT"


class Aborted(Conflict):
    """Not applied because another transaction of the same atomic batch failed."""

    code = "aborted"
    formance_code = "VALIDATION"


class InsufficientFunds(CofferError):
    code = "insufficient_funds"
    status = 400
    formance_code = "INSUFFICIENT_FUND"

    def __init__(self, account: str, asset: str, available: int, needed: int) -> None:
        super().__init__(
            f"account {account!r} has {available} {asset} available but {needed} is needed; "
            "fund the account or grant it an overdraft",
            account=account,
            asset=asset,
            available=available,
            needed=needed,
        )
        self.account = account
        self.asset = asset
        self.available = available
        self.needed = needed


class IdempotencyConflict(CofferError):
    code = "idempotency_conflict"
    status = 409
    formance_code = "VALIDATION"


class DuplicateReference(Conflict):
    code = "duplicate_reference"
    formance_code = "CONFLICT"


class HoldStateError(Conflict):
    """A hold was posted or voided twice, after expiry, or for more than it holds."""

    code = "hold_state_error"
    formance_code = "VALIDATION"


class AlreadyReverted(Conflict):
    code = "already_reverted"
    formance_code = "ALREADY_REVERT"


class MetadataOverride(Conflict):
    code = "metadata_override"
    status = 400
    formance_code = "METADATA_OVERRIDE"


class NumscriptError(CofferError):
    """A Numscript program failed to compile or run."""

    code = "numscript_error"
    status = 400
    formance_code = "COMPILATION_FAILED"


class CompilationFailed(NumscriptError):
    code = "compilation_failed"
    formance_code = "COMPILATION_FAILED"


class TamperDetected(CofferError):
    code = "tamper_detected"
    status = 500
    formance_code = "INTERNAL"


class DatabaseUnavailable(CofferError):
    """The database could not be reached (it restarted, or is down): retry later."""

    code = "database_unavailable"
    status = 503


class WriteInDoubt(DatabaseUnavailable):
    """The connection was lost while a write was under way, and whether it committed
    could not be told: retry with the same idempotency key to find out."""

    code = "write_in_doubt"


class Unauthorized(CofferError):
    code = "unauthorized"
    status = 401
    formance_code = "UNAUTHORIZED"


class Forbidden(CofferError):
    code = "forbidden"
    status = 403
    formance_code = "FORBIDDEN"


class ClientNotFound(NotFound):
    """An API client id that does not exist (or was deleted)."""

    code = "client_not_found"


class InvalidScope(ValidationError):
    """A token request for scopes the client may not have (OAuth2 ``invalid_scope``)."""

    code = "invalid_scope"


class RateLimited(CofferError):
    """Too many requests (or failed attempts) from one client or address: retry later."""

    code = "rate_limited"
    status = 429
    formance_code = "TOO_MANY_REQUESTS"

    def __init__(self, message: str, *, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = max(1, int(retry_after_seconds))


class ServerBusy(CofferError):
    """The server has no capacity for this kind of work right now: retry shortly."""

    code = "server_busy"
    status = 503
    formance_code = "TIMEOUT"


class PayloadTooLarge(CofferError):
    code = "payload_too_large"
    status = 413
    formance_code = "PAYLOAD_TOO_LARGE"


class InvalidUnicode(ValidationError):
    """A request body that is not valid UTF-8, or holds a lone surrogate (``\\ud800``)."""

    code = "invalid_unicode"


# -- wallets and payments (coffer.wallets) ---------------------------------------------


class CustomerNotFound(NotFound):
    code = "customer_not_found"


class WalletNotFound(NotFound):
    code = "wallet_not_found"


class ResourceNotFound(NotFound):
    """A wallets-API object (transfer, payment, pay-in, payout, ...) that does not exist."""

    code = "resource_not_found"


class WalletFrozen(Conflict):
    code = "wallet_frozen"


class WalletClosed(Conflict):
    code = "wallet_closed"


class CurrencyMismatch(ValidationError):
    code = "currency_mismatch"


class InvalidCurrency(ValidationError):
    code = "invalid_currency"


class KycLimitExceeded(CofferError):
    """A movement would break a limit of the customer's KYC level; details name the limit."""

    code = "kyc_limit_exceeded"
    status = 403
    formance_code = "FORBIDDEN"


class InvalidState(Conflict):
    """The object is not in a state that allows the operation (capture a voided payment...)."""

    code = "invalid_state"


class CaptureExceedsAuthorization(ValidationError):
    code = "capture_exceeds_authorization"


class RefundExceedsCaptured(ValidationError):
    code = "refund_exceeds_captured"


class InvalidBankAccount(ValidationError):
    code = "invalid_bank_account"


class CardDeclined(CofferError):
    """The card issuer (or the sandbox) declined the payment; ``decline_code`` says why."""

    code = "card_declined"
    status = 402
    formance_code = "VALIDATION"


class InvalidCardNumber(ValidationError):
    code = "invalid_card_number"


class GatewayError(CofferError):
    """The payment gateway failed or answered something Coffer cannot use; retry later."""

    code = "gateway_error"
    status = 502
    formance_code = "INTERNAL"


class InvalidPaymentMethod(ValidationError):
    """A ``payment_method`` the card gateway does not take (the sandbox knows only Stripe's
    test payment methods)."""

    code = "invalid_payment_method"


class WebhookSignatureInvalid(ValidationError):
    """An inbound gateway webhook whose signature is missing, wrong or too old."""

    code = "webhook_signature_invalid"


class GatewayNotConfigured(NotFound):
    """A gateway route this server is not configured for (a missing secret): 404, as if it
    did not exist (the sender, Stripe, retries until it is configured)."""

    code = "gateway_not_configured"


# -- assistant ------------------------------------------------------------------------


class StatementInvalid(ValidationError):
    """A bank statement file that does not parse (CSV mapping, OFX, camt.053)."""

    code = "statement_invalid"


class AssistantNotFound(NotFound):
    """A budget, goal or imported account of the assistant that does not exist."""

    code = "assistant_resource_not_found"


class RiskInputInvalid(ValidationError):
    """A line of a risk events file (JSON Lines) that cannot be read; names the line."""

    code = "risk_input_invalid"


class RiskModelMissing(NotFound):
    """The risk model folder has no trained model (run ``coffer risk train``)."""

    code = "risk_model_missing"


# -- multi-currency and loyalty (coffer.fx) --------------------------------------------


class RateNotFound(NotFound):
    """No provider knows a rate for the currency pair at that time."""

    code = "rate_not_found"


class RateStale(Conflict):
    """The freshest rate for the pair is older than the platform's maximum rate age."""

    code = "rate_stale"


class ProviderError(CofferError):
    """The live rate provider failed or answered something Coffer cannot use."""

    code = "rate_provider_error"
    status = 502
    formance_code = "INTERNAL"


class QuoteNotFound(NotFound):
    code = "quote_not_found"


class QuoteExpired(CofferError):
    """The quote's lock ran out; ask for a new quote."""

    code = "quote_expired"
    status = 410
    formance_code = "VALIDATION"


class QuoteUsed(Conflict):
    """The quote was already executed; each quote converts once."""

    code = "quote_used"


class AmountTooSmall(ValidationError):
    """The amount is too small to convert once the fee and rounding are taken."""

    code = "amount_too_small"
