"""Exchange rates: providers (ECB history, manual, live HTTP) and the rates service."""

from coffer.fx.rates.providers import EcbProvider, Rate, RateProvider, StoredProvider
from coffer.fx.rates.service import Rates

__all__ = ["EcbProvider", "Rate", "RateProvider", "Rates", "StoredProvider"]
