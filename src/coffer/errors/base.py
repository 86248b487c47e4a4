"""The root of the error tree and its generic branches, with the ledger's, Numscript's,
the server's and the API clients' errors.

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


def in_tree(cls: type[CofferError]) -> bool:
    """Whether the class is one of the tree's own (defined in :mod:`coffer.errors`), not
    a domain's module's."""
    return cls.__module__ == "coffer.errors" or cls.__module__.startswith("coffer.errors.")


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
        if known is None or (not in_tree(known) and in_tree(cls)):
            found[cls.code] = cls
        stack.extend(cls.__subclasses__())
    return [found[code] for code in sorted(found)]
