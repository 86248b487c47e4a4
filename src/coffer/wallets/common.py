"""What the wallets services share: row and model types, the chart of accounts' fixed
accounts, bounds, request hashing, errors rebuilt for replays and said in wallets' words,
and the one rule of event data."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import BaseModel

from coffer.errors import (
    CaptureExceedsAuthorization,
    CofferError,
    InsufficientFunds,
    InvalidState,
    ValidationError,
)
from coffer.ledger.models import from_micros

ModelT = TypeVar("ModelT", bound=BaseModel)
Row = Mapping[str, Any]
MAX_CAS_RETRIES = 20
# An action claim without a response this old is a crashed request: a retry takes it over.
STALE_CLAIM_MICROS = 60_000_000
MAX_CACHED_ROWS = 100_000
HOT_SLOTS = 32  # most connections the transfer hot path uses at once (see hot_connection)
ROW_TTL_SECONDS = 300.0  # a bound on memory staleness; changes are seen by the epoch poll
FEES_ACCOUNT = "platform:fees"
CREDIT_ACCOUNT = "platform:credit"


def wallet_account(wallet_id: str) -> str:
    return f"wallets:{wallet_id}"


def card_account(gateway: str) -> str:
    """The external account of the card payments of ``gateway`` (pay-ins come from it,
    refunds and lost disputes go back to it)."""
    return f"external:card:{gateway}"


def require_status(row: Row, allowed: str | tuple[str, ...], subject: str, rule: str) -> None:
    """Refuse (409 ``invalid_state``) an action on a row whose status is not ``allowed``,
    saying "<subject> is <status>; <rule>"."""
    status = row["status"]
    if status != allowed if isinstance(allowed, str) else status not in allowed:
        raise InvalidState(f"{subject} is {status}; {rule}", status=status)


def as_datetime(micros: int) -> datetime:
    return from_micros(int(micros))


def request_hash(operation: str, payload: Mapping[str, Any]) -> str:
    body = json.dumps([operation, payload], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def error_from_code(
    code: str | None, message: str | None = None, details: Mapping[str, Any] | None = None
) -> CofferError:
    """Rebuild the error a failed request raised, for a replay of its idempotency key."""
    text = message or f"this request failed when it was first made: {code}"
    stack: list[type[CofferError]] = [CofferError]
    while stack:
        cls = stack.pop()
        if cls.code == code:
            error = Exception.__new__(cls)
            CofferError.__init__(error, text, **{**(details or {}), "replayed": True})
            return error
        stack.extend(cls.__subclasses__())
    return CofferError(text)


def replayable(error: CofferError) -> bool:
    """Whether a failed action's answer is kept for replays: business refusals are; a
    concurrency conflict, an idempotency conflict or a server error is not (a retry runs)."""
    if error.status >= 500:
        return False
    return error.code not in ("conflict", "idempotency_conflict")


def in_wallet_terms(error: CofferError) -> CofferError:
    """A ledger refusal said in the wallets' words: a wallet lacking funds is told to be
    credited (wallets have no overdraft to grant, as the ledger's message suggests)."""
    prefix = wallet_account("")
    account = error.account.lstrip("@") if isinstance(error, InsufficientFunds) else ""
    if account.startswith(prefix):  # Numscript names it @wallets:<id>
        assert isinstance(error, InsufficientFunds)
        wallet_id = account[len(prefix) :]
        currency = error.asset.split("/")[0]
        error.message = (
            f"wallet {wallet_id} has {error.available} {currency} (minor units) available "
            f"but {error.needed} is needed: credit the wallet first (a pay-in or a transfer "
            "into it) or move less"
        )
        error.args = (error.message,)
        error.details = {
            "wallet_id": wallet_id,
            "currency": currency,
            "available": error.available,
            "needed": error.needed,
        }
    return error


def event_data(resource: BaseModel) -> dict[str, Any]:
    """An event's ``data``, the one rule of every event type: ``{"object": resource}``,
    the resource as the API returns it (see :data:`coffer.wallets.schemas.EVENT_OBJECTS`)."""
    return {"object": resource.model_dump(mode="json")}


def month_start_micros(now: datetime | None = None) -> int:
    moment = now or datetime.now(UTC)
    start = moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return int(start.timestamp() * 1_000_000)


def capture_amount(authorization: Row, amount: int | None, refusal: str) -> int:
    """What to capture of an authorization of ``authorization["amount"]``: all of it when
    ``amount`` is None; else ``amount``, which must be positive and at most that (else
    :class:`CaptureExceedsAuthorization`, ``refusal`` formatted with ``captured``,
    ``authorized`` and ``currency``)."""
    authorized = authorization["amount"]
    captured = authorized if amount is None else amount
    if captured <= 0:
        raise ValidationError("the capture amount must be positive")
    if captured > authorized:
        raise CaptureExceedsAuthorization(
            refusal.format(
                captured=captured, authorized=authorized, currency=authorization["currency"]
            ),
            authorized=authorized,
            requested=captured,
        )
    return int(captured)
