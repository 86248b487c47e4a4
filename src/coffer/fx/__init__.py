"""Multi-currency: exchange rates, quotes, conversions, cross-border transfers, reporting
in one currency, and loyalty points (a house currency, :mod:`coffer.fx.loyalty`).

    import coffer
    from coffer.wallets import open_wallets
    from coffer.fx import open_fx

    c = coffer.open("sqlite:///coffer.db")
    fx = open_fx(open_wallets(c))
    fx.rates.set_manual("EUR", "USD", "1.0842")
"""

from coffer.fx.platform import FxPlatform, open_fx
from coffer.fx.settings import FxSettings

__all__ = ["FxPlatform", "FxSettings", "open_fx"]
