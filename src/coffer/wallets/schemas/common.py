"""The shapes every wallets model shares: strict amounts, bounded metadata, the base
model, list pages and their query, the error object, and the "exactly one of" check of
requests that take one of several fields.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict

T = TypeVar("T")
ModelT = TypeVar("ModelT", bound=BaseModel)
# An amount in a request: a JSON integer only. "10" (a string), 10.0 and true are refused
# (422), so that no client's float or string ever becomes money by coercion.
StrictAmount = Annotated[int, Strict()]
# The amount a request moves: a strict amount above zero.
PositiveAmount = Annotated[StrictAmount, Field(gt=0)]
# A currency in a request: its three-letter ISO 4217 code (EUR).
CurrencyCode = Annotated[str, Field(min_length=3, max_length=3)]


def exactly_one(model: ModelT, *names: str) -> ModelT:
    """``model`` when exactly one of its fields ``names`` is set (not None); otherwise the
    ValueError that names them (a model validator's refusal)."""
    if sum(getattr(model, name) is not None for name in names) != 1:
        *first, last = names
        raise ValueError(f"give exactly one of {', '.join(first)} and {last}")
    return model


def check_metadata(metadata: dict[str, str]) -> dict[str, str]:
    """Refuse metadata past the limits of :class:`~coffer.wallets.settings.WalletSettings`
    (``metadata_max_*``) or that is not valid Unicode (a lone surrogate cannot be stored)."""
    import json

    from coffer.wallets.settings import get_wallet_settings

    settings = get_wallet_settings()
    if len(metadata) > settings.metadata_max_keys:
        raise ValueError(
            f"metadata has {len(metadata)} keys; at most {settings.metadata_max_keys} are accepted"
        )
    for key, value in metadata.items():
        if not key or len(key) > settings.metadata_max_key_length:
            raise ValueError(
                f"metadata key {key[:40]!r}: keys are 1 to {settings.metadata_max_key_length} "
                "characters long"
            )
        if len(value) > settings.metadata_max_value_length:
            raise ValueError(
                f"metadata {key!r}: values are at most {settings.metadata_max_value_length} "
                "characters long"
            )
        if not (key.isascii() and value.isascii()):
            try:
                key.encode("utf-8")
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise ValueError(
                    f"metadata {key[:40]!r} is not valid Unicode (a lone surrogate such as "
                    "\\ud800): send UTF-8 text"
                ) from None
    size = len(json.dumps(metadata))
    if size > settings.metadata_max_bytes:
        raise ValueError(
            f"metadata takes {size} bytes as JSON; at most {settings.metadata_max_bytes} are "
            "accepted"
        )
    return metadata


# Metadata in a request: bounded in keys, key length, value length and total size.
RequestMetadata = Annotated[dict[str, str], AfterValidator(check_metadata)]

CustomerKind = Literal["natural", "legal"]
KycLevel = Literal["none", "light", "verified"]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ListPage(BaseModel, Generic[T]):
    object: Literal["list"] = "list"
    data: list[T]
    has_more: bool


class ListQuery(Model):
    """The query string of every list endpoint: a cursor page, newest first, and filters
    (each one given must hold). Unknown parameters are refused (422)."""

    limit: int = Field(default=10, ge=1, le=100, description="Objects per page (1 to 100).")
    starting_after: str | None = Field(
        default=None,
        max_length=40,
        description="Cursor: the id of the last object of the previous page.",
    )
    customer_id: str | None = Field(
        default=None, max_length=40, description="Only objects of this customer (its wallets)."
    )
    wallet_id: str | None = Field(
        default=None, max_length=40, description="Only objects moving money of this wallet."
    )
    status: str | None = Field(default=None, max_length=32, description="Only in this status.")
    created_gte: datetime | None = Field(
        default=None, description="Only objects created at or after this time (ISO 8601)."
    )
    created_lt: datetime | None = Field(
        default=None, description="Only objects created before this time (ISO 8601)."
    )

    @classmethod
    def of(cls, query: ListQuery | None, filters: dict[str, Any]) -> ListQuery:
        """``query``, or one made of keyword filters (the services' Python calls)."""
        return cls(**filters) if query is None else query


ErrorType = Literal[
    "invalid_request_error",
    "authentication_error",
    "card_error",
    "idempotency_error",
    "api_error",
]


class ApiErrorBody(BaseModel):
    """Stripe's error object: ``type`` groups errors, ``code`` names one exactly; ``param``
    names the request parameter at fault and ``decline_code`` the issuer's reason of a
    declined card, when there is one (docs/errors.md lists every code)."""

    type: ErrorType
    code: str
    message: str
    param: str | None = None
    decline_code: str | None = None
    details: dict[str, Any] | None = None


class ApiError(BaseModel):
    """What every failed wallets request answers, with the error's HTTP status."""

    error: ApiErrorBody
