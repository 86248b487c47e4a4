"""The root of the error tree and its generic branches, with the ledger's, Numscript's,
the server's and the API clients' errors.

Every error has a stable snake_case ``code``, an HTTP ``status`` and a message that tells
the user what to do. ``formance_code`` is the code Formance Ledger v2 uses for the same
failure, so the ledger HTTP API can render errors in Formance's shape.
"""

from __future__ import annotations

from typing import Any, ClassVar


class CofferError(Exception):
    """An unexpected failure inside Coffer (a bug).

    A subclass names what sets it apart as class keywords (``class LedgerNotFound(NotFound,
    code="ledger_not_found")``) and inherits the rest; its docstring says when it happens
    and its ``hint`` what the client should do about it (docs/errors.md).
    """

    code: ClassVar[str] = "internal_error"
    status: ClassVar[int] = 500
    formance_code: ClassVar[str] = "INTERNAL"
    # what the client should do about it (docs/errors.md)
    hint: ClassVar[str] = "Retry later; if it persists, report it with the request."

    def __init_subclass__(
        cls,
        *,
        code: str | None = None,
        status: int | None = None,
        formance_code: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init_subclass__(**kwargs)
        if code is not None:
            cls.code = code
        if status is not None:
            cls.status = status
        if formance_code is not None:
            cls.formance_code = formance_code

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            out["details"] = self.details
        return out


class ValidationError(CofferError, code="validation_error", status=400, formance_code="VALIDATION"):
    """A request that breaks a business rule (a field's value is not allowed)."""

    hint = "Fix the request as the message says; retrying it unchanged fails again."


class InvalidAmount(ValidationError, code="invalid_amount"):
    """An amount that is not a positive integer in the asset's smallest unit, or too large."""

    hint = "Send the amount as a JSON integer in minor units (cents)."


class InvalidAsset(ValidationError, code="invalid_asset"):
    """An asset that is not CODE or CODE/SCALE (USD/2)."""

    hint = "Write the asset as CODE/SCALE, for example USD/2."


class InvalidAccount(ValidationError, code="invalid_account"):
    """An account address that is not segments of letters, digits and _ joined by ':'."""

    hint = "Use an address such as users:42:main."


class NoPostings(ValidationError, code="no_postings", formance_code="NO_POSTINGS"):
    """A transaction without postings (Formance answers 400 ``NO_POSTINGS``)."""

    hint = "Give the transaction at least one posting (or a script)."


class NotFound(CofferError, code="not_found", status=404, formance_code="NOT_FOUND"):
    """The object does not exist."""

    hint = "Check the id; objects of another platform are not found either."


class LedgerNotFound(NotFound, code="ledger_not_found"):
    """The ledger does not exist."""

    hint = "Create the ledger first, or check its name."


class TransactionNotFound(NotFound, code="transaction_not_found"):
    """The ledger transaction does not exist."""

    hint = "Check the transaction id."


class HoldNotFound(NotFound, code="hold_not_found"):
    """The hold (pending transaction) does not exist."""

    hint = "Check the hold id."


class Conflict(CofferError, code="conflict", status=409, formance_code="CONFLICT"):
    """A concurrent change won, or the object is not in a state that allows this."""

    hint = "Read the object again and retry if it still makes sense."


class Aborted(Conflict, code="aborted", formance_code="VALIDATION"):
    """Not applied because another transaction of the same atomic batch failed."""

    hint = "Fix the batch's failing transaction (named in the details) and send the batch again."


class InsufficientFunds(
    CofferError, code="insufficient_funds", status=400, formance_code="INSUFFICIENT_FUND"
):
    """An account (a wallet) lacks the available funds the movement needs."""

    hint = "Credit the wallet first (a pay-in or a transfer) or move less; on the ledger API, fund the account or grant it an overdraft."

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


class IdempotencyConflict(
    CofferError, code="idempotency_conflict", status=409, formance_code="VALIDATION"
):
    """An Idempotency-Key already used with a different request."""

    hint = "Use a new Idempotency-Key for a new request; reuse a key only to retry the very same request."


class DuplicateReference(Conflict, code="duplicate_reference", formance_code="CONFLICT"):
    """A ledger transaction with this reference exists already."""

    hint = "Use a unique reference, or read the existing transaction."


class HoldStateError(Conflict, code="hold_state_error", formance_code="VALIDATION"):
    """A hold was posted or voided twice, after expiry, or for more than it holds."""

    hint = "Read the hold: it was already posted, voided or expired."


class AlreadyReverted(Conflict, code="already_reverted", formance_code="ALREADY_REVERT"):
    """The transaction was reverted already."""

    hint = "Nothing to do: read the revert transaction."


class MetadataOverride(
    Conflict, code="metadata_override", status=400, formance_code="METADATA_OVERRIDE"
):
    """A metadata key written by the transaction's script is given again by the request."""

    hint = "Drop the key from the request's metadata."


class NumscriptError(
    CofferError, code="numscript_error", status=400, formance_code="COMPILATION_FAILED"
):
    """A Numscript program failed to compile or run."""

    hint = "Fix the program as the message says (coffer numscript check)."


class CompilationFailed(
    NumscriptError, code="compilation_failed", formance_code="COMPILATION_FAILED"
):
    """The Numscript program does not parse or type-check."""


class TamperDetected(CofferError, code="tamper_detected", status=500, formance_code="INTERNAL"):
    """Stored journal rows do not match their hash chain or checkpoints."""

    hint = "Stop writing, run coffer verify, and restore from a backup."


class ConfigurationError(CofferError, code="configuration_error", status=500):
    """A setting Coffer needs is missing or wrong (a key file, a public key, a folder)."""

    hint = "Fix the setting the message names (docs/settings.md), then run the command again."


class DatabaseUnavailable(CofferError, code="database_unavailable", status=503):
    """The database could not be reached (it restarted, or is down): retry later."""

    hint = "Retry later (with the same Idempotency-Key)."


class WriteInDoubt(DatabaseUnavailable, code="write_in_doubt"):
    """The connection was lost while a write was under way, and whether it committed
    could not be told: retry with the same idempotency key to find out."""

    hint = "Retry with the same Idempotency-Key: it answers what happened."


class Unauthorized(CofferError, code="unauthorized", status=401, formance_code="UNAUTHORIZED"):
    """The access token is missing, invalid or expired."""

    hint = "Get a token from /api/auth/oauth/token with the client's credentials."


class Forbidden(CofferError, code="forbidden", status=403, formance_code="FORBIDDEN"):
    """The access token lacks the scope this route needs."""

    hint = "Create a client with the scope (coffer clients create NAME --scopes ...)."


class ClientNotFound(NotFound, code="client_not_found"):
    """An API client id that does not exist (or was deleted)."""


class InvalidScope(ValidationError, code="invalid_scope"):
    """A token request for scopes the client may not have (OAuth2 ``invalid_scope``)."""


class RateLimited(CofferError, code="rate_limited", status=429, formance_code="TOO_MANY_REQUESTS"):
    """Too many requests (or failed attempts) from one client or address: retry later."""

    def __init__(self, message: str, *, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = max(1, int(retry_after_seconds))


class ServerBusy(CofferError, code="server_busy", status=503, formance_code="TIMEOUT"):
    """The server has no capacity for this kind of work right now: retry shortly."""


class PayloadTooLarge(
    CofferError, code="payload_too_large", status=413, formance_code="PAYLOAD_TOO_LARGE"
):
    pass


class InvalidUnicode(ValidationError, code="invalid_unicode"):
    """A request body that is not valid UTF-8, or holds a lone surrogate (``\\ud800``)."""


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
