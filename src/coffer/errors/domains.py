"""Errors of the domains above wallets (assistant, risk, fx) and of sign-in (identity,
the wallet app's users, the console)."""

from __future__ import annotations

from coffer.errors.base import CofferError, Conflict, NotFound, ValidationError

# -- assistant ------------------------------------------------------------------------


class StatementInvalid(ValidationError, code="statement_invalid"):
    """A bank statement file that does not parse (CSV mapping, OFX, camt.053)."""


class AssistantNotFound(NotFound, code="assistant_resource_not_found"):
    """A budget, goal or imported account of the assistant that does not exist."""


class RiskInputInvalid(ValidationError, code="risk_input_invalid"):
    """A line of a risk events file (JSON Lines) that cannot be read; names the line."""


class RiskModelMissing(NotFound, code="risk_model_missing"):
    """The risk model folder has no trained model (run ``coffer risk train``)."""


class RiskModelPathRefused(ValidationError, code="risk_model_path_refused"):
    """A model folder to register that is not under the configured model root
    (``COFFER_RISK_MODEL_ROOT``), or any folder when no root is configured (API)."""

    hint = (
        "Copy the folder `coffer risk train` wrote under the model root and give its path"
        " relative to the root (the operator sets COFFER_RISK_MODEL_ROOT)."
    )


class RiskBlocked(CofferError, code="risk_blocked", status=402, formance_code="VALIDATION"):
    """A check before the money moved (the risk engine, a block list) refused the movement.
    The message says nothing of the score or the rules that decided it."""

    hint = "Do not retry the same movement; the customer should contact the platform."


class RiskNotFound(NotFound, code="risk_resource_not_found"):
    """A risk decision, rule, list entry, case or screening hit that does not exist (or
    belongs to another platform)."""


class RiskRuleInvalid(ValidationError, code="risk_rule_invalid"):
    """A risk rule whose expression does not compile, or a list entry of an unknown kind."""

    hint = "Fix the expression or the value as the message says, then save it again."


# -- multi-currency and loyalty (coffer.fx) --------------------------------------------


class RateNotFound(NotFound, code="rate_not_found"):
    """No provider knows a rate for the currency pair at that time."""


class RateStale(Conflict, code="rate_stale"):
    """The freshest rate for the pair is older than the platform's maximum rate age."""


class ProviderError(CofferError, code="rate_provider_error", status=502, formance_code="INTERNAL"):
    """The live rate provider failed or answered something Coffer cannot use."""


class QuoteNotFound(NotFound, code="quote_not_found"):
    pass


class QuoteExpired(CofferError, code="quote_expired", status=410, formance_code="VALIDATION"):
    """The quote's lock ran out; ask for a new quote."""


class QuoteUsed(Conflict, code="quote_used"):
    """The quote was already executed; each quote converts once."""


class AmountTooSmall(ValidationError, code="amount_too_small"):
    """The amount is too small to convert once the fee and rounding are taken."""


# -- the wallet app's users (coffer.identity.users) -------------------------------------


class StepUpRequired(CofferError, code="step_up_required", status=403, formance_code="FORBIDDEN"):
    """A sensitive action (payout, new beneficiary, transfer above the platform's threshold,
    changing the password or second factors) without a fresh second factor in the session."""

    hint = (
        "Confirm with a TOTP code or a passkey (POST /api/me/v1/security/step-up), then "
        "repeat the request within the step-up window."
    )


class UserNotFound(NotFound, code="user_not_found"):
    """No wallet app user with that id (or it was disabled)."""


class EmailTaken(Conflict, code="email_taken"):
    """A sign-up with an email that already has an account on this platform."""

    hint = "Sign in with that email instead, or sign up with another one."


class SignUpClosed(CofferError, code="sign_up_closed", status=403, formance_code="FORBIDDEN"):
    """Sign-up is closed on this platform (COFFER_APP_SIGNUP_OPEN=false)."""

    hint = "Ask the platform for an account."


class RecipientNotFound(NotFound, code="recipient_not_found"):
    """No user of the wallet app with that email holds a wallet in the currency sent."""

    hint = "Check the recipient's email and the currency; they must have a wallet in it."


class BeneficiaryNotFound(NotFound, code="beneficiary_not_found"):
    """No saved beneficiary with that id for the signed-in user."""

    hint = "List the beneficiaries (GET /api/me/v1/beneficiaries) and use one of their ids."


# -- identity and web sign-in (coffer.identity, coffer.web) --


class WeakPassword(ValidationError, code="weak_password"):
    """A new password that the password policy refuses."""

    hint = "Choose a longer password that is not a common word, pattern or breached password."


class SignInFailed(CofferError, code="sign_in_failed", status=401, formance_code="VALIDATION"):
    """A sign-in that failed: one message whatever was wrong, so it tells no one which
    accounts exist."""

    hint = "Check the email, password and code, then try again."


class SignInLocked(CofferError, code="sign_in_locked", status=429, formance_code="VALIDATION"):
    """Too many failed sign-ins for this account name or from this address."""

    hint = "Wait for the time the message gives, then sign in again."


class CsrfRejected(CofferError, code="csrf_rejected", status=403, formance_code="VALIDATION"):
    """A form post without the page's anti-forgery token (or from another site)."""

    hint = "Reload the page and submit the form again."


class PermissionDenied(
    CofferError, code="permission_denied", status=403, formance_code="VALIDATION"
):
    """The signed-in operator's role does not allow the action."""

    hint = "Ask an admin of your platform for a role that allows it."


class OperatorNotFound(NotFound, code="operator_not_found"):
    """No operator with that id or email on this platform."""


class OperatorExists(Conflict, code="operator_exists"):
    """An operator with that email exists already."""

    hint = "Use another email, or manage the existing operator."


class FactorInvalid(ValidationError, code="factor_invalid"):
    """A second-factor enrolment (TOTP code, passkey) that did not verify."""

    hint = "Start the enrolment again and use a fresh code or the same passkey prompt."
