"""Helpers shared by the wallets tests."""

from __future__ import annotations

from coffer.wallets import WalletPlatform
from coffer.wallets import schemas as S


def make_customer(
    platform: WalletPlatform, name: str = "Alice Martin", level: str = "verified"
) -> S.Customer:
    customer = platform.wallets.create_customer(
        S.CustomerCreate(
            kind="natural",
            name=name,
            email=f"{name.split()[0].lower()}@example.org",
            birth_date="1990-04-12",
            address=S.Address(
                line1="12 rue des Lilas", city="Lyon", postal_code="69003", country="FR"
            ),
        )
    )
    if level != "none":
        platform.wallets.submit_kyc_document(
            customer.id, S.KycDocumentCreate(type="identity_proof", name="id.pdf", level=level)
        )
    return platform.wallets.customer(customer.id)


def fund(platform: WalletPlatform, wallet_id: str, amount: int) -> None:
    """Credit a wallet as a bank transfer pay-in would (straight through the ledger)."""
    wallet = platform.wallets.wallet(wallet_id)
    from coffer.wallets import currencies, templates

    platform.core.ledger.run(
        templates.PAYIN,
        vars={
            "external": "external:test",
            "wallet": f"wallets:{wallet_id}",
            "amount": currencies.monetary(wallet.currency, amount),
        },
    )
