"""Tenancy of automations: a platform's automation reads and moves only its own platform's
wallets and ledgers; another platform's wallet or ledger is as if it did not exist."""

from __future__ import annotations

import sqlalchemy as sa
from tests.automations.conftest import PII_KEY, PLATFORM, Clock, new_wallet
from tests.automations.test_runs import transfer_definition

import coffer
from coffer.automations import AutomationsPlatform, Worker
from coffer.automations import schemas as S
from coffer.platforms.service import create_platform
from coffer.wallets import WalletPlatform, WalletSettings, open_wallets
from coffer.wallets import tables as WT

BOOK = """vars { monetary $amount }
send $amount (
  source = @world
  destination = @loot
)"""


def _run(
    automations: AutomationsPlatform, worker: Worker, platform: str, definition: dict
) -> S.Run:
    automation = automations.create(platform, S.AutomationCreate(name="x", definition=definition))
    run = automations.start_run(platform, automation.id, {"amount": 700})
    worker.run_until_idle()
    return automations.run(platform, run.id)


def test_an_automation_moves_only_its_own_platforms_money(
    automations: AutomationsPlatform,
    worker: Worker,
    wallets: WalletPlatform,
    coffer_db: coffer.Coffer,
) -> None:
    alpha = create_platform(coffer_db.engine, "alpha").id
    alpha_wallets = open_wallets(
        coffer_db, WalletSettings(pii_key=PII_KEY, pii_key_id="test1"), platform_id=alpha
    )
    victim = new_wallet(wallets, "Vera Default", 10_000)
    other = new_wallet(wallets, "Olga Default")

    stolen = _run(automations, worker, alpha, transfer_definition(victim.id, other.id))
    assert stolen.status == "failed" and "does not exist" in str(stolen.error)
    assert wallets.wallets.wallet(victim.id).balance == 10_000
    assert wallets.wallets.wallet(other.id).balance == 0

    source = new_wallet(alpha_wallets, "Ada Alpha", 5_000)
    target = new_wallet(alpha_wallets, "Bob Alpha")
    own = _run(automations, worker, alpha, transfer_definition(source.id, target.id))
    assert own.status == "succeeded", own.error
    assert alpha_wallets.wallets.wallet(target.id).balance == 700

    # a customer's automation of alpha: its owner is alpha's customer
    owned = automations.create(
        alpha,
        S.AutomationCreate(
            name="Ada's",
            owner_customer_id=source.customer_id,
            definition=transfer_definition(source.id, target.id),
        ),
    )
    assert owned.owner_customer_id == source.customer_id


def test_a_numscript_step_writes_only_its_own_platforms_ledgers(
    automations: AutomationsPlatform, worker: Worker, coffer_db: coffer.Coffer
) -> None:
    alpha = create_platform(coffer_db.engine, "alpha").id
    book = coffer_db.ledger("default-book", platform_id=PLATFORM)
    book.run(BOOK, {"amount": "EUR/2 1"})
    definition = {
        "trigger": {"type": "manual"},
        "steps": [
            {
                "id": "book",
                "type": "numscript",
                "ledger": "default-book",
                "script": BOOK,
                "vars": {"amount": "EUR/2 5"},
            }
        ],
    }
    refused = _run(automations, worker, alpha, definition)
    assert refused.status == "failed" and "not a ledger of this platform" in str(refused.error)
    assert book.balance("loot", "EUR/2") == 1

    definition["steps"][0]["ledger"] = "alpha-book"
    done = _run(automations, worker, alpha, definition)
    assert done.status == "succeeded", done.error
    assert coffer_db.ledger_owner("alpha-book") == (alpha, False)


def test_events_stay_on_their_platform(
    automations: AutomationsPlatform, worker: Worker, coffer_db: coffer.Coffer, clock: Clock
) -> None:
    """A platform's event is in its own outbox (its webhooks) and starts only its own
    platform's automations, even when its data names no platform."""
    alpha = create_platform(coffer_db.engine, "alpha").id
    definition = {
        "trigger": {"type": "event", "event_type": "order.delivered"},
        "steps": [{"id": "ok", "type": "approval", "message": "seen"}],
    }
    listeners = {
        platform: automations.create(
            platform, S.AutomationCreate(name="on delivery", definition=definition)
        )
        for platform in (PLATFORM, alpha)
    }
    clock.advance(seconds=1)
    published = automations.publish_event(
        alpha, S.EventCreate(type="order.delivered", data={"order_id": "ord_1"})
    )
    worker.run_until_idle()
    with coffer_db.engine.connect() as connection:
        owner = connection.execute(
            sa.select(WT.events.c.platform_id).where(WT.events.c.id == published.id)
        ).scalar()
    assert owner == alpha
    assert len(automations.runs(alpha, automation_id=listeners[alpha].id).data) == 1
    assert automations.runs(PLATFORM, automation_id=listeners[PLATFORM].id).data == []
    approvals = automations.approvals(alpha).data
    assert len(approvals) == 1
    with coffer_db.engine.connect() as connection:  # its approval event: alpha's too
        kinds = connection.execute(
            sa.select(WT.events.c.platform_id).where(
                WT.events.c.type == "automation.approval_requested"
            )
        ).scalars()
        assert set(kinds) == {alpha}


def test_events_nobody_listens_to_are_skipped_unread(
    automations: AutomationsPlatform, worker: Worker, coffer_db: coffer.Coffer, clock: Clock
) -> None:
    """With no event-triggered automation and no waiting run, the cursor moves to the newest
    event; an automation created afterwards starts runs for the events after it."""
    from coffer.automations import repository as AR
    from coffer.automations.tasks import EVENT_CURSOR

    early = automations.publish_event(
        PLATFORM, S.EventCreate(type="order.delivered", data={"order_id": "ord_0"})
    )
    worker.run_until_idle()
    with coffer_db.engine.connect() as connection:
        assert AR.cursor_position(connection, EVENT_CURSOR) >= early.id
    definition = {
        "trigger": {"type": "event", "event_type": "order.delivered"},
        "steps": [{"id": "ok", "type": "approval", "message": "seen"}],
    }
    listener = automations.create(
        PLATFORM, S.AutomationCreate(name="on delivery", definition=definition)
    )
    clock.advance(seconds=1)
    automations.publish_event(
        PLATFORM, S.EventCreate(type="order.delivered", data={"order_id": "ord_1"})
    )
    worker.run_until_idle()
    runs = automations.runs(PLATFORM, automation_id=listener.id).data
    assert len(runs) == 1
