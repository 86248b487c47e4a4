"""Errors of tenants (coffer.platforms) and of wallets and payments (coffer.wallets)."""

from __future__ import annotations

from coffer.errors.base import CofferError, Conflict, Forbidden, NotFound, ValidationError

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
