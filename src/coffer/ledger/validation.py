"""Checking and normalizing what callers pass to a ledger: accounts, assets, postings,
metadata, overdraft limits, page sizes and cursors."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from coffer.errors import CofferError, InvalidAccount, ValidationError
from coffer.ledger.models import Hold, Overdraft, Posting, Transaction, Unbounded
from coffer.money import (
    ACCOUNT_PATTERN,
    ASSET_PATTERN,
    MAX_AMOUNT,
    check_account,
    check_amount,
    check_asset,
)
from coffer.settings import Settings

MAX_PAGE_SIZE = 1000
MAX_ATOMIC_BATCH = 100_000
_VALID_CACHE_SIZE = 200_000

Result = Transaction | Hold | CofferError


@dataclass(frozen=True, slots=True)
class InputLimits:
    """Bounds on what a caller may write: addresses, metadata and timestamps (each field
    is the setting of the same name; :data:`DEFAULT_LIMITS` has the settings' defaults)."""

    max_account_length: int
    max_account_segments: int
    max_metadata_keys: int
    max_metadata_key_length: int
    max_metadata_value_bytes: int
    min_timestamp_year: int
    max_timestamp_year: int

    @classmethod
    def of(cls, settings: Settings) -> InputLimits:
        """The limits ``settings`` sets (each field is the setting of the same name)."""
        return cls(**{field.name: getattr(settings, field.name) for field in fields(cls)})

    def account(self, address: str) -> str:
        """Raise :class:`InvalidAccount` when a (well-formed) address is too long."""
        if len(address) > self.max_account_length:
            raise InvalidAccount(
                f"invalid account address {address[:40]!r}...: {len(address)} characters, "
                f"at most {self.max_account_length} are accepted (setting max_account_length)"
            )
        if address.count(":") >= self.max_account_segments:
            raise InvalidAccount(
                f"invalid account address {address[:40]!r}...: more than "
                f"{self.max_account_segments} segments (setting max_account_segments)"
            )
        return address

    def metadata(self, metadata: Mapping[str, str], what: str = "metadata") -> None:
        """Raise :class:`ValidationError` when metadata breaks a limit or is not valid
        Unicode (a lone surrogate cannot be stored or encoded)."""
        if len(metadata) > self.max_metadata_keys:
            raise ValidationError(
                f"{what} has {len(metadata)} keys; at most {self.max_metadata_keys} are "
                "accepted (setting max_metadata_keys)"
            )
        for key, value in metadata.items():
            if not key or len(key) > self.max_metadata_key_length:
                raise ValidationError(
                    f"{what} key {key[:40]!r}: keys are 1 to {self.max_metadata_key_length} "
                    "characters long (setting max_metadata_key_length)"
                )
            size = len(value)
            if not (key.isascii() and value.isascii()):
                try:
                    key.encode("utf-8")
                    size = len(value.encode("utf-8"))
                except UnicodeEncodeError:
                    raise ValidationError(
                        f"{what} {key[:40]!r} is not valid Unicode (it holds a lone surrogate "
                        "such as \\ud800): send UTF-8 text"
                    ) from None
            if size > self.max_metadata_value_bytes:
                raise ValidationError(
                    f"{what} {key[:40]!r}: the value is {size} bytes; at most "
                    f"{self.max_metadata_value_bytes} are accepted "
                    "(setting max_metadata_value_bytes)"
                )

    def timestamp(self, timestamp: datetime) -> datetime:
        """Raise :class:`ValidationError` when a timestamp is outside the accepted years."""
        if not isinstance(timestamp, datetime):
            raise ValidationError("timestamp must be a datetime")
        if not self.min_timestamp_year <= timestamp.year <= self.max_timestamp_year:
            raise ValidationError(
                f"timestamp {timestamp.isoformat()} is out of range: give a time in the years "
                f"{self.min_timestamp_year} to {self.max_timestamp_year} "
                "(settings min_timestamp_year, max_timestamp_year)"
            )
        return timestamp


# the settings' defaults (a Settings built without reading the environment)
DEFAULT_LIMITS = InputLimits.of(Settings.model_construct())


class _Validator:
    """Validates postings fast: addresses and assets seen before are not matched again."""

    def __init__(self, limits: InputLimits = DEFAULT_LIMITS) -> None:
        self.accounts: set[str] = set()
        self.assets: set[str] = set()
        self.limits = limits

    @staticmethod
    def _checked(
        value: object, seen: set[str], pattern: re.Pattern[str], check: Callable[[object], str]
    ) -> str:
        if isinstance(value, str) and value in seen:
            return value
        if not isinstance(value, str) or not pattern.match(value):
            return check(value)  # raises with the precise message
        if len(seen) > _VALID_CACHE_SIZE:
            seen.clear()
        seen.add(value)
        return value

    def account(self, address: object) -> str:
        if isinstance(address, str) and address in self.accounts:
            return address
        if isinstance(address, str) and ACCOUNT_PATTERN.match(address):
            self.limits.account(address)
        return self._checked(address, self.accounts, ACCOUNT_PATTERN, check_account)

    def asset(self, asset: object) -> str:
        return self._checked(asset, self.assets, ASSET_PATTERN, check_asset)

    def postings(self, postings: Iterable[Any]) -> tuple[Posting, ...]:
        out: list[Posting] = []
        account, asset = self.account, self.asset
        accounts, assets = self.accounts, self.assets
        source: object
        destination: object
        amount: object
        name: object
        for item in postings:
            if type(item) is Posting:
                source, destination, amount, name = item
                if (
                    type(source) is str
                    and type(destination) is str
                    and type(name) is str
                    and type(amount) is int
                    and source in accounts
                    and destination in accounts
                    and name in assets
                    and 0 <= amount <= MAX_AMOUNT
                ):
                    out.append(item)  # every field seen valid before; the tuple is immutable
                    continue
            if isinstance(item, Posting):
                source, destination, amount, name = item
            elif isinstance(item, Mapping):
                source, destination = item.get("source"), item.get("destination")
                amount, name = item.get("amount"), item.get("asset")
            else:
                raise ValidationError(
                    f"a posting must be a Posting(source, destination, amount, asset); got {item!r}"
                )
            if type(amount) is not int or not 0 <= amount <= MAX_AMOUNT:
                amount = check_amount(amount)
            out.append(Posting(account(source), account(destination), amount, asset(name)))
        return tuple(out)


def _metadata(
    metadata: Mapping[str, str] | None, limits: InputLimits = DEFAULT_LIMITS
) -> dict[str, str] | None:
    if metadata is None:
        return None
    if not isinstance(metadata, Mapping):
        raise ValidationError("metadata must be a mapping of strings to strings")
    for key, value in metadata.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise ValidationError(
                f"metadata must map strings to strings; {key!r}: {value!r} is not"
            )
    out = dict(metadata)
    limits.metadata(out)
    return out


def _overdrafts(overdrafts: Mapping[str, Overdraft] | None) -> dict[str, int | None] | None:
    if not overdrafts:
        return None
    out: dict[str, int | None] = {}
    for account, limit in overdrafts.items():
        check_account(account)
        out[account] = None if isinstance(limit, Unbounded) else _limit(limit)
    return out


def _limit(limit: object) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0 or limit > MAX_AMOUNT:
        raise ValidationError(
            f"invalid overdraft {limit!r}: give an amount in [0, 2**128 - 1] or UNBOUNDED"
        )
    return limit


def _timeout_micros(timeout_seconds: float | None) -> int | None:
    if timeout_seconds is None:
        return None
    if isinstance(timeout_seconds, bool) or not isinstance(timeout_seconds, (int, float)):
        raise ValidationError("timeout_seconds must be a number of seconds")
    if timeout_seconds <= 0:
        raise ValidationError("timeout_seconds must be positive")
    return int(timeout_seconds * 1_000_000)


def _encode_cursor(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode()


def _decode_cursor(cursor: str) -> dict[str, Any]:
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except Exception as exc:
        raise ValidationError(f"invalid cursor {cursor!r}") from exc
    if not isinstance(value, dict):
        raise ValidationError(f"invalid cursor {cursor!r}")
    return value


def _page_size(page_size: int) -> int:
    if not isinstance(page_size, int) or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValidationError(f"page_size must be between 1 and {MAX_PAGE_SIZE}")
    return page_size


def _id(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(f"invalid id {value!r}: ids are non-negative integers")
    return value


def _key(key: object) -> str:
    if not isinstance(key, str) or not key or len(key) > 255:
        raise ValidationError(
            "idempotency_key must be a non-empty string of at most 255 characters"
        )
    return key
