"""Crashes and concurrency, with real worker processes: SIGKILL in the middle of runs that
wait, then every run completes exactly once; two workers at once never run an occurrence
or a step twice. Ledger and domain rows agree and ``coffer verify`` passes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tests.automations.conftest import PLATFORM, new_wallet

import coffer
from coffer.automations import AutomationsPlatform
from coffer.automations import schemas as S
from coffer.wallets import WalletPlatform

ROOT = Path(__file__).resolve().parents[2]
RUNS = 24


def spawn(
    url: str, seconds: float, tmp_path: Path, extra_env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    env = dict(os.environ)
    env["COFFER_SIGNING_KEY_FILE"] = str(Path(tmp_path) / "signing.key")
    env.update(extra_env or {})
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.automations.worker_process", url, str(seconds)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "ready"
    return process


def wait_until_finished(
    automations: AutomationsPlatform, automation_id: str, seconds: float
) -> list[S.Run]:
    deadline = time.monotonic() + seconds
    while True:
        runs = automations.runs(PLATFORM, automation_id=automation_id, limit=100).data
        if all(r.status in ("succeeded", "failed") for r in runs) or time.monotonic() > deadline:
            return runs
        time.sleep(0.2)


def two_transfers_with_a_wait(source: str, target: str) -> dict:
    return {
        "trigger": {"type": "manual"},
        "steps": [
            {
                "id": "first",
                "type": "transfer",
                "debited_wallet_id": source,
                "credited_wallet_id": target,
                "amount": 1,
                "currency": "EUR",
            },
            {"id": "pause", "type": "delay", "seconds": 1},
            {
                "id": "each",
                "type": "loop",
                "over": [10, 100],
                "steps": [
                    {
                        "id": "part",
                        "type": "transfer",
                        "debited_wallet_id": source,
                        "credited_wallet_id": target,
                        "amount": "=item",
                        "currency": "EUR",
                    }
                ],
            },
        ],
    }


def transfers_per_run(wallets: WalletPlatform, wallet_id: str) -> dict[str, int]:
    """The wallets' transfer rows into ``wallet_id``, counted by the run that made them."""
    from coffer.wallets import schemas as W

    counts: dict[str, int] = {}
    after = None
    while True:
        page = wallets.wallets.transfers(
            W.ListQuery(wallet_id=wallet_id, limit=100, starting_after=after)
        )
        for transfer in page.data:
            run_id = transfer.metadata.get("automation_run_id")
            if run_id and transfer.status == "succeeded":
                counts[run_id] = counts.get(run_id, 0) + 1
        if not page.has_more:
            return counts
        after = page.data[-1].id


def ledger_total(book: coffer.Coffer, wallets: WalletPlatform, wallet_id: str) -> int:
    """What the ledger holds for the wallet (its account), read from the ledger itself."""
    ledger = book.ledger(wallets.settings.wallets_ledger)
    return sum(balance.balance for balance in ledger.balances(f"wallets:{wallet_id}").values())


@pytest.mark.slow
def test_sigkill_mid_runs_then_every_run_completes_once(
    automations: AutomationsPlatform,
    wallets: WalletPlatform,
    coffer_db: coffer.Coffer,
    database_url: str,
    tmp_path: Path,
) -> None:
    source = new_wallet(wallets, "Ivy Source", 1_000_000)
    target = new_wallet(wallets, "Jon Target")
    automation = automations.create(
        PLATFORM,
        S.AutomationCreate(
            name="crash", definition=two_transfers_with_a_wait(source.id, target.id)
        ),
    )
    for _ in range(RUNS):
        automations.start_run(PLATFORM, automation.id, {})
    url = str(coffer_db.url)
    first = spawn(url, 60, tmp_path)
    # killed once runs are mid-way: some transferred and waiting on their delay
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        listed = automations.runs(PLATFORM, automation_id=automation.id, limit=100).data
        statuses = {r.status for r in listed}
        if "waiting" in statuses:
            break
        time.sleep(0.02)
    first.send_signal(signal.SIGKILL)
    first.wait()
    middle = automations.runs(PLATFORM, automation_id=automation.id, limit=100).data
    assert any(r.status != "succeeded" for r in middle)
    second = spawn(url, 60, tmp_path)
    try:
        runs = wait_until_finished(automations, automation.id, 60)
    finally:
        second.send_signal(signal.SIGTERM)
        second.kill()
        second.wait()
    assert len(runs) == RUNS
    assert all(r.status == "succeeded" for r in runs), [r.error for r in runs]
    assert wallets.wallets.wallet(target.id).balance == RUNS * 111
    assert transfers_per_run(wallets, target.id) == {r.id: 3 for r in runs}
    assert ledger_total(coffer_db, wallets, target.id) == RUNS * 111
    for run in runs:
        detail = automations.run(PLATFORM, run.id)
        keys = [s.key for s in detail.steps or []]
        assert keys == ["first", "pause", "each", "each[0].part", "each[1].part"]
        assert len(set(keys)) == len(keys)
    report = coffer_db.verify()
    assert report.ok, report


@pytest.mark.slow
def test_two_workers_at_once_never_run_twice(
    automations: AutomationsPlatform,
    wallets: WalletPlatform,
    coffer_db: coffer.Coffer,
    database_url: str,
    tmp_path: Path,
) -> None:
    source = new_wallet(wallets, "Kim Source", 1_000_000)
    target = new_wallet(wallets, "Lou Target")
    schedules = []
    start = (datetime.now(UTC) + timedelta(seconds=3)).replace(tzinfo=None, microsecond=0)
    for index in range(6):
        created = automations.create(
            PLATFORM,
            S.AutomationCreate(
                name=f"every 2 s #{index}",
                definition={
                    "trigger": {
                        "type": "schedule",
                        "rrule": "FREQ=SECONDLY;INTERVAL=2;COUNT=3",
                        "dtstart": start.isoformat(),
                        "catch_up": "all",
                    },
                    "steps": [
                        {
                            "id": "pay",
                            "type": "transfer",
                            "debited_wallet_id": source.id,
                            "credited_wallet_id": target.id,
                            "amount": 7,
                            "currency": "EUR",
                        }
                    ],
                },
            ),
        )
        schedules.append(created.id)
    manual = automations.create(
        PLATFORM,
        S.AutomationCreate(
            name="manual", definition=two_transfers_with_a_wait(source.id, target.id)
        ),
    )
    for _ in range(RUNS):
        automations.start_run(PLATFORM, manual.id, {})
    workers = [spawn(str(coffer_db.url), 30, tmp_path) for _ in range(2)]
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            runs = [
                r
                for a in [*schedules, manual.id]
                for r in automations.runs(PLATFORM, automation_id=a, limit=100).data
            ]
            if len(runs) == RUNS + 18 and all(r.status == "succeeded" for r in runs):
                break
            time.sleep(0.3)
    finally:
        for process in workers:
            process.kill()
            process.wait()
    assert len(runs) == RUNS + 18
    assert all(r.status == "succeeded" for r in runs)
    for automation_id in schedules:
        occurrences = [r.occurrence_key for r in runs if r.automation_id == automation_id]
        assert len(occurrences) == len(set(occurrences)) == 3
    expected = {r.id: (3 if r.automation_id == manual.id else 1) for r in runs}
    assert transfers_per_run(wallets, target.id) == expected
    assert ledger_total(coffer_db, wallets, target.id) == RUNS * 111 + 18 * 7
    assert wallets.wallets.wallet(target.id).balance == RUNS * 111 + 18 * 7
    assert coffer_db.verify().ok
