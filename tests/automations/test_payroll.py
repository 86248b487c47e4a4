"""Payment batches: validation report, maker-checker approval, business-day execution,
funding policies, per-line status, the pain.001 file and the summary event."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from tests.automations.conftest import PLATFORM, Clock, new_wallet
from tests.automations.payroll_helpers import BIC_FR, IBAN_DE, IBAN_FR, batch_body, payee_wallets

from coffer.automations import AutomationsPlatform, Worker
from coffer.automations.payroll import schemas as S
from coffer.automations.payroll.errors import (
    ApproverNotAllowed,
    PaymentBatchInvalid,
    PaymentBatchNotFound,
    PaymentBatchState,
)
from coffer.wallets import WalletPlatform
from coffer.wallets.payouts import pain001_schema


def create(automations: AutomationsPlatform, body: dict, maker: str = "ops:maker") -> S.Batch:
    batch = automations.payment_batches.create(
        PLATFORM, S.BatchCreate.model_validate(body), maker=maker
    )
    assert isinstance(batch, S.Batch)
    return batch


def approve(automations: AutomationsPlatform, batch_id: str, approver: str) -> S.Batch:
    return automations.payment_batches.approve(
        PLATFORM, batch_id, S.Decision(approver=approver), caller="client:x", approve=True
    )


def test_validation_reports_every_bad_line_and_stores_nothing(
    wallets: WalletPlatform, automations: AutomationsPlatform
) -> None:
    source = new_wallet(wallets, "Acme Payroll", 100_000)
    payees = payee_wallets(wallets, 2)
    usd = wallets.wallets.create_wallet(
        __import__("coffer.wallets.schemas", fromlist=["WalletCreate"]).WalletCreate(
            customer_id=wallets.wallets.wallet(payees[0]).customer_id, currency="USD"
        )
    )
    automations.payment_batches.settings = automations.payment_batches.settings.model_copy(
        update={"payroll_max_line_amount": 50_000}
    )
    lines = [
        {"wallet_id": payees[0], "amount": 1000, "reference": "ok"},
        {"wallet_id": payees[0], "amount": 1000},  # duplicate payee
        {"wallet_id": "wal_nope", "amount": 1000},  # unknown wallet
        {"wallet_id": usd.id, "amount": 1000},  # currency mismatch (wallet)
        {"wallet_id": payees[1], "amount": "12.345"},  # too many decimals
        {"iban": "FR1420041010050500013M02607", "bic": BIC_FR, "name": "X", "amount": 5},
        {"iban": IBAN_FR, "bic": "NOTABIC", "name": "Y", "amount": 5},
        {"iban": IBAN_DE, "name": "Z", "amount": 60_000},  # over the line limit
        {"iban": IBAN_FR, "bic": BIC_FR, "name": "W", "amount": 5, "currency": "USD"},
        {"amount": 5},  # no payee
        {"wallet_id": payees[1], "amount": -3},
    ]
    body = batch_body(source.id, lines, validate_only=True)
    report = automations.payment_batches.create(
        PLATFORM, S.BatchCreate.model_validate(body), maker="ops:maker"
    )
    assert isinstance(report, S.ValidationReport)
    assert not report.valid and report.line_count == 11 and report.invalid_lines == 10
    codes = {line.line_number: [e.code for e in line.errors] for line in report.lines}
    assert codes == {
        2: ["duplicate_payee"],
        3: ["unknown_wallet"],
        4: ["currency_mismatch"],
        5: ["invalid_amount"],
        6: ["invalid_iban"],
        7: ["invalid_bic"],
        8: ["over_line_limit"],
        9: ["currency_mismatch"],
        10: ["missing_payee"],
        11: ["invalid_amount", "duplicate_payee"],
    }
    body["validate_only"] = False
    with pytest.raises(PaymentBatchInvalid) as caught:
        create(automations, body)
    assert caught.value.details["report"]["invalid_lines"] == 10
    assert automations.payment_batches.batches(PLATFORM).data == []


def test_batch_limit_and_decimal_amounts(
    wallets: WalletPlatform, automations: AutomationsPlatform
) -> None:
    source = new_wallet(wallets, "Acme Payroll", 100_000)
    payees = payee_wallets(wallets, 2)
    automations.payment_batches.settings = automations.payment_batches.settings.model_copy(
        update={"payroll_max_batch_total": 3000}
    )
    lines = [{"wallet_id": payees[0], "amount": "12.50"}, {"wallet_id": payees[1], "amount": "20"}]
    report = automations.payment_batches.create(
        PLATFORM,
        S.BatchCreate.model_validate(batch_body(source.id, lines, validate_only=True)),
        maker="m",
    )
    assert isinstance(report, S.ValidationReport)
    assert report.total_amount == 1250 + 20 and report.valid
    lines[1]["amount"] = "17.51"
    report = automations.payment_batches.create(
        PLATFORM,
        S.BatchCreate.model_validate(batch_body(source.id, lines, validate_only=True)),
        maker="m",
    )
    assert isinstance(report, S.ValidationReport)
    assert [e.code for e in report.errors] == ["over_batch_limit"]


def test_maker_checker_business_day_execution_and_pain001(
    wallets: WalletPlatform, automations: AutomationsPlatform, worker: Worker, clock: Clock
) -> None:
    source = new_wallet(wallets, "Acme Payroll", 1_000_000)
    payees = payee_wallets(wallets, 3)
    # 2026-12-25 is a holiday in France, 26-27 a weekend: paid on Monday the 28th
    clock.set(clock.now.replace(year=2026, month=12, day=20, hour=12))
    lines = [
        {"wallet_id": payees[0], "amount": 12_000, "reference": "salary 12/2026"},
        {"iban": IBAN_FR, "bic": BIC_FR, "name": "Fournisseur SA", "amount": "1500.00"},
        {"wallet_id": payees[1], "amount": "100.01"},
        {"iban": IBAN_DE, "name": "Lieferant GmbH", "amount": 700},
        {"wallet_id": payees[2], "amount": 1},
    ]
    body = batch_body(
        source.id,
        lines,
        approvals=2,
        execute_on="2026-12-25",
        business_days={"country": "FR", "convention": "following"},
    )
    batch = create(automations, body, maker="ops:maker")
    assert batch.status == "pending_approval" and batch.execute_at.date() == date(2026, 12, 28)
    assert batch.total_amount == 12_000 + 150_000 + 10_001 + 700 + 1
    with pytest.raises(ApproverNotAllowed):
        approve(automations, batch.id, "ops:maker")
    assert approve(automations, batch.id, "ops:ana").status == "pending_approval"
    assert approve(automations, batch.id, "ops:ben").status == "scheduled"
    worker.run_until_idle()
    assert automations.payment_batches.batch(PLATFORM, batch.id).status == "scheduled"
    clock.set(clock.now.replace(day=28, hour=0, minute=0, second=1))
    worker.run_until_idle()
    done = automations.payment_batches.batch(PLATFORM, batch.id)
    assert done.status == "completed"
    assert done.summary == {
        "counts": {"paid": 3, "submitted": 2},
        "totals": {"paid": 22_002, "submitted": 150_700},
    }
    rows = automations.payment_batches.lines(PLATFORM, batch.id).data
    assert [line.status for line in rows] == ["paid", "submitted", "paid", "submitted", "paid"]
    assert wallets.wallets.wallet(payees[0]).balance == 12_000
    assert wallets.wallets.wallet(source.id).available == 1_000_000 - done.total_amount
    xml = automations.payment_batches.pain001(PLATFORM, batch.id)
    pain001_schema().validate(xml)
    assert IBAN_FR in xml and "<NbOfTxs>2</NbOfTxs>" in xml and "1500.00" in xml
    assert automations.payment_batches.pain001(PLATFORM, batch.id) == xml
    events = [
        e
        for e in wallets.webhooks.events_after("", limit=1000)
        if e.type == "payment_batch.completed"
    ]
    assert len(events) == 1
    assert events[0].data["object"]["summary"]["counts"] == {"paid": 3, "submitted": 2}
    worker.run_until_idle()  # nothing is paid twice
    assert wallets.wallets.wallet(payees[0]).balance == 12_000


def test_reject_cancel_expiry_and_tenancy(
    wallets: WalletPlatform, automations: AutomationsPlatform, worker: Worker, clock: Clock
) -> None:
    source = new_wallet(wallets, "Acme Payroll", 10_000)
    payees = payee_wallets(wallets, 1)
    body = batch_body(source.id, [{"wallet_id": payees[0], "amount": 100}])
    rejected = create(automations, body)
    result = automations.payment_batches.approve(
        PLATFORM, rejected.id, S.Decision(approver="ops:ana"), caller="c", approve=False
    )
    assert result.status == "rejected"
    assert automations.payment_batches.lines(PLATFORM, rejected.id).data[0].status == "cancelled"
    with pytest.raises(PaymentBatchState):
        approve(automations, rejected.id, "ops:ben")
    cancelled = create(automations, body)
    assert automations.payment_batches.cancel(PLATFORM, cancelled.id).status == "cancelled"
    expiring = create(automations, {**body, "approval_timeout_seconds": 60})
    clock.advance(seconds=61)
    worker.run_until_idle()
    assert automations.payment_batches.batch(PLATFORM, expiring.id).status == "expired"
    with pytest.raises(PaymentBatchState):
        approve(automations, expiring.id, "ops:ben")
    approvals = automations.approvals(PLATFORM, status=None).data
    assert {a.status for a in approvals} >= {"rejected", "expired"}
    with pytest.raises(PaymentBatchNotFound):
        automations.payment_batches.batch("plat_other", expiring.id)
    with pytest.raises(PaymentBatchNotFound):
        automations.payment_batches.lines("plat_other", expiring.id)
    assert wallets.wallets.wallet(payees[0]).balance == 0


def test_funding_wait_then_paid_and_partial(
    wallets: WalletPlatform, automations: AutomationsPlatform, worker: Worker, clock: Clock
) -> None:
    from tests.wallets.helpers import fund

    source = new_wallet(wallets, "Acme Payroll", 1000)
    payees = payee_wallets(wallets, 4)
    lines = [{"wallet_id": wallet_id, "amount": 400} for wallet_id in payees]
    waiting = create(automations, batch_body(source.id, lines, funding_policy="wait"))
    approve(automations, waiting.id, "ops:ana")
    worker.run_until_idle()
    assert automations.payment_batches.batch(PLATFORM, waiting.id).status == "waiting_funds"
    assert wallets.wallets.wallet(payees[0]).balance == 0
    fund(wallets, source.id, 600)
    clock.advance(seconds=automations.payment_batches.settings.payroll_funds_recheck_seconds + 1)
    worker.run_until_idle()
    assert automations.payment_batches.batch(PLATFORM, waiting.id).status == "completed"
    assert [wallets.wallets.wallet(w).balance for w in payees] == [400] * 4

    fund(wallets, source.id, 900)
    lines = [{"wallet_id": wallet_id, "amount": 400} for wallet_id in payees]
    partial = create(automations, batch_body(source.id, lines, funding_policy="partial"))
    approve(automations, partial.id, "ops:ana")
    worker.run_until_idle()
    done = automations.payment_batches.batch(PLATFORM, partial.id)
    assert done.status == "completed"
    statuses = [
        line.status for line in automations.payment_batches.lines(PLATFORM, partial.id).data
    ]
    assert statuses == ["paid", "paid", "failed_insufficient_funds", "failed_insufficient_funds"]
    assert done.summary == {
        "counts": {"paid": 2, "failed_insufficient_funds": 2},
        "totals": {"paid": 800, "failed_insufficient_funds": 800},
    }
    assert wallets.wallets.wallet(source.id).balance == 100


def test_csv_batch(
    wallets: WalletPlatform, automations: AutomationsPlatform, worker: Worker
) -> None:
    source = new_wallet(wallets, "Acme Payroll", 100_000)
    payees = payee_wallets(wallets, 2)
    text = (
        "wallet_id,iban,bic,name,amount,currency,reference\n"
        f"{payees[0]},,,,12.34,EUR,salary\n"
        f"{payees[1]},,,,500,EUR,\n"
        f",{IBAN_FR},{BIC_FR},Fournisseur SA,99.99,EUR,invoice 42\n"
    )
    batch = create(automations, {"source_wallet_id": source.id, "currency": "EUR", "csv": text})
    assert batch.line_count == 3 and batch.total_amount == 1234 + 500 + 9999
    bad = {"source_wallet_id": source.id, "currency": "EUR", "csv": "payee,amount\nx,1\n"}
    with pytest.raises(PaymentBatchInvalid) as caught:
        create(automations, bad)
    assert caught.value.details["report"]["errors"][0]["code"] == "csv_invalid"
    approve(automations, batch.id, "ops:ana")
    worker.run_until_idle()
    assert wallets.wallets.wallet(payees[0]).balance == 1234
    line = automations.payment_batches.lines(PLATFORM, batch.id, status="submitted").data[0]
    assert line.reference == "invoice 42" and line.payout_id is not None
    assert date.today() - timedelta(days=1) <= batch.execute_at.date()


def test_refusal_mid_batch_waits_then_pays_with_a_new_key(
    wallets: WalletPlatform,
    automations: AutomationsPlatform,
    worker: Worker,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A wait batch whose funding check passed but whose transfers are refused (a
    concurrent spend) waits again; the refused lines are paid later, once each."""
    from tests.wallets.helpers import fund

    source = new_wallet(wallets, "Acme Payroll", 500)
    payees = payee_wallets(wallets, 3)
    lines = [{"wallet_id": wallet_id, "amount": 400} for wallet_id in payees]
    batch = create(automations, batch_body(source.id, lines))
    with pytest.raises(ApproverNotAllowed):  # the approvals' own route checks the maker too
        automations.decide(
            PLATFORM,
            str(batch.approval_id),
            __import__("coffer.automations.schemas", fromlist=["x"]).ApprovalDecision(
                approve=True, approver="ops:maker"
            ),
        )
    approve(automations, batch.id, "ops:ana")
    real = wallets.wallets.wallet

    def rich(wallet_id: str):  # type: ignore[no-untyped-def]
        found = real(wallet_id)
        return found.model_copy(update={"available": 10**6}) if wallet_id == source.id else found

    monkeypatch.setattr(wallets.wallets, "wallet", rich)
    worker.run_until_idle()
    monkeypatch.undo()
    assert automations.payment_batches.batch(PLATFORM, batch.id).status == "waiting_funds"
    rows = automations.payment_batches.lines(PLATFORM, batch.id).data
    assert [line.status for line in rows] == ["paid", "pending", "pending"]
    fund(wallets, source.id, 700)
    clock.advance(seconds=automations.payment_batches.settings.payroll_funds_recheck_seconds + 1)
    worker.run_until_idle()
    assert automations.payment_batches.batch(PLATFORM, batch.id).status == "completed"
    assert [wallets.wallets.wallet(w).balance for w in payees] == [400, 400, 400]
    assert wallets.wallets.wallet(source.id).balance == 0


def test_another_platforms_batch_is_paid_with_its_wallets(
    wallets: WalletPlatform, automations: AutomationsPlatform, worker: Worker
) -> None:
    from coffer.platforms.service import create_platform
    from coffer.wallets import open_wallets

    other_id = create_platform(wallets.coffer.engine, "payroll-other").id
    other = open_wallets(wallets.coffer, wallets.settings, platform_id=other_id)
    source = new_wallet(other, "Other Payroll", 5000)
    payees = payee_wallets(other, 2)
    body = batch_body(source.id, [{"wallet_id": w, "amount": 1000} for w in payees])
    request = S.BatchCreate.model_validate(body)
    # the default platform does not know these wallets
    report = automations.payment_batches.validate(PLATFORM, request).report
    assert [e.code for e in report.errors] == ["unknown_wallet"]
    batch = automations.payment_batches.create(other_id, request, maker="ops:maker")
    assert isinstance(batch, S.Batch)
    automations.payment_batches.approve(
        other_id, batch.id, S.Decision(approver="ops:ana"), caller="c", approve=True
    )
    worker.run_until_idle()
    assert automations.payment_batches.batch(other_id, batch.id).status == "completed"
    assert [other.wallets.wallet(w).balance for w in payees] == [1000, 1000]
    with pytest.raises(PaymentBatchNotFound):
        automations.payment_batches.batch(PLATFORM, batch.id)
