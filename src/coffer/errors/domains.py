"""Errors of the domains above wallets (assistant, risk, fx) and of sign-in (identity,
the wallet app's users, the console)."""

from __future__ import annotations

from coffer.errors.base import CofferError, Conflict, NotFound, ValidationError

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


class RiskModelPathRefused(ValidationError):
    """A model folder to register that is not under the configured model root
    (``COFFER_RISK_MODEL_ROOT``), or any folder when no root is configured (API)."""

    code = "risk_model_path_refused"
    hint = (
        "Copy the folder `coffer risk train` wrote under the model root and give its path"
        " relative to the root (the operator sets COFFER_RISK_MODEL_ROOT)."
    )


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
