"""Screening at onboarding and before payouts, whitelisting, re-screening on a list update,
AML alerts from the worker, the case flow (queue, assignment, notes, decision, export, audit
log), reviews of payouts, payments and pay-ins, and the state surviving a restart."""

from __future__ import annotations

import pytest
from tests.risk.online.conftest import World
from tests.risk.sanctions.conftest import SAMPLES
from tests.wallets.helpers import fund, make_customer

from coffer.identity.audit import service as audit
from coffer.risk.online import RiskService, open_risk
from coffer.risk.online.tasks import RiskTasks
from coffer.risk.sanctions import load_list
from coffer.wallets import schemas as S

ADMIN = "analyst@example.org"
P = "plat_default"


def fresh_lists(risk: RiskService) -> None:
    risk.screener._checked_at = float("-inf")  # see a list loaded a moment ago now


def test_customers_are_screened_at_onboarding(world: World, risk: RiskService) -> None:
    load_list(risk.engine, str(SAMPLES / "un.xml"))
    fresh_lists(risk)
    tasks = RiskTasks(risk)
    listed = world.platform.wallets.create_customer(
        S.CustomerCreate(kind="natural", name="Won-ho Ri", birth_date="1964-07-17")
    )
    tasks.run_once()
    hits, _ = risk.screening_hits(P, subject_id=listed.id)
    assert [(h["list"], h["entry_id"]) for h in hits] == [("UN", "6908555")]
    assert hits[0]["case_id"] is not None
    case = risk.case(P, hits[0]["case_id"])
    assert case["kind"] == "sanctions" and case["customer_ids"] == [listed.id]
    # the innocent customers of the world have no hit
    assert risk.screening_hits(P, subject_id=world.alice.id)[0] == []
    # screening again opens nothing new while the hit is open
    assert risk.screen_customer(P, listed.id) == []


def test_a_whitelisted_false_positive_never_matches_again(world: World, risk: RiskService) -> None:
    load_list(risk.engine, str(SAMPLES / "un.xml"))
    fresh_lists(risk)
    listed = world.platform.wallets.create_customer(
        S.CustomerCreate(kind="natural", name="Won Ho Ri")
    )
    [hit] = risk.screen_customer(P, listed.id)
    done = risk.whitelist_hit(P, hit["id"], reason="another person, checked ID", actor=ADMIN)
    assert done["status"] == "whitelisted"
    assert risk.screen_customer(P, listed.id) == []
    [entry] = risk.whitelist(P, listed.id)
    assert (entry["list"], entry["entry_id"]) == ("UN", "6908555")
    # whitelisting is per entity: another customer of the same name still matches
    other = world.platform.wallets.create_customer(
        S.CustomerCreate(kind="natural", name="Won Ho Ri")
    )
    assert len(risk.screen_customer(P, other.id)) == 1
    actions = [e.action for e in audit.list_entries(risk.engine, action="risk_screening.*")]
    assert actions == ["risk_screening.whitelisted"]


def test_every_customer_is_screened_again_when_a_list_changes(
    world: World, risk: RiskService
) -> None:
    tasks = RiskTasks(risk)
    listed = world.platform.wallets.create_customer(
        S.CustomerCreate(kind="natural", name="Chang Chang Ha")
    )
    tasks.run_once()  # onboarding: no list loaded yet, a clean record
    assert risk.screening_hits(P, subject_id=listed.id)[0] == []
    load_list(risk.engine, str(SAMPLES / "un.xml"))
    fresh_lists(risk)
    tasks.run_once()
    hits, _ = risk.screening_hits(P, subject_id=listed.id)
    assert [(h["list"], h["entry_id"]) for h in hits] == [("UN", "6908570")]


def payout_world(world: World) -> tuple[S.BankAccount, S.BankAccount]:
    platform = world.platform
    good = platform.payouts.add_bank_account(
        S.BankAccountCreate(
            customer_id=world.alice.id,
            holder_name="Alice Martin",
            iban="FR7630006000011234567890189",
        )
    )
    listed = platform.payouts.add_bank_account(
        S.BankAccountCreate(
            customer_id=world.alice.id, holder_name="RI WON HO", iban="DE89370400440532013000"
        )
    )
    return good, listed


def payout(world: World, account: S.BankAccount, amount: int = 10_000) -> S.Payout:
    return world.platform.payouts.create_payout(
        S.PayoutCreate(
            wallet_id=world.alice_wallet.id,
            bank_account_id=account.id,
            amount=amount,
            currency="EUR",
        )
    )


def test_payout_beneficiaries_are_screened_before_each_payout(
    world: World, risk: RiskService
) -> None:
    load_list(risk.engine, str(SAMPLES / "un.xml"))
    fresh_lists(risk)
    good, listed = payout_world(world)
    assert payout(world, good).status == "created"
    held = payout(world, listed)
    assert held.status == "in_review"
    decision = risk.decisions(P, movement_id=held.id)[0][0]
    assert decision["outcome"] == "review" and "sanctions_match" in decision["reasons"]
    [case] = [c for c in risk.cases(P, kind="review")[0] if c["movement_id"] == held.id]
    hits, _ = risk.screening_hits(P)
    assert [(h["subject_type"], h["entry_id"], h["case_id"]) for h in hits] == [
        ("beneficiary", "6908555", case["id"])
    ]
    # the export of a batch leaves it out until approved
    batch = world.platform.payouts.export_batch()
    assert batch is not None and held.id not in batch.payout_ids
    risk.decide(P, case["id"], decision="approve", reason="checked", actor=ADMIN)
    assert world.platform.payouts.payout(held.id).status == "created"
    # whitelisted for that beneficiary and entry: the next payout goes straight through
    risk.whitelist_hit(P, hits[0]["id"], reason="not the listed person", actor=ADMIN)
    assert payout(world, listed).status == "created"


def test_a_declined_payout_gives_the_money_back(world: World, risk: RiskService) -> None:
    risk.save_rule(
        P, name="payouts", expression="tx.kind == 'payout'", action="review", actor=ADMIN
    )
    good, _ = payout_world(world)
    held = payout(world, good, 100_000)
    assert held.status == "in_review"
    assert world.platform.wallets.wallet(world.alice_wallet.id).balance == 500_000
    [case] = risk.cases(P, kind="review")[0]
    risk.decide(P, case["id"], decision="decline", reason="fraud", actor=ADMIN)
    failed = world.platform.payouts.payout(held.id)
    assert failed.status == "failed" and failed.failure_code == "risk_declined"
    assert payout(world, good, 500_000).status == "in_review"  # all of it is available


def test_blocked_payout_answers_risk_blocked_and_replays_it(
    world: World, risk: RiskService
) -> None:
    from coffer.errors import RiskBlocked

    risk.save_rule(P, name="no", expression="tx.kind == 'payout'", action="block", actor=ADMIN)
    good, _ = payout_world(world)
    request = S.PayoutCreate(
        wallet_id=world.alice_wallet.id, bank_account_id=good.id, amount=1_000, currency="EUR"
    )
    with pytest.raises(RiskBlocked):
        world.platform.payouts.create_payout(request, idempotency_key="k1")
    with pytest.raises(RiskBlocked):
        world.platform.payouts.create_payout(request, idempotency_key="k1")
    assert world.platform.wallets.wallet(world.alice_wallet.id).balance == 500_000


def test_payment_review_then_approve_authorizes(world: World, risk: RiskService) -> None:
    risk.save_rule(P, name="pay", expression="tx.kind == 'payment'", action="review", actor=ADMIN)
    payment = world.platform.wallets.create_payment(
        S.PaymentCreate(
            buyer_wallet_id=world.alice_wallet.id,
            seller_wallet_id=world.bob_wallet.id,
            amount=5_000,
            currency="EUR",
        )
    )
    assert payment.status == "in_review"
    [case] = risk.cases(P, kind="review")[0]
    assert case["movement_type"] == "payment"
    risk.decide(P, case["id"], decision="approve", reason="ok", actor=ADMIN)
    assert world.platform.wallets.payment(payment.id).status == "authorized"
    captured = world.platform.wallets.capture_payment(payment.id)
    assert captured.status == "captured"
    assert world.balance(world.bob_wallet.id) == 5_000


@pytest.mark.parametrize("approve", [True, False])
def test_bank_payin_review(world: World, risk: RiskService, approve: bool) -> None:
    risk.save_rule(
        P,
        name="in",
        expression="tx.kind == 'payin_bank' && tx.amount > 1000",
        action="review",
        actor=ADMIN,
    )
    reference = world.platform.wallets.wallet(world.bob_wallet.id).bank_reference
    assert reference is not None
    payin = world.platform.payins.bank_transfer(
        S.BankTransferSimulate(reference=reference, amount=70_000, currency="EUR")
    )
    assert payin.status == "in_review"
    assert world.balance(world.bob_wallet.id) == 0
    [case] = risk.cases(P, kind="review")[0]
    risk.decide(
        P, case["id"], decision="approve" if approve else "decline", reason="r", actor=ADMIN
    )
    fresh = world.platform.payins.payin(payin.id)
    assert fresh.status == ("succeeded" if approve else "canceled")
    assert world.balance(world.bob_wallet.id) == (70_000 if approve else 0)


def test_card_payin_block_refuses_before_the_card_is_charged(
    world: World, risk: RiskService
) -> None:
    from coffer.errors import RiskBlocked

    risk.add_list_entry(P, list_name="block", kind="country", value="NG", reason=None, actor=ADMIN)
    with pytest.raises(RiskBlocked):
        world.platform.payins.create_card_payin(
            S.CardPayinCreate(
                wallet_id=world.bob_wallet.id,
                amount=2_000,
                currency="EUR",
                card=S.Card(number="4242424242424242", exp_month=12, exp_year=2030, cvc="123"),
                metadata={"ip_country": "NG"},
            )
        )
    assert world.balance(world.bob_wallet.id) == 0
    decision = risk.decisions(P, outcome="block")[0][0]
    assert decision["movement_type"] == "payin_card"


def test_aml_alerts_become_cases_and_the_case_flow(world: World, risk: RiskService) -> None:
    platform = world.platform
    tasks = RiskTasks(risk)
    mule = make_customer(platform, "Moe Lee")
    mule_wallet = platform.wallets.create_wallet(
        S.WalletCreate(customer_id=mule.id, currency="EUR")
    )
    senders = []
    for index in range(4):
        sender = make_customer(platform, f"Sender{index} Smith")
        wallet = platform.wallets.create_wallet(
            S.WalletCreate(customer_id=sender.id, currency="EUR")
        )
        fund(platform, wallet.id, 200_000)
        senders.append(wallet)
    tasks.run_once()  # onboarding
    for wallet in senders:
        platform.wallets.transfer(
            S.TransferCreate(
                debited_wallet_id=wallet.id,
                credited_wallet_id=mule_wallet.id,
                amount=100_000,
                currency="EUR",
            )
        )
    platform.wallets.transfer(
        S.TransferCreate(
            debited_wallet_id=mule_wallet.id,
            credited_wallet_id=world.bob_wallet.id,
            amount=380_000,
            currency="EUR",
        )
    )
    tasks.run_once()
    alerts, _ = risk.cases(P, kind="aml_alert")
    assert alerts, "the pass-through of four senders' money raised no alert"
    typologies = {case["typology"] for case in alerts}
    assert typologies & {"mule", "fan_in", "rapid_movement"}
    case = next(c for c in alerts if mule.id in c["customer_ids"])
    queue, _ = risk.cases(P, status="open")
    assert case["id"] in [c["id"] for c in queue]
    assert risk.assign(P, case["id"], assignee="ana", actor=ADMIN)["status"] == "in_progress"
    assert [c["id"] for c in risk.cases(P, assignee="ana")[0]] == [case["id"]]
    risk.add_note(P, case["id"], body="called the customer", actor="ana")
    risk.add_note(
        P, case["id"], body="bank statement", reference="s3://evidence/stmt.pdf", actor="ana"
    )
    with pytest.raises(Exception, match="decided with one of"):
        risk.decide(P, case["id"], decision="approve", reason="x", actor="ana")
    risk.decide(
        P,
        case["id"],
        decision="confirmed",
        reason="money mule",
        narrative="Four senders paid in, 95% left within the hour.",
        actor="ana",
    )
    report = risk.export_case(P, case["id"])
    assert report["typology"] == case["typology"]
    assert report["narrative"].startswith("Four senders")
    assert {c["id"] for c in report["customers"]} >= {mule.id}
    assert any(c.get("name") == "Moe Lee" for c in report["customers"])
    assert {t["id"] for t in report["transactions"]} == set(case["transaction_ids"])
    assert [n["kind"] for n in report["notes"]] == ["note", "attachment"]
    actions = [e.action for e in audit.list_entries(risk.engine, action="risk_case.*")]
    for action in (
        "risk_case.opened",
        "risk_case.assigned",
        "risk_case.noted",
        "risk_case.decided",
    ):
        assert action in actions
    types = [row["type"] for row in platform.core.outbox_after(None, ("risk.case",), 100)]
    assert "risk.case.opened" in types and "risk.case.decided" in types


def test_the_state_survives_a_restart(world: World, risk: RiskService) -> None:
    for _ in range(3):
        world.transfer(100, device_id="dd")
    before = risk.online.state.features(
        risk._transaction(
            __import__("coffer.wallets.checks", fromlist=["Movement"]).Movement(
                kind="transfer",
                id="probe",
                platform_id=P,
                wallet_id=world.alice_wallet.id,
                customer_id=world.alice.id,
                amount=100,
                currency="EUR",
                counterparty=world.bob.id,
                at=risk.online.state.now + 1,
            )
        )
    )
    world.platform.core.checks.unregister("risk")
    again = open_risk(world.platform, risk.settings)  # a new process's service
    assert again.online.state.events == risk.online.state.events
    probe = again._transaction(
        __import__("coffer.wallets.checks", fromlist=["Movement"]).Movement(
            kind="transfer",
            id="probe",
            platform_id=P,
            wallet_id=world.alice_wallet.id,
            customer_id=world.alice.id,
            amount=100,
            currency="EUR",
            counterparty=world.bob.id,
            at=risk.online.state.now + 1,
        )
    )
    assert again.online.state.features(probe) == before
    # from a snapshot plus the observations after it, the same
    assert risk.snapshot() is not None
    assert world.transfer(100, device_id="dd").status == "succeeded"
    assert again.online.state.events == 4
    third = open_risk(world.platform, risk.settings)
    assert third.online.state.events == 4
