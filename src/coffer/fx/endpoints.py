"""The fx and loyalty HTTP API, under the wallets API's prefix ``/api/wallets/v1``:
``/fx/rates``, ``/fx/quotes``, ``/fx/conversions``, ``/fx/transfers``, ``/fx/pricing``,
``/fx/customers/{id}/...``, ``/fx/wallets/{id}/statement``, ``/fx/reports/pnl`` and
``/loyalty/programs/...``.

Same conventions as the wallets API (typed error objects, ``Idempotency-Key`` on the
POSTs that move money, cursor pagination) and its scopes: ``wallets:read`` to read,
``wallets:write`` for everything else (rates and pricing included).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from coffer.errors import Forbidden
from coffer.fx import schemas as S
from coffer.fx.loyalty import schemas as L
from coffer.fx.platform import FxPlatform, open_fx
from coffer.fx.rates.service import rate_model
from coffer.platforms import DEFAULT_PLATFORM_ID
from coffer.wallets.endpoints.deps import (
    After,
    IdempotencyKey,
    Limit,
    Read,
    Write,
    domain_for,
    platform_of,
)
from coffer.wallets.http_errors import WalletRoute
from coffer.wallets.http_errors import errors as wallet_errors

PREFIX = "/api/wallets/v1"

AUTH = (401, 403, 422)


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The wallets API's error answers (schema and codes per status), with auth's."""
    return wallet_errors(*statuses, *AUTH)


def fx_for(app: Any, platform_id: str = DEFAULT_PLATFORM_ID) -> FxPlatform:
    """The fx domain of a platform in a FastAPI app, built on first use (the default
    platform's is ``app.state.fx``, which an embedding app may set itself)."""
    return domain_for(app, "fx", platform_id, open_fx)


def fx_of(request: Request) -> FxPlatform:
    """The fx domain of the caller's platform (its wallets, ledger and rows)."""
    return fx_for(request.app, platform_of(request).platform_id)


Fx = Annotated[FxPlatform, Depends(fx_of)]


def _operator_only(fx: FxPlatform) -> None:
    """Shared market data (rates, pricing) is the operator's: refuse other platforms."""
    if fx.wallets.platform_id != DEFAULT_PLATFORM_ID:
        raise Forbidden(
            "exchange rates and pricing are shared by every platform: set them with a client"
            " of the default platform (or `coffer fx`)"
        )


router = APIRouter(prefix=PREFIX, tags=["fx"], route_class=WalletRoute)
read = APIRouter(dependencies=[Read], route_class=WalletRoute, responses=errors())
write = APIRouter(dependencies=[Write], route_class=WalletRoute, responses=errors())


# -- rates -----------------------------------------------------------------------------


@read.get("/fx/rates/{base}/{quote}", responses=errors(400, 404, 409))
def get_rate(base: str, quote: str, fx: Fx, at: datetime | None = None) -> S.Rate:
    """The rate a quote would use now (or at ``at``): preferred provider, fresh."""
    return rate_model(fx.rates.rate(base, quote, at))


@read.get("/fx/rates")
def list_rates(
    fx: Fx,
    base: Annotated[str | None, Query(max_length=3)] = None,
    quote: Annotated[str | None, Query(max_length=3)] = None,
    limit: Limit = 100,
) -> S.RateList:
    """Stored rates (manual and live), newest first."""
    return S.RateList(data=fx.rates.stored(base=base, quote=quote, limit=limit))


@write.post("/fx/rates", status_code=201, responses=errors(400))
def set_rate(body: S.RateSet, fx: Fx) -> S.Rate:
    """Set a manual rate (source ``manual``). Rates are shared by every platform: only
    clients of the default platform set them (403 otherwise)."""
    _operator_only(fx)
    return fx.rates.set_manual(body.base, body.quote, body.rate, body.as_of)


@write.post("/fx/rates/refresh", responses=errors(400, 502))
def refresh_rates(fx: Fx) -> S.RefreshResult:
    """Fetch the live provider's rates (``COFFER_FX_HTTP_URL``) now (default platform's
    clients only: rates are shared)."""
    _operator_only(fx)
    return S.RefreshResult(stored=fx.rates.refresh_http())


# -- pricing and tiers -----------------------------------------------------------------


@read.get("/fx/pricing")
def list_pricing(fx: Fx) -> list[S.PricingRule]:
    return fx.quotes.pricing_rules()


@write.post("/fx/pricing", responses=errors(400))
def set_pricing(body: S.PricingSet, fx: Fx) -> S.PricingRule:
    """Set the spread and fee of a pair (or ``*``) for a tier (or ``*``) on the caller's
    platform. A platform's quotes use its own rules; for a pair and tier it has none for,
    the default platform's (the operator's), then the fx_spread_bps/fx_fee_bps settings."""
    return fx.quotes.set_pricing(body)


@write.put("/fx/customers/{customer_id}/tier", responses=errors(400, 404))
def set_tier(customer_id: str, body: S.CustomerTierSet, fx: Fx) -> S.CustomerTier:
    fx.wallets.wallets.customer(customer_id)
    return fx.quotes.set_tier(customer_id, body.tier)


# -- quotes, conversions, transfers ----------------------------------------------------


@write.post("/fx/quotes", status_code=201, responses=errors(400, 404, 409))
def create_quote(body: S.QuoteCreate, fx: Fx) -> S.Quote:
    if body.customer_id is not None:  # priced at the tier of a customer of this platform
        fx.wallets.wallets.customer(body.customer_id)
    return fx.quotes.create(body)


@read.get("/fx/quotes/{quote_id}", responses=errors(404))
def get_quote(quote_id: str, fx: Fx) -> S.Quote:
    return fx.quotes.get(quote_id)


@write.post("/fx/conversions", status_code=201, responses=errors(400, 404, 409, 410))
def create_conversion(body: S.ConversionCreate, fx: Fx, key: IdempotencyKey = None) -> S.Conversion:
    """Convert between two wallets of one customer at a quote (one ledger transaction)."""
    return fx.conversions.convert(body, idempotency_key=key)


@write.post("/fx/transfers", status_code=201, responses=errors(400, 404, 409, 410))
def create_transfer(
    body: S.CrossBorderTransferCreate, fx: Fx, key: IdempotencyKey = None
) -> S.Conversion:
    """Pay a wallet in another currency: quote, conversion and transfer in one call."""
    return fx.conversions.transfer(body, idempotency_key=key)


@write.post("/fx/payouts", status_code=201, responses=errors(400, 404, 409, 410))
def create_payout(
    body: S.CrossBorderPayoutCreate, fx: Fx, key: IdempotencyKey = None
) -> S.CrossBorderPayout:
    """Pay out to a bank account in another currency (conversion, then payout)."""
    return fx.conversions.payout(body, idempotency_key=key)


@read.get("/fx/conversions")
def list_conversions(
    fx: Fx, wallet_id: str | None = None, limit: Limit = 10, starting_after: After = None
) -> S.ConversionList:
    return fx.conversions.list(wallet_id=wallet_id, limit=limit, starting_after=starting_after)


@read.get("/fx/conversions/{conversion_id}", responses=errors(404))
def get_conversion(conversion_id: str, fx: Fx) -> S.Conversion:
    return fx.conversions.get(conversion_id)


# -- reporting -------------------------------------------------------------------------


@read.get("/fx/customers/{customer_id}/valuation", responses=errors(400, 404, 409))
def valuation(
    customer_id: str,
    fx: Fx,
    currency: Annotated[str, Query(min_length=3, max_length=3)],
    at: datetime | None = None,
) -> S.Valuation:
    """The customer's wallets at ``at`` valued in ``currency`` at that date's rates."""
    return fx.reports.valuation(customer_id, currency, at)


@read.get("/fx/wallets/{wallet_id}/statement", responses=errors(400, 404, 409))
def valued_statement(
    wallet_id: str,
    fx: Fx,
    currency: Annotated[str, Query(min_length=3, max_length=3)],
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
) -> S.ValuedStatement:
    return fx.reports.statement(wallet_id, currency, limit=limit, cursor=cursor)


@read.get("/fx/reports/pnl", responses=errors(400, 404, 409))
def pnl(
    fx: Fx,
    start: datetime,
    end: datetime,
    currency: Annotated[str | None, Query(min_length=3, max_length=3)] = None,
) -> S.PnlReport:
    """FX P&L of ``[start, end)``: positions revalued, spread and fee revenue."""
    return fx.reports.pnl(start, end, currency)


# -- loyalty ---------------------------------------------------------------------------


@write.post("/loyalty/programs", status_code=201, responses=errors(400))
def create_program(body: L.ProgramCreate, fx: Fx) -> L.Program:
    return fx.loyalty.create_program(body)


@read.get("/loyalty/programs")
def list_programs(fx: Fx) -> list[L.Program]:
    return fx.loyalty.programs()


@read.get("/loyalty/programs/{program_id}", responses=errors(404))
def get_program(program_id: str, fx: Fx) -> L.Program:
    return fx.loyalty.program(program_id)


@write.post(
    "/loyalty/programs/{program_id}/awards", status_code=201, responses=errors(400, 404, 409)
)
def award(program_id: str, body: L.AwardCreate, fx: Fx) -> L.Lot:
    return fx.loyalty.award(program_id, body)


@write.post("/loyalty/programs/{program_id}/purchases", status_code=201, responses=errors(400, 404))
def purchase(program_id: str, body: L.PurchaseCreate, fx: Fx) -> L.Purchase:
    """A wallet payment and the points it earns, in one ledger transaction."""
    return fx.loyalty.purchase(program_id, body)


@write.post(
    "/loyalty/programs/{program_id}/redemptions",
    status_code=201,
    responses=errors(400, 404, 409),
)
def redeem(
    program_id: str, body: L.RedemptionCreate, fx: Fx, key: IdempotencyKey = None
) -> L.Movement:
    return fx.loyalty.redeem(program_id, body, idempotency_key=key)


@write.post("/loyalty/programs/{program_id}/expire", responses=errors(404))
def expire(program_id: str, fx: Fx) -> L.ExpiryRun:
    """Expire the lots past their date now (the worker's job; callable by an operator)."""
    return fx.loyalty.expire(program_id)


@read.get("/loyalty/programs/{program_id}/customers/{customer_id}", responses=errors(404))
def loyalty_account(program_id: str, customer_id: str, fx: Fx) -> L.Account:
    """Points, tier, and what expires when."""
    return fx.loyalty.account(program_id, customer_id)


@read.get("/loyalty/programs/{program_id}/customers/{customer_id}/lots", responses=errors(404))
def loyalty_lots(program_id: str, customer_id: str, fx: Fx) -> list[L.Lot]:
    return fx.loyalty.lots(program_id, customer_id)


@read.get("/loyalty/programs/{program_id}/customers/{customer_id}/movements", responses=errors(404))
def loyalty_movements(program_id: str, customer_id: str, fx: Fx) -> list[L.Movement]:
    """The customer's redemptions, expiries and clawbacks (refunded payments' points)."""
    return fx.loyalty.movements(program_id, customer_id)


router.include_router(read)
router.include_router(write)
