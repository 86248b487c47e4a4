"""The rates service: providers in order of preference, stored rates, staleness."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import sqlalchemy as sa

from coffer.db.columns import model_from_row
from coffer.errors import ProviderError, RateNotFound, RateStale, ValidationError
from coffer.fx import repository as R
from coffer.fx import schemas as S
from coffer.fx import tables as T
from coffer.fx.cache import TtlCache
from coffer.fx.rates.providers import (
    EcbProvider,
    Rate,
    RateProvider,
    StoredProvider,
    decimal_text,
    fetch_http_rates,
    parse_rate,
)
from coffer.fx.settings import FxSettings
from coffer.ledger.models import from_micros
from coffer.wallets import currencies

Clock = Callable[[], datetime]
KNOWN_PROVIDERS = ("manual", "http", "ecb")


def utc(moment: datetime) -> datetime:
    """A naive datetime is taken as UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def to_micros(moment: datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


class Rates:
    def __init__(self, engine: sa.Engine, settings: FxSettings, clock: Clock) -> None:
        self.engine = engine
        self.settings = settings
        self.clock = clock
        self.base_currency = currencies.check_currency(settings.fx_base_currency)
        names = [n.strip() for n in settings.fx_providers.split(",") if n.strip()]
        unknown = [n for n in names if n not in KNOWN_PROVIDERS]
        if unknown or not names:
            raise ValidationError(
                f"COFFER_FX_PROVIDERS: unknown providers {unknown}; use {', '.join(KNOWN_PROVIDERS)}"
            )
        self.providers: list[RateProvider] = [self._provider(n) for n in names]
        self._current: TtlCache[Rate] = TtlCache(settings.fx_cache_seconds)

    def _provider(self, name: str) -> RateProvider:
        if name == "ecb":
            return EcbProvider()
        return StoredProvider(name, self._lookup, self.base_currency)

    def _lookup(self, source: str, base: str, quote: str, at: datetime) -> Rate | None:
        with self.engine.connect() as connection:
            row = R.latest_rate(connection, source, base, quote, to_micros(at))
        if row is None:
            return None
        return Rate(base, quote, Fraction(row["rate"]), source, from_micros(row["as_of"]))

    # -- reading ------------------------------------------------------------------------

    def rate(self, base: str, quote: str, at: datetime | None = None) -> Rate:
        """The preferred fresh rate base -> quote at ``at`` (default now).

        Providers are asked in order (``COFFER_FX_PROVIDERS``); the first whose rate is at
        most ``COFFER_FX_MAX_RATE_AGE_SECONDS`` old at ``at`` answers. A rate found only
        older than that raises :class:`RateStale`; none at all :class:`RateNotFound`.
        """
        base = currencies.check_currency(base)
        quote = currencies.check_currency(quote)
        moment = utc(at) if at is not None else self.clock()
        if base == quote:
            return Rate(base, quote, Fraction(1), "identity", moment)
        if at is None:  # the current rate: reused for fx_cache_seconds, if still fresh
            found = self._current.get((base, quote), lambda: self._choose(base, quote, moment))
            if found.as_of >= moment - timedelta(seconds=self.settings.fx_max_rate_age_seconds):
                return found
            self._current.clear()
        return self._choose(base, quote, moment)

    def _choose(self, base: str, quote: str, moment: datetime) -> Rate:
        oldest = moment - timedelta(seconds=self.settings.fx_max_rate_age_seconds)
        newest_stale: Rate | None = None
        for provider in self.providers:
            found = provider.rate(base, quote, moment)
            if found is None:
                continue
            if found.as_of >= oldest:
                return found
            if newest_stale is None or found.as_of > newest_stale.as_of:
                newest_stale = found
        if newest_stale is not None:
            raise RateStale(
                f"the newest {base}/{quote} rate ({newest_stale.source}, "
                f"{newest_stale.as_of.isoformat()}) is older than the maximum rate age of "
                f"{self.settings.fx_max_rate_age_seconds} s at {moment.isoformat()}; set or "
                "refresh a rate",
                base=base,
                quote=quote,
                source=newest_stale.source,
                as_of=newest_stale.as_of.isoformat(),
            )
        raise RateNotFound(
            f"no provider has a {base}/{quote} rate at {moment.isoformat()}; set one with "
            "POST /api/wallets/v1/fx/rates or `coffer fx rates set`",
            base=base,
            quote=quote,
        )

    def stored(
        self, *, base: str | None = None, quote: str | None = None, limit: int = 100
    ) -> list[S.Rate]:
        with self.engine.connect() as connection:
            rows = R.list_rates(connection, base=base, quote=quote, limit=limit)
        return [model_from_row(S.Rate, row) for row in rows]

    # -- writing ------------------------------------------------------------------------

    def store(self, rates: Sequence[Rate]) -> int:
        self._current.clear()
        now = to_micros(self.clock())
        with self.engine.begin() as connection:
            for rate in rates:
                R.insert(
                    connection,
                    T.rates,
                    {
                        "id": R.new_id("fxr"),
                        "base": rate.base,
                        "quote": rate.quote,
                        "rate": _exact_text(rate.value),
                        "source": rate.source,
                        "as_of": to_micros(rate.as_of),
                        "created_at": now,
                    },
                )
        return len(rates)

    def set_manual(
        self, base: str, quote: str, rate: Decimal | str, as_of: datetime | None = None
    ) -> S.Rate:
        base = currencies.check_currency(base)
        quote = currencies.check_currency(quote)
        if base == quote:
            raise ValidationError("a rate needs two different currencies")
        try:
            value = parse_rate(rate)
        except ProviderError as exc:
            raise ValidationError(exc.message) from exc
        moment = utc(as_of) if as_of is not None else self.clock()
        self.store([Rate(base, quote, value, "manual", moment)])
        return S.Rate(
            base=base, quote=quote, rate=decimal_text(value), source="manual", as_of=moment
        )

    def refresh_http(self) -> int:
        """Fetch the live provider's rates (``COFFER_FX_HTTP_URL``) and store them."""
        if not self.settings.fx_http_url:
            raise ValidationError("no live provider: set COFFER_FX_HTTP_URL")
        rates = fetch_http_rates(
            self.settings.fx_http_url,
            self.settings.fx_http_mapping,
            timeout_seconds=self.settings.fx_http_timeout_seconds,
            fetched_at=self.clock(),
        )
        known = [r for r in rates if _is_currency(r.base) and _is_currency(r.quote)]
        return self.store(known)


def _is_currency(code: str) -> bool:
    try:
        currencies.check_currency(code)
    except ValidationError:
        return False
    return True


def _exact_text(value: Fraction) -> str:
    """A Fraction as text that reads back exactly (``Fraction(text)``)."""
    if value.denominator == 1:
        return str(value.numerator)
    return f"{value.numerator}/{value.denominator}"


def rate_model(rate: Rate) -> S.Rate:
    return S.Rate(
        base=rate.base,
        quote=rate.quote,
        rate=decimal_text(rate.value),
        source=rate.source,
        as_of=rate.as_of,
    )
