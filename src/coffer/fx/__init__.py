"""Multi-currency: exchange rates, quotes, conversions, and loyalty points."""
