"""Errors of tenants (coffer.platforms) and of wallets and payments (coffer.wallets)."""

from __future__ import annotations

from coffer.errors.base import CofferError, Conflict, Forbidden, NotFound, ValidationError

# -- tenants and least privilege (coffer.platforms) ------------------------------------


class PlatformNotFound(NotFound, code="platform_not_found"):
    """A platform id or name that does not exist."""

    hint = "Check the platform's id or name (coffer platforms list)."


class SystemLedgerWrite(Forbidden, code="system_ledger_write"):
    """A write through the public ledger API to a system ledger (one that Coffer's own
    domains write, such as the wallets ledger), by a client without ``ledger:admin``."""

    hint = (
        "Move wallet money through the wallets API; an operator may grant a client the "
        "ledger:admin scope (coffer clients create NAME --scopes ledger:admin ...)."
    )


class ForceNotAllowed(Forbidden, code="force_not_allowed"):
    """A transaction with ``force`` or an overdraft grant, by a client without
    ``ledger:force``, or on a system ledger (never allowed there)."""

    hint = (
        "Drop force and the overdraft grants, or use a client with the ledger:force scope "
        "(never on a system ledger)."
    )


class SandboxOnly(NotFound, code="sandbox_only"):
    """A sandbox-only route (sandbox bank transfers, 3-D Secure test page, test cards)
    called by a live platform: it does not exist there."""

    hint = "Use a client of a sandbox platform, or the real gateway's flow on live."


class LiveGatewayMissing(
    CofferError, code="live_gateway_missing", status=503, formance_code="INTERNAL"
):
    """A live platform asked for a card pay-in while no real card gateway is configured
    (a live platform never uses the sandbox gateway)."""

    hint = "Set COFFER_STRIPE_SECRET_KEY (and the webhook secret) for live platforms."


# -- wallets and payments (coffer.wallets) ---------------------------------------------


class CustomerNotFound(NotFound, code="customer_not_found"):
    """The customer does not exist."""

    hint = "Check the customer id (GET /customers lists them)."


class WalletNotFound(NotFound, code="wallet_not_found"):
    """The wallet does not exist."""

    hint = "Check the wallet id (GET /wallets lists them)."


class ResourceNotFound(NotFound, code="resource_not_found"):
    """A wallets-API object (transfer, payment, pay-in, payout, ...) that does not exist."""

    hint = "Check the id (each resource has a list endpoint)."


class WalletFrozen(Conflict, code="wallet_frozen"):
    """The wallet is frozen: it may receive money but not send it."""

    hint = "Unfreeze the wallet (POST /wallets/{id}/unfreeze) once the reason is cleared."


class WalletClosed(Conflict, code="wallet_closed"):
    """The wallet is closed: it neither sends nor receives."""

    hint = "Use another wallet of the customer; a closed wallet stays closed."


class CurrencyMismatch(ValidationError, code="currency_mismatch"):
    """The movement's currency differs from a wallet's currency."""

    hint = "Use the wallet's currency, or a wallet in the movement's currency."


class InvalidCurrency(ValidationError, code="invalid_currency"):
    """A currency that is not an ISO 4217 code Coffer knows."""

    hint = "Use an ISO 4217 code such as EUR or USD."


class KycLimitExceeded(
    CofferError, code="kyc_limit_exceeded", status=403, formance_code="FORBIDDEN"
):
    """A movement would break a limit of the customer's KYC level; details name the limit."""

    hint = "Raise the customer's KYC level (submit a KYC document) or move less; details name the limit."


class CustomerErased(Conflict, code="customer_erased"):
    """The customer's personal data was erased: it can hold no new data, wallet or consent."""

    hint = "An erased customer stays erased; create a new customer for a returning person."


class ErasureBlocked(Conflict, code="erasure_blocked"):
    """The customer cannot be erased yet: money is still held or moving for it."""

    hint = (
        "Pay out or transfer every wallet's balance, wait for pending payouts and holds to "
        "settle, then ask again (the details name what is left)."
    )


class InvalidState(Conflict, code="invalid_state"):
    """The object is not in a state that allows the operation (capture a voided payment...)."""

    hint = "Read the object's status; the message names the step to take first."


class CaptureExceedsAuthorization(ValidationError, code="capture_exceeds_authorization"):
    """A capture larger than the authorized amount."""

    hint = "Capture at most the authorized amount."


class RefundExceedsCaptured(ValidationError, code="refund_exceeds_captured"):
    """A refund larger than what is left to refund."""

    hint = "Refund at most the amount the details call refundable."


class InvalidBankAccount(ValidationError, code="invalid_bank_account"):
    """An IBAN or BIC that fails its checks, or a BIC of another country."""

    hint = "Check the IBAN and BIC the customer gave."


class CardDeclined(CofferError, code="card_declined", status=402, formance_code="VALIDATION"):
    """The card issuer (or the sandbox) declined the payment; ``decline_code`` says why."""

    hint = "Ask the customer for another card; decline_code says why."


class InvalidCardNumber(ValidationError, code="invalid_card_number"):
    """A card number the gateway cannot take as such (Stripe takes payment methods)."""

    hint = "With Stripe, collect the card with Stripe.js and send its payment_method (pm_...)."


class IncorrectCardNumber(InvalidCardNumber, code="incorrect_number", status=402):
    """The card number fails the Luhn check: a typo (Stripe's 402 ``incorrect_number``)."""

    hint = "Ask the customer to check the card number."


class GatewayError(CofferError, code="gateway_error", status=502, formance_code="INTERNAL"):
    """The payment gateway failed or answered something Coffer cannot use; retry later."""

    hint = "Retry later with the same Idempotency-Key."


class InvalidPaymentMethod(ValidationError, code="invalid_payment_method"):
    """A ``payment_method`` the card gateway does not take (the sandbox knows only Stripe's
    test payment methods)."""

    hint = "Send a payment method the gateway knows (the sandbox: Stripe's test ids such as pm_card_visa)."


class WebhookSignatureInvalid(ValidationError, code="webhook_signature_invalid"):
    """An inbound gateway webhook whose signature is missing, wrong or too old."""

    hint = "Set COFFER_STRIPE_WEBHOOK_SECRET to the endpoint's signing secret."


class GatewayNotConfigured(NotFound, code="gateway_not_configured"):
    """A gateway route this server is not configured for (a missing secret): 404, as if it
    did not exist (the sender, Stripe, retries until it is configured)."""

    hint = "Set the gateway's secret (COFFER_STRIPE_WEBHOOK_SECRET)."
