"""Data of the domains' console pages: a risk review case (a transfer held by a review
rule), a manual automation waiting for an approval, an FX quote and a loyalty program,
on a platform seeded by :func:`tests.web.seed.seed`."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tests.web.seed import Seeded

from coffer.automations import Worker
from coffer.automations import schemas as A
from coffer.automations.endpoints import automations_for
from coffer.fx import schemas as F
from coffer.fx.endpoints import fx_for
from coffer.fx.loyalty import schemas as L
from coffer.risk.online.endpoints import risk_of_platform
from coffer.wallets import schemas as S
from coffer.wallets.endpoints.deps import platform_for

APPROVAL_AUTOMATION = {
    "trigger": {"type": "manual"},
    "steps": [
        {"id": "sign_off", "type": "approval", "message": "pay the suppliers"},
        {"id": "done", "type": "set", "values": {"paid": True}},
    ],
}


@dataclass
class Domains:
    case_id: str
    transfer_id: str
    automation_id: str
    run_id: str  # started by the API (no maker among the operators): waiting for approval
    quote_id: str
    program_id: str


def run_worker(app: Any) -> None:
    worker = Worker(automations_for(app), threads=1)
    try:
        worker.run_until_idle()
    finally:
        worker.stop()


def seed_domains(app: Any, seeded: Seeded, *, tag: str = "a") -> Domains:
    platform_id = seeded.platform_id
    wallets = platform_for(app, platform_id)
    risk = risk_of_platform(app, wallets)
    risk.save_rule(
        platform_id,
        name=f"large_{tag}",
        expression="tx.amount > 10000",
        action="review",
        actor="test",
    )
    transfer = wallets.wallets.transfer(
        S.TransferCreate(
            debited_wallet_id=seeded.wallet_id,
            credited_wallet_id=seeded.other_wallet_id,
            amount=12_000,
            currency="EUR",
        )
    )
    cases, _ = risk.cases(platform_id, kind="review")
    case_id = next(c["id"] for c in cases if transfer.id in c["transaction_ids"])

    automations = automations_for(app)
    automation = automations.create(
        platform_id,
        A.AutomationCreate(name=f"Supplier run {tag}", definition=APPROVAL_AUTOMATION),
    )
    run = automations.start_run(platform_id, automation.id, {"batch": f"b-{tag}"})
    run_worker(app)

    fx = fx_for(app, platform_id)
    fx.rates.set_manual("EUR", "USD", "1.0850")  # market data, shared by every platform
    quote = fx.quotes.create(
        F.QuoteCreate(sell_currency="EUR", buy_currency="USD", sell_amount=10_000)
    )
    program = fx.loyalty.create_program(
        L.ProgramCreate(
            name=f"Stars {tag}",
            asset=f"STARS{tag.upper()}",
            cash_currency="EUR",
            redemption_rate=Decimal("1"),
            earn_rules=[L.EarnRule(points_per_unit=Decimal("1"), currency="EUR")],
        )
    )
    return Domains(
        case_id=case_id,
        transfer_id=transfer.id,
        automation_id=automation.id,
        run_id=run.id,
        quote_id=quote.id,
        program_id=program.id,
    )
