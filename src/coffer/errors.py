"""One error tree for all of Coffer.

Every error has a stable snake_case ``code``, an HTTP ``status`` and a message that tells
the user what to do. ``formance_code`` is the code Formance Ledger v2 uses for the same
failure, so the ledger HTTP API can render errors in Formance's shape.
"""

from __future__ import annotations

from typing import Any, ClassVar


class CofferError(Exception):
    """An unexpected failure inside Coffer (a bug)."""

    code: ClassVar[str] = "internal_error"
    status: ClassVar[int] = 500
    formance_code: ClassVar[str] = "INTERNAL"
    # what the client should do about it (docs/errors.md)
    hint: ClassVar[str] = "Retry later; if it persists, report it with the request."

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
    """A request that breaks a business rule (a field's value is not allowed)."""

    code = "validation_error"
    hint = "Fix the request as the message says; retrying it unchanged fails again."
    status = 400
    formance_code = "VALIDATION"


class InvalidAmount(ValidationError):
    """An amount that is not a positive integer in the asset's smallest unit, or too large."""

    code = "invalid_amount"
    hint = "Send the amount as a JSON integer in minor units (cents)."


class InvalidAsset(ValidationError):
    """An asset that is not CODE or CODE/SCALE (USD/2)."""

    code = "invalid_asset"
    hint = "Write the asset as CODE/SCALE, for example USD/2."


class InvalidAccount(ValidationError):
    """An account address that is not segments of letters, digits and _ joined by ':'."""

    code = "invalid_account"
    hint = "Use an address such as users:42:main."


class NoPostings(ValidationError):
    """A transaction without postings (Formance answers 400 ``NO_POSTINGS``)."""

    code = "no_postings"
    hint = "Give the transaction at least one posting (or a script)."
    formance_code = "NO_POSTINGS"


class NotFound(CofferError):
    """The object does not exist."""

    code = "not_found"
    hint = "Check the id; objects of another platform are not found either."
    status = 404
    formance_code = "NOT_FOUND"


class LedgerNotFound(NotFound):
    """The ledger does not exist."""

    code = "ledger_not_found"
    hint = "Create the ledger first, or check its name."


class TransactionNotFound(NotFound):
    """The ledger transaction does not exist."""

    code = "transaction_not_found"
    hint = "Check the transaction id."


class HoldNotFound(NotFound):
    """The hold (pending transaction) does not exist."""

    code = "hold_not_found"
    hint = "Check the hold id."


class Conflict(CofferError):
    """A concurrent change won, or the object is not in a state that allows this."""

    code = "conflict"
    hint = "Read the object again and retry if it still makes sense."
    status = 409
    formance_code = "CONFLICT"


class Aborted(Conflict):
    """Not applied because another transaction of the same atomic batch failed."""

    code = "aborted"
    hint = "Fix the batch's failing transaction (named in the details) and send the batch again."
    formance_code = "VALIDATION"


class InsufficientFunds(CofferError):
    """An account (a wallet) lacks the available funds the movement needs."""

    code = "insufficient_funds"
    hint = "Credit the wallet first (a pay-in or a transfer) or move less; on the ledger API, fund the account or grant it an overdraft."
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
    """An Idempotency-Key already used with a different request."""

    code = "idempotency_conflict"
    hint = "Use a new Idempotency-Key for a new request; reuse a key only to retry the very same request."
    status = 409
    formance_code = "VALIDATION"


class DuplicateReference(Conflict):
    """A ledger transaction with this reference exists already."""

    code = "duplicate_reference"
    hint = "Use a unique reference, or read the existing transaction."
    formance_code = "CONFLICT"


class HoldStateError(Conflict):
    """A hold was posted or voided twice, after expiry, or for more than it holds."""

    code = "hold_state_error"
    hint = "Read the hold: it was already posted, voided or expired."
    formance_code = "VALIDATION"


class AlreadyReverted(Conflict):
    """The transaction was reverted already."""

    code = "already_reverted"
    hint = "Nothing to do: read the revert transaction."
    formance_code = "ALREADY_REVERT"


class MetadataOverride(Conflict):
    """A metadata key written by the transaction's script is given again by the request."""

    code = "metadata_override"
    hint = "Drop the key from the request's metadata."
    status = 400
    formance_code = "METADATA_OVERRIDE"


class NumscriptError(CofferError):
    """A Numscript program failed to compile or run."""

    code = "numscript_error"
    hint = "Fix the program as the message says (coffer numscript check)."
    status = 400
    formance_code = "COMPILATION_FAILED"


class CompilationFailed(NumscriptError):
    """The Numscript program does not parse or type-check."""

    code = "compilation_failed"
    hint = "Fix the program as the message says (coffer numscript check)."
    formance_code = "COMPILATION_FAILED"


class TamperDetected(CofferError):
    """Stored journal rows do not match their hash chain or checkpoints."""

    code = "tamper_detected"
    hint = "Stop writing, run coffer verify, and restore from a backup."
    status = 500
    formance_code = "INTERNAL"


class ConfigurationError(CofferError):
    """A setting Coffer needs is missing or wrong (a key file, a public key, a folder)."""

    code = "configuration_error"
    hint = "Fix the setting the message names (docs/settings.md), then run the command again."
    status = 500


class DatabaseUnavailable(CofferError):
    """The database could not be reached (it restarted, or is down): retry later."""

    code = "database_unavailable"
    hint = "Retry later (with the same Idempotency-Key)."
    status = 503


class WriteInDoubt(DatabaseUnavailable):
    """The connection was lost while a write was under way, and whether it committed
    could not be told: retry with the same idempotency key to find out."""

    code = "write_in_doubt"
    hint = "Retry with the same Idempotency-Key: it answers what happened."


class Unauthorized(CofferError):
    """The access token is missing, invalid or expired."""

    code = "unauthorized"
    hint = "Get a token from /api/auth/oauth/token with the client's credentials."
    status = 401
    formance_code = "UNAUTHORIZED"


class Forbidden(CofferError):
    """The access token lacks the scope this route needs."""

    code = "forbidden"
    hint = "Create a client with the scope (coffer clients create NAME --scopes ...)."
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


# -- tenants and least privilege (coffer.platforms) ------------------------------------


class PlatformNotFound(NotFound):
    """A platform id or name that does not exist."""

    code = "platform_not_found"
    hint = "Check the platform's id or name (coffer platforms list)."


class SystemLedgerWrite(Forbidden):
    """A write through the public ledger API to a system ledger (one that Coffer's own
    domains write, such as the wallets ledger), by a client without ``ledger:admin``."""

    code = "system_ledger_write"
    hint = (
        "Move wallet money through the wallets API; an operator may grant a client the "
        "ledger:admin scope (coffer clients create NAME --scopes ledger:admin ...)."
    )


class ForceNotAllowed(Forbidden):
    """A transaction with ``force`` or an overdraft grant, by a client without
    ``ledger:force``, or on a system ledger (never allowed there)."""

    code = "force_not_allowed"
    hint = (
        "Drop force and the overdraft grants, or use a client with the ledger:force scope "
        "(never on a system ledger)."
    )


class SandboxOnly(NotFound):
    """A sandbox-only route (sandbox bank transfers, 3-D Secure test page, test cards)
    called by a live platform: it does not exist there."""

    code = "sandbox_only"
    hint = "Use a client of a sandbox platform, or the real gateway's flow on live."


class LiveGatewayMissing(CofferError):
    """A live platform asked for a card pay-in while no real card gateway is configured
    (a live platform never uses the sandbox gateway)."""

    code = "live_gateway_missing"
    hint = "Set COFFER_STRIPE_SECRET_KEY (and the webhook secret) for live platforms."
    status = 503
    formance_code = "INTERNAL"


# -- wallets and payments (coffer.wallets) ---------------------------------------------


class CustomerNotFound(NotFound):
    """The customer does not exist."""

    code = "customer_not_found"
    hint = "Check the customer id (GET /customers lists them)."


class WalletNotFound(NotFound):
    """The wallet does not exist."""

    code = "wallet_not_found"
    hint = "Check the wallet id (GET /wallets lists them)."


class ResourceNotFound(NotFound):
    """A wallets-API object (transfer, payment, pay-in, payout, ...) that does not exist."""

    code = "resource_not_found"
    hint = "Check the id (each resource has a list endpoint)."


class WalletFrozen(Conflict):
    """The wallet is frozen: it may receive money but not send it."""

    code = "wallet_frozen"
    hint = "Unfreeze the wallet (POST /wallets/{id}/unfreeze) once the reason is cleared."


class WalletClosed(Conflict):
    """The wallet is closed: it neither sends nor receives."""

    code = "wallet_closed"
    hint = "Use another wallet of the customer; a closed wallet stays closed."


class CurrencyMismatch(ValidationError):
    """The movement's currency differs from a wallet's currency."""

    code = "currency_mismatch"
    hint = "Use the wallet's currency, or a wallet in the movement's currency."


class InvalidCurrency(ValidationError):
    """A currency that is not an ISO 4217 code Coffer knows."""

    code = "invalid_currency"
    hint = "Use an ISO 4217 code such as EUR or USD."


class KycLimitExceeded(CofferError):
    """A movement would break a limit of the customer's KYC level; details name the limit."""

    code = "kyc_limit_exceeded"
    hint = "Raise the customer's KYC level (submit a KYC document) or move less; details name the limit."
    status = 403
    formance_code = "FORBIDDEN"


class CustomerErased(Conflict):
    """The customer's personal data was erased: it can hold no new data, wallet or consent."""

    code = "customer_erased"
    hint = "An erased customer stays erased; create a new customer for a returning person."


class ErasureBlocked(Conflict):
    """The customer cannot be erased yet: money is still held or moving for it."""

    code = "erasure_blocked"
    hint = (
        "Pay out or transfer every wallet's balance, wait for pending payouts and holds to "
        "settle, then ask again (the details name what is left)."
    )


class InvalidState(Conflict):
    """The object is not in a state that allows the operation (capture a voided payment...)."""

    code = "invalid_state"
    hint = "Read the object's status; the message names the step to take first."


class CaptureExceedsAuthorization(ValidationError):
    """A capture larger than the authorized amount."""

    code = "capture_exceeds_authorization"
    hint = "Capture at most the authorized amount."


class RefundExceedsCaptured(ValidationError):
    """A refund larger than what is left to refund."""

    code = "refund_exceeds_captured"
    hint = "Refund at most the amount the details call refundable."


class InvalidBankAccount(ValidationError):
    """An IBAN or BIC that fails its checks, or a BIC of another country."""

    code = "invalid_bank_account"
    hint = "Check the IBAN and BIC the customer gave."


class CardDeclined(CofferError):
    """The card issuer (or the sandbox) declined the payment; ``decline_code`` says why."""

    code = "card_declined"
    hint = "Ask the customer for another card; decline_code says why."
    status = 402
    formance_code = "VALIDATION"


class InvalidCardNumber(ValidationError):
    """A card number the gateway cannot take as such (Stripe takes payment methods)."""

    code = "invalid_card_number"
    hint = "With Stripe, collect the card with Stripe.js and send its payment_method (pm_...)."


class IncorrectCardNumber(InvalidCardNumber):
    """The card number fails the Luhn check: a typo (Stripe's 402 ``incorrect_number``)."""

    code = "incorrect_number"
    hint = "Ask the customer to check the card number."
    status = 402


class GatewayError(CofferError):
    """The payment gateway failed or answered something Coffer cannot use; retry later."""

    code = "gateway_error"
    hint = "Retry later with the same Idempotency-Key."
    status = 502
    formance_code = "INTERNAL"


class InvalidPaymentMethod(ValidationError):
    """A ``payment_method`` the card gateway does not take (the sandbox knows only Stripe's
    test payment methods)."""

    code = "invalid_payment_method"
    hint = "Send a payment method the gateway knows (the sandbox: Stripe's test ids such as pm_card_visa)."


class WebhookSignatureInvalid(ValidationError):
    """An inbound gateway webhook whose signature is missing, wrong or too old."""

    code = "webhook_signature_invalid"
    hint = "Set COFFER_STRIPE_WEBHOOK_SECRET to the endpoint's signing secret."


class GatewayNotConfigured(NotFound):
    """A gateway route this server is not configured for (a missing secret): 404, as if it
    did not exist (the sender, Stripe, retries until it is configured)."""

    code = "gateway_not_configured"
    hint = "Set the gateway's secret (COFFER_STRIPE_WEBHOOK_SECRET)."


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


class RiskBlocked(CofferError):
    """A check before the money moved (the risk engine, a block list) refused the movement.
    The message says nothing of the score or the rules that decided it."""

    code = "risk_blocked"
    hint = "Do not retry the same movement; the customer should contact the platform."
    status = 402
    formance_code = "VALIDATION"


class RiskNotFound(NotFound):
    """A risk decision, rule, list entry, case or screening hit that does not exist (or
    belongs to another platform)."""

    code = "risk_resource_not_found"


class RiskRuleInvalid(ValidationError):
    """A risk rule whose expression does not compile, or a list entry of an unknown kind."""

    code = "risk_rule_invalid"
    hint = "Fix the expression or the value as the message says, then save it again."


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


# -- the wallet app's users (coffer.identity.users) -------------------------------------


class StepUpRequired(CofferError):
    """A sensitive action (payout, new beneficiary, transfer above the platform's threshold,
    changing the password or second factors) without a fresh second factor in the session."""

    code = "step_up_required"
    status = 403
    formance_code = "FORBIDDEN"
    hint = (
        "Confirm with a TOTP code or a passkey (POST /api/me/v1/security/step-up), then "
        "repeat the request within the step-up window."
    )


class UserNotFound(NotFound):
    """No wallet app user with that id (or it was disabled)."""

    code = "user_not_found"


class EmailTaken(Conflict):
    """A sign-up with an email that already has an account on this platform."""

    code = "email_taken"
    hint = "Sign in with that email instead, or sign up with another one."


class SignUpClosed(CofferError):
    """Sign-up is closed on this platform (COFFER_APP_SIGNUP_OPEN=false)."""

    code = "sign_up_closed"
    status = 403
    formance_code = "FORBIDDEN"
    hint = "Ask the platform for an account."


class RecipientNotFound(NotFound):
    """No user of the wallet app with that email holds a wallet in the currency sent."""

    code = "recipient_not_found"
    hint = "Check the recipient's email and the currency; they must have a wallet in it."


class BeneficiaryNotFound(NotFound):
    """No saved beneficiary with that id for the signed-in user."""

    code = "beneficiary_not_found"
    hint = "List the beneficiaries (GET /api/me/v1/beneficiaries) and use one of their ids."


def error_classes() -> list[type[CofferError]]:
    """One class per code of the tree (of the modules imported so far), sorted by code:
    what docs/errors.md lists (``python -m coffer.api.error_catalogue``). Where a domain
    reuses a code of this module (Numscript's missing funds are ``insufficient_funds``),
    this module's class stands for it."""
    found: dict[str, type[CofferError]] = {}
    stack: list[type[CofferError]] = [CofferError]
    while stack:
        cls = stack.pop()
        known = found.get(cls.code)
        if known is None or (known.__module__ != __name__ and cls.__module__ == __name__):
            found[cls.code] = cls
        stack.extend(cls.__subclasses__())
    return [found[code] for code in sorted(found)]


# -- identity and web sign-in (coffer.identity, coffer.web) --


class WeakPassword(ValidationError):
    """A new password that the password policy refuses."""

    code = "weak_password"
    hint = "Choose a longer password that is not a common word, pattern or breached password."


class SignInFailed(CofferError):
    """A sign-in that failed: one message whatever was wrong, so it tells no one which
    accounts exist."""

    code = "sign_in_failed"
    status = 401
    formance_code = "VALIDATION"
    hint = "Check the email, password and code, then try again."


class SignInLocked(CofferError):
    """Too many failed sign-ins for this account name or from this address."""

    code = "sign_in_locked"
    status = 429
    formance_code = "VALIDATION"
    hint = "Wait for the time the message gives, then sign in again."


class CsrfRejected(CofferError):
    """A form post without the page's anti-forgery token (or from another site)."""

    code = "csrf_rejected"
    status = 403
    formance_code = "VALIDATION"
    hint = "Reload the page and submit the form again."


class PermissionDenied(CofferError):
    """The signed-in operator's role does not allow the action."""

    code = "permission_denied"
    status = 403
    formance_code = "VALIDATION"
    hint = "Ask an admin of your platform for a role that allows it."


class OperatorNotFound(NotFound):
    """No operator with that id or email on this platform."""

    code = "operator_not_found"


class OperatorExists(Conflict):
    """An operator with that email exists already."""

    code = "operator_exists"
    hint = "Use another email, or manage the existing operator."


class FactorInvalid(ValidationError):
    """A second-factor enrolment (TOTP code, passkey) that did not verify."""

    code = "factor_invalid"
    hint = "Start the enrolment again and use a fresh code or the same passkey prompt."
