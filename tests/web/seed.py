"""Data for the console tests: a platform with a ledger, customers (one KYC document
waiting for review), funded wallets, a transfer and a webhook endpoint; an admin
operator with TOTP."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from coffer.core import Coffer
from coffer.identity.factors import repository as factor_rows
from coffer.identity.factors import service as factors
from coffer.identity.operators.service import create_operator
from coffer.ledger.models import Posting
from coffer.wallets import currencies, templates
from coffer.wallets import schemas as S
from coffer.wallets.endpoints.deps import platform_for

PASSWORD = "correct horse battery staple 42"


@dataclass
class Seeded:
    platform_id: str
    ledger: str
    customer_id: str  # has a document waiting for review
    document_id: str
    wallet_id: str  # funded
    other_wallet_id: str
    endpoint_id: str
    operator_email: str
    totp_secret: str


def operator_with_totp(
    book: Coffer, email: str, role: str, platform_id: str, sealer: factors.Sealer
) -> str:
    """An operator whose TOTP is set up (sealed by ``sealer``); returns the TOTP secret."""
    with book.engine.begin() as connection:
        operator, _ = create_operator(
            connection, email=email, role=role, platform_id=platform_id, password=PASSWORD
        )
        secret = factors.start_totp(
            connection, subject=operator.id, platform_id=platform_id, sealer=sealer
        )
        # confirmed as of step 0, so that every current code is still unused
        factor_rows.confirm_totp(connection, operator.id, step=0, now=factors.now_micros())
    return secret


def new_operator(
    app: Any, book: Coffer, email: str, role: str, platform_id: str = "plat_default"
) -> str:
    """An operator with TOTP set up, sealed as the console seals it; the TOTP secret."""
    sealer = platform_for(app).core.cipher  # what the console seals TOTP secrets with
    return operator_with_totp(book, email, role, platform_id, sealer)


def seed(app: Any, book: Coffer, platform_id: str, *, tag: str = "a") -> Seeded:
    ledger = f"main-{tag}"
    book.create_ledger(ledger, platform_id=platform_id)
    main = book.ledger(ledger)
    for i in range(40):
        main.post(
            [Posting("world", f"users:{i % 7}", 1000 + i, "USD/2")],
            reference=f"{tag}-ref-{i}",
            metadata={"order": f"o{i}"},
        )
    platform = platform_for(app, platform_id)
    waiting = platform.wallets.create_customer(
        S.CustomerCreate(
            kind="natural", name=f"Grace Hopper {tag}", email=f"grace-{tag}@example.org"
        )
    )
    document = platform.wallets.submit_kyc_document(
        waiting.id, S.KycDocumentCreate(type="identity_proof", name="passport-review.pdf")
    )
    verified = platform.wallets.create_customer(
        S.CustomerCreate(kind="natural", name=f"Alan Turing {tag}", email=f"alan-{tag}@example.org")
    )
    platform.wallets.submit_kyc_document(
        verified.id, S.KycDocumentCreate(type="identity_proof", name="id.pdf")
    )
    wallet = platform.wallets.create_wallet(S.WalletCreate(customer_id=verified.id, currency="EUR"))
    other = platform.wallets.create_wallet(S.WalletCreate(customer_id=waiting.id, currency="EUR"))
    platform.core.ledger.run(
        templates.PAYIN,
        vars={
            "external": "external:test",
            "wallet": f"wallets:{wallet.id}",
            "amount": currencies.monetary("EUR", 50_000),
        },
    )
    endpoint = platform.webhooks.create_endpoint(
        S.WebhookEndpointCreate(url="https://hooks.example.org/coffer")
    )
    email = f"admin-{tag}@example.com"
    secret = new_operator(app, book, email, "admin", platform_id)
    return Seeded(
        platform_id=platform_id,
        ledger=ledger,
        customer_id=waiting.id,
        document_id=document.id,
        wallet_id=wallet.id,
        other_wallet_id=other.id,
        endpoint_id=endpoint.id,
        operator_email=email,
        totp_secret=secret,
    )
