"""Online decisions: each rule action and mode, block and allow lists, the error shape of a
block, review holds (approve posts, decline voids, the deadline policy), events emitted."""

from __future__ import annotations

import json

import pytest
from tests.risk.online.conftest import World

from coffer.errors import RiskBlocked
from coffer.expressions import ExpressionInvalid
from coffer.risk.online import RiskService
from coffer.wallets import repository as WR
from coffer.wallets.schemas import EVENT_TYPES

ADMIN = "analyst@example.org"


def events(world: World, prefix: str) -> list[dict]:
    rows = world.platform.core.outbox_after(None, (prefix,), 1000)
    return [json.loads(row["data"])["object"] for row in rows]


def test_an_allowed_transfer_moves_money_and_stores_its_decision(
    world: World, risk: RiskService
) -> None:
    transfer = world.transfer(1_000, device_id="dev1", ip_country="FR")
    assert transfer.status == "succeeded"
    assert world.balance(world.bob_wallet.id) == 1_000
    decisions, _ = risk.decisions("plat_default", movement_id=transfer.id)
    assert len(decisions) == 1
    decision = decisions[0]
    assert decision["outcome"] == "allow"
    assert 0.0 <= decision["score"] <= 1.0
    assert decision["movement_type"] == "transfer"
    emitted = events(world, "risk.decision.created")
    assert [e["id"] for e in emitted] == [decision["id"]]
    assert emitted[0]["outcome"] == "allow"


def test_a_block_rule_refuses_with_a_typed_error_that_leaks_nothing(
    world: World, risk: RiskService
) -> None:
    risk.save_rule(
        "plat_default", name="big", expression="tx.amount > 100000", action="block", actor=ADMIN
    )
    with pytest.raises(RiskBlocked) as caught:
        world.transfer(200_000)
    error = caught.value
    assert error.code == "risk_blocked" and error.status == 402
    body = json.dumps(error.to_dict())
    assert "big" not in body and "score" not in body and "rule" not in body
    assert world.balance(world.bob_wallet.id) == 0
    assert world.balance(world.alice_wallet.id) == 500_000
    decisions, _ = risk.decisions("plat_default", outcome="block")
    assert len(decisions) == 1
    assert decisions[0]["rules"][0]["rule"] == "big"
    assert "rule_big" in decisions[0]["reasons"]
    assert world.transfer(1_000).status == "succeeded"  # smaller ones still pass


def test_monitor_mode_records_without_enforcing(world: World, risk: RiskService) -> None:
    risk.save_rule(
        "plat_default",
        name="watch",
        expression="tx.amount > 100",
        action="block",
        mode="monitor",
        actor=ADMIN,
    )
    transfer = world.transfer(1_000)
    assert transfer.status == "succeeded"
    decision = risk.decisions("plat_default", movement_id=transfer.id)[0][0]
    assert decision["outcome"] == "allow"
    assert decision["rules"] == [
        {"rule": "watch", "version": 1, "action": "block", "mode": "monitor"}
    ]


def test_rules_are_versioned_and_checked_at_save_time(risk: RiskService) -> None:
    first = risk.save_rule(
        "plat_default", name="r", expression="tx.amount > 10", action="review", actor=ADMIN
    )
    second = risk.save_rule(
        "plat_default", name="r", expression="tx.amount > 20", action="review", actor=ADMIN
    )
    assert (first["version"], second["version"]) == (1, 2)
    assert [r["version"] for r in risk.rule_versions("plat_default", "r")] == [2, 1]
    assert [r["expression"] for r in risk.rules("plat_default")] == ["tx.amount > 20"]
    with pytest.raises(ExpressionInvalid):
        risk.save_rule(
            "plat_default", name="bad", expression="tx.amount >", action="block", actor=ADMIN
        )
    with pytest.raises(ExpressionInvalid):
        risk.save_rule(
            "plat_default", name="bad", expression="wallet.x == 1", action="block", actor=ADMIN
        )
    assert risk.rules("other_platform") == []  # per platform


def test_an_allow_rule_overrides_a_review_rule(world: World, risk: RiskService) -> None:
    risk.save_rule("plat_default", name="all", expression="true", action="review", actor=ADMIN)
    risk.save_rule(
        "plat_default",
        name="trusted",
        expression="tx.device_id == 'office'",
        action="allow",
        actor=ADMIN,
    )
    assert world.transfer(1_000, device_id="office").status == "succeeded"
    assert world.transfer(1_000, device_id="phone").status == "in_review"


def test_rules_see_features_and_score(world: World, risk: RiskService) -> None:
    risk.save_rule(
        "plat_default",
        name="velocity",
        expression="features.customer_count_1h >= 2.0 && score >= 0.0",
        action="block",
        actor=ADMIN,
    )
    world.transfer(100)
    world.transfer(100)
    with pytest.raises(RiskBlocked):
        world.transfer(100)


@pytest.mark.parametrize(
    ("kind", "value", "metadata"),
    [
        ("device", "dev-bad", {"device_id": "dev-bad"}),
        ("country", "kp", {"ip_country": "KP"}),
        ("customer", None, {}),
    ],
)
def test_block_lists(
    world: World, risk: RiskService, kind: str, value: str | None, metadata: dict[str, str]
) -> None:
    risk.add_list_entry(
        "plat_default",
        list_name="block",
        kind=kind,
        value=value or world.alice.id,
        reason="test",
        actor=ADMIN,
    )
    with pytest.raises(RiskBlocked):
        world.transfer(1_000, **metadata)
    decision = risk.decisions("plat_default", outcome="block")[0][0]
    assert decision["reasons"][0] == f"block_list_{kind}"


def test_allow_list_overrides_rules_and_entries_are_removable(
    world: World, risk: RiskService
) -> None:
    risk.save_rule("plat_default", name="all", expression="true", action="block", actor=ADMIN)
    with pytest.raises(RiskBlocked):
        world.transfer(1_000, device_id="d9")
    entry = risk.add_list_entry(
        "plat_default", list_name="allow", kind="device", value="d9", reason=None, actor=ADMIN
    )
    # a block rule still wins over the allow list
    with pytest.raises(RiskBlocked):
        world.transfer(1_000, device_id="d9")
    risk.save_rule("plat_default", name="all", expression="false", action="block", actor=ADMIN)
    risk.save_rule("plat_default", name="rev", expression="true", action="review", actor=ADMIN)
    assert world.transfer(1_000, device_id="d9").status == "succeeded"
    risk.remove_list_entry("plat_default", entry["id"], actor=ADMIN)
    assert world.transfer(1_000, device_id="d9").status == "in_review"


def test_list_values_are_normalized_and_personal_data_hashed(risk: RiskService) -> None:
    entry = risk.add_list_entry(
        "plat_default",
        list_name="block",
        kind="iban",
        value="fr76 3000 6000 0112 3456 7890 189",
        reason=None,
        actor=ADMIN,
    )
    assert entry["hashed"] and "3000" not in entry["value"]
    same = risk.add_list_entry(
        "plat_default",
        list_name="block",
        kind="iban",
        value="FR7630006000011234567890189",
        reason=None,
        actor=ADMIN,
    )
    assert same["id"] == entry["id"]
    email = risk.add_list_entry(
        "plat_default", list_name="block", kind="email", value="X@Y.org", reason=None, actor=ADMIN
    )
    assert email["hashed"]
    card = risk.add_list_entry(
        "plat_default", list_name="block", kind="card", value="fp123", reason=None, actor=ADMIN
    )
    assert card["value"] == "fp123"
    with pytest.raises(Exception, match="list kind"):
        risk.add_list_entry(
            "plat_default", list_name="block", kind="phone", value="1", reason=None, actor=ADMIN
        )


def review_case(risk: RiskService, movement_id: str) -> dict:
    cases, _ = risk.cases("plat_default", kind="review")
    found = [c for c in cases if c["movement_id"] == movement_id]
    assert len(found) == 1
    return found[0]


def test_review_holds_the_money_and_approve_posts_it(world: World, risk: RiskService) -> None:
    risk.save_rule("plat_default", name="rev", expression="true", action="review", actor=ADMIN)
    transfer = world.transfer(10_000)
    assert transfer.status == "in_review"
    assert world.balance(world.bob_wallet.id) == 0
    alice = world.platform.wallets.wallet(world.alice_wallet.id)
    assert alice.balance == 500_000  # reserved, not gone
    case = review_case(risk, transfer.id)
    assert case["status"] == "open" and case["decision_id"]
    decided = risk.decide(
        "plat_default", case["id"], decision="approve", reason="known customer", actor=ADMIN
    )
    assert decided["status"] == "closed" and decided["decision"] == "approve"
    assert world.platform.wallets.transfer_by_id(transfer.id).status == "succeeded"
    assert world.balance(world.bob_wallet.id) == 10_000
    assert risk.decision("plat_default", case["decision_id"])["review_status"] == "approved"
    with pytest.raises(Exception, match="closed"):
        risk.decide("plat_default", case["id"], decision="decline", reason="x", actor=ADMIN)
    types = [
        row["type"] for row in world.platform.core.outbox_after(None, ("risk.", "transfer."), 100)
    ]
    assert "transfer.in_review" in types and "transfer.succeeded" in types
    assert "risk.case.decided" in types and "risk.review.approved" in types
    assert set(types) <= set(EVENT_TYPES)  # every type emitted is listed (docs/wallets.md)


def test_decline_voids_the_hold(world: World, risk: RiskService) -> None:
    risk.save_rule("plat_default", name="rev", expression="true", action="review", actor=ADMIN)
    transfer = world.transfer(10_000)
    case = review_case(risk, transfer.id)
    risk.decide("plat_default", case["id"], decision="decline", reason="mule", actor=ADMIN)
    fresh = world.platform.wallets.transfer_by_id(transfer.id)
    assert fresh.status == "failed" and fresh.failure_code == "risk_declined"
    assert world.balance(world.bob_wallet.id) == 0
    assert world.balance(world.alice_wallet.id) == 500_000
    # the money is available again
    assert world.transfer(500_000).status == "in_review"


@pytest.mark.parametrize("policy", ["decline", "approve"])
def test_a_review_past_its_deadline_follows_the_policy(
    world: World, risk: RiskService, policy: str
) -> None:
    risk.settings = risk.settings.model_copy(update={"risk_review_expiry_policy": policy})
    risk.save_rule("plat_default", name="rev", expression="true", action="review", actor=ADMIN)
    transfer = world.transfer(10_000)
    case = review_case(risk, transfer.id)
    assert risk.expire_reviews() == 0  # not yet due
    with risk.engine.begin() as connection:  # the deadline passes
        from coffer.risk.online import tables as T

        connection.execute(T.cases.update().values(due_at=1))
    assert risk.expire_reviews() == 1
    closed = risk.case("plat_default", case["id"])
    assert closed["status"] == "closed" and closed["decided_by"] == "system"
    status = world.platform.wallets.transfer_by_id(transfer.id).status
    assert status == ("succeeded" if policy == "approve" else "failed")
    assert world.balance(world.bob_wallet.id) == (10_000 if policy == "approve" else 0)


def test_cases_of_another_platform_are_not_found(world: World, risk: RiskService) -> None:
    risk.save_rule("plat_default", name="rev", expression="true", action="review", actor=ADMIN)
    transfer = world.transfer(10_000)
    case = review_case(risk, transfer.id)
    with pytest.raises(Exception, match="does not exist"):
        risk.case("plat_other", case["id"])
    assert risk.decisions("plat_other")[0] == []


def test_checks_off_moves_money_without_decisions(world: World, risk: RiskService) -> None:
    world.platform.core.checks.unregister("risk")
    risk.save_rule("plat_default", name="all", expression="true", action="block", actor=ADMIN)
    assert world.transfer(1_000).status == "succeeded"
    assert risk.decisions("plat_default")[0] == []


def test_reviews_are_recorded_by_the_wallets(world: World, risk: RiskService) -> None:
    risk.save_rule("plat_default", name="rev", expression="true", action="review", actor=ADMIN)
    transfer = world.transfer(10_000)
    with world.platform.core.unit() as connection:
        review = WR.review_row(connection, "transfer", transfer.id)
    assert review is not None and review["status"] == "open" and review["hold_id"] is not None
