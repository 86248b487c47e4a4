"""The worker publishes the assistant's alerts of every customer on its own (both
backends), each alert once, on the schedule of ``assistant_alerts_interval_seconds``."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from coffer.assistant.tasks import AlertsTask
from coffer.settings import Settings
from coffer.wallets import WalletPlatform
from coffer.wallets import schemas as W
from coffer.wallets.webhooks import Worker

from .test_service import customer_with_wallet, fund


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def alert_events(platform: WalletPlatform) -> list[str]:
    return [e.type for e in platform.webhooks.events(limit=100).data
            if e.type.startswith("assistant.alert.")]  # fmt: skip


def test_the_worker_publishes_alerts_once(platform: WalletPlatform) -> None:
    ann, ann_wallet = customer_with_wallet(platform, "Ann")
    bo, bo_wallet = customer_with_wallet(platform, "Bo")
    _, shop_wallet = customer_with_wallet(platform, "Shop")
    for wallet in (ann_wallet, bo_wallet):
        fund(platform, wallet, 100000)
    for wallet in (ann_wallet, ann_wallet, bo_wallet):  # Ann is charged twice: a duplicate
        platform.wallets.transfer(W.TransferCreate(
            debited_wallet_id=wallet, credited_wallet_id=shop_wallet, amount=4999,
            currency="EUR", metadata={"merchant": "Shop", "category": "shopping"},
        ))  # fmt: skip
    clock = Clock()
    today = datetime.now(UTC).date()
    task = AlertsTask(Settings(assistant_alerts_interval_seconds=600), today=lambda: today,
                      clock=clock)  # fmt: skip
    with httpx.Client() as client:  # no endpoint: nothing is sent anywhere
        worker = Worker(platform, client=client, tasks=[task])
        worker.run_once()  # a starting worker waits a minute before the first round
        assert alert_events(platform) == []
        clock.now += 60
        worker._last_housekeeping = 0.0
        worker.run_once()
        events = alert_events(platform)
        assert events == ["assistant.alert.duplicate_charge"]
        (event,) = [e for e in platform.webhooks.events(limit=100).data if e.type in events]
        assert event.data["object"]["customer_id"] == ann and event.data["object"]["amount"] == 4999
        # before the interval: the task does not run; after it: nothing new to publish
        worker._last_housekeeping = 0.0
        worker.run_once()
        clock.now += 600
        assert task(platform) == 0
        # a new duplicate for Bo is published on the next round, the old one is not again
        platform.wallets.transfer(W.TransferCreate(
            debited_wallet_id=bo_wallet, credited_wallet_id=shop_wallet, amount=4999,
            currency="EUR", metadata={"merchant": "Shop", "category": "shopping"},
        ))  # fmt: skip
        clock.now += 600
        worker._last_housekeeping = 0.0
        worker.run_once()
    assert alert_events(platform) == ["assistant.alert.duplicate_charge"] * 2
    assert bo in {e.data["object"]["customer_id"] for e in platform.webhooks.events(limit=100).data
                  if e.type == "assistant.alert.duplicate_charge"}  # fmt: skip


def test_a_zero_interval_turns_the_task_off(platform: WalletPlatform) -> None:
    task = AlertsTask(Settings(assistant_alerts_interval_seconds=0))
    assert not task.due(platform.platform_id) and task(platform) == 0
