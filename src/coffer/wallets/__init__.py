"""Wallets and payments on the ledger: customers and KYC, wallets, transfers, merchant
payments with escrow, card and bank pay-ins, refunds, disputes, payouts, webhooks.

    import coffer
    from coffer.wallets import open_wallets

    c = coffer.open("sqlite:///coffer.db")
    platform = open_wallets(c)
    customer = platform.wallets.create_customer(...)
"""

from coffer.wallets.platform import WalletPlatform, open_wallets
from coffer.wallets.settings import WalletSettings

__all__ = ["WalletPlatform", "WalletSettings", "open_wallets"]
