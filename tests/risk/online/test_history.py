"""Every platform's outbox followed by one worker, the per-platform review-expiry policy
(approve, decline, escalate; an injected clock), screening again on a name change, and the
risk settings over HTTP."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from tests.risk.online.conftest import PII_KEY, World
from tests.risk.online.test_endpoints import ALL, api  # noqa: F401 (the fixture)
from tests.risk.sanctions.conftest import SAMPLES

import coffer
from coffer.errors import ValidationError
from coffer.platforms.service import create_platform
from coffer.risk.online import RiskService
from coffer.risk.online.tasks import RiskTasks
from coffer.risk.sanctions import load_list
from coffer.wallets import WalletPlatform, WalletSettings, open_wallets
from coffer.wallets import schemas as S
from coffer.wallets.customer_updates import CustomerUpdate, update_customer

ADMIN = "analyst@example.org"
P = "plat_default"
DAY_MICROS = 86_400 * 1_000_000


def fresh_lists(risk: RiskService) -> None:
    risk.screener._checked_at = float("-inf")  # see a list loaded a moment ago now


@pytest.fixture
def other(coffer_db: coffer.Coffer, risk: RiskService) -> WalletPlatform:
    """A second platform, its movements checked by the same service (as the app does)."""
    row = create_platform(coffer_db.engine, "other")
    platform = open_wallets(
        coffer_db, WalletSettings(pii_key=PII_KEY, pii_key_id="test1"), platform_id=row.id
    )
    risk.attach(platform)
    return platform


def test_the_worker_follows_every_platforms_outbox(
    world: World, risk: RiskService, other: WalletPlatform
) -> None:
    load_list(risk.engine, str(SAMPLES / "un.xml"))
    fresh_lists(risk)
    tasks = RiskTasks(risk)
    listed = other.wallets.create_customer(
        S.CustomerCreate(kind="natural", name="Won-ho Ri", birth_date="1964-07-17")
    )
    tasks.run_once()
    hits, _ = risk.screening_hits(other.platform_id, subject_id=listed.id)
    assert [(h["list"], h["entry_id"]) for h in hits] == [("UN", "6908555")]
    case = risk.case(other.platform_id, hits[0]["case_id"])
    assert case["kind"] == "sanctions"
    # the other platform's case and event are its own
    assert risk.screening_hits(P, subject_id=listed.id)[0] == []
    opened = [e for e in other.core.outbox_after(None, ("risk.case.opened",), 100)]
    assert [e["platform_id"] for e in opened] == [other.platform_id]
    # a platform the service never saw is opened on first use
    third = create_platform(risk.engine, "third")
    fresh = open_wallets(
        other.coffer, WalletSettings(pii_key=PII_KEY, pii_key_id="test1"), platform_id=third.id
    )
    customer = fresh.wallets.create_customer(S.CustomerCreate(kind="natural", name="Ri Won Ho"))
    tasks.run_once()
    assert risk.screening_hits(third.id, subject_id=customer.id)[0] != []
    assert risk.wallets_of(third.id).platform_id == third.id


def _review(platform: WalletPlatform, risk: RiskService) -> tuple[S.Transfer, dict]:
    risk.save_rule(
        platform.platform_id, name="rev", expression="true", action="review", actor=ADMIN
    )
    risk._forget(platform.platform_id)
    transfer = World(platform).transfer(10_000)
    assert transfer.status == "in_review"
    cases, _ = risk.cases(platform.platform_id, kind="review")
    return transfer, next(c for c in cases if c["transaction_ids"] == [transfer.id])


@pytest.mark.parametrize("policy", ["approve", "decline", "escalate"])
def test_review_expiry_follows_each_platforms_policy(
    world: World, risk: RiskService, other: WalletPlatform, policy: str
) -> None:
    assert risk.risk_settings(other.platform_id)["default"] is True
    saved = risk.set_risk_settings(other.platform_id, review_expiry_policy=policy, actor=ADMIN)
    assert saved["review_expiry_policy"] == policy and saved["default"] is False
    assert risk.review_expiry_policy(P) == "decline"  # the default platform keeps the default
    mine, mine_case = _review(world.platform, risk)
    theirs, their_case = _review(other, risk)
    now = [0]
    tasks = RiskTasks(risk, clock=lambda: now[0])
    deadline = max(mine_case["due_at"], their_case["due_at"])
    # before the deadline nothing happens
    from datetime import datetime

    due = int(datetime.fromisoformat(deadline.replace("Z", "+00:00")).timestamp() * 1_000_000)
    now[0] = due - DAY_MICROS // 2
    tasks.run_once()
    assert risk.case(other.platform_id, their_case["id"])["status"] == "open"
    now[0] = due + 1_000_000
    tasks.run_once()
    assert world.platform.wallets.transfer_by_id(mine.id).status == "failed"
    after = other.wallets.transfer_by_id(theirs.id).status
    case = risk.case(other.platform_id, their_case["id"])
    if policy == "escalate":
        assert after == "in_review" and case["status"] == "escalated"
        tasks.run_once()  # an escalated case waits for an analyst
        assert risk.case(other.platform_id, their_case["id"])["status"] == "escalated"
        risk.decide(
            other.platform_id, their_case["id"], decision="approve", reason="ok", actor=ADMIN
        )
        assert other.wallets.transfer_by_id(theirs.id).status == "succeeded"
        emitted = {row["type"] for row in other.core.outbox_after(None, ("risk.",), 100)}
        assert "risk.case.escalated" in emitted
    else:
        assert case["status"] == "closed" and case["decision"] == policy
        assert after == ("succeeded" if policy == "approve" else "failed")
        emitted = {row["type"] for row in other.core.outbox_after(None, ("risk.",), 100)}
    # every risk event is a documented event type, which webhooks can subscribe to
    assert emitted and emitted <= set(S.EVENT_TYPES)


def test_an_unknown_policy_is_refused(risk: RiskService) -> None:
    with pytest.raises(ValidationError):
        risk.set_risk_settings(P, review_expiry_policy="ignore", actor=ADMIN)


def test_a_name_change_screens_the_customer_again(world: World, risk: RiskService) -> None:
    load_list(risk.engine, str(SAMPLES / "un.xml"))
    fresh_lists(risk)
    tasks = RiskTasks(risk)
    tasks.run_once()
    assert risk.screening_hits(P, subject_id=world.alice.id)[0] == []
    changed = update_customer(
        world.platform.core,
        world.alice.id,
        CustomerUpdate(name="Won-ho Ri", birth_date="1964-07-17"),
    )
    assert changed.name == "Won-ho Ri" and changed.email == "alice@example.org"
    events = world.platform.core.outbox_after(None, ("customer.updated",), 10)
    assert len(events) == 1 and "Won-ho" not in events[0]["data"]  # no personal data
    tasks.run_once()
    hits, _ = risk.screening_hits(P, subject_id=world.alice.id)
    assert [(h["list"], h["entry_id"]) for h in hits] == [("UN", "6908555")]
    assert risk.case(P, hits[0]["case_id"])["kind"] == "sanctions"
    # the same values again change nothing and emit nothing
    update_customer(world.platform.core, world.alice.id, CustomerUpdate(name="Won-ho Ri"))
    assert len(world.platform.core.outbox_after(None, ("customer.updated",), 10)) == 1
    with pytest.raises(ValidationError):
        update_customer(world.platform.core, world.alice.id, CustomerUpdate())


def test_settings_and_customer_updates_over_http(
    api: TestClient,  # noqa: F811
    world: World,
) -> None:
    headers = {"Authorization": f"Bearer {ALL}"}
    got = api.get("/api/risk/v1/settings", headers=headers)
    assert got.status_code == 200 and got.json()["review_expiry_policy"] == "decline"
    put = api.put(
        "/api/risk/v1/settings", headers=headers, json={"review_expiry_policy": "escalate"}
    )
    assert put.status_code == 200 and put.json()["review_expiry_policy"] == "escalate"
    bad = api.put("/api/risk/v1/settings", headers=headers, json={"review_expiry_policy": "x"})
    assert bad.status_code in (400, 422)
    other = api.get("/api/risk/v1/settings", headers={**headers, "x-platform": "plat_other"})
    assert other.json()["review_expiry_policy"] == "decline"
    patched = api.patch(
        f"/api/wallets/v1/customers/{world.alice.id}", headers=headers, json={"name": "Alicia"}
    )
    assert patched.status_code == 200 and patched.json()["name"] == "Alicia"
    missing = api.patch(
        f"/api/wallets/v1/customers/{world.alice.id}",
        headers={**headers, "x-platform": "plat_other"},
        json={"name": "Alicia"},
    )
    assert missing.status_code == 404
