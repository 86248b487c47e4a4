"""Batched execution: the transfers of a worker's claimed runs go through one
``transfer_many``, a run with several transfers walks on round after round, a refusal fails
only its run, and a crash between the transfers and the runs' ends replays nothing twice."""

from __future__ import annotations

from typing import Any

from tests.automations.conftest import PLATFORM, Clock, new_wallet

from coffer.automations import AutomationsPlatform, Worker
from coffer.automations import schemas as S
from coffer.wallets import WalletPlatform


def two_transfers(source: str, target: str) -> dict[str, Any]:
    step = {
        "type": "transfer",
        "debited_wallet_id": source,
        "credited_wallet_id": target,
        "currency": "EUR",
    }
    return {
        "trigger": {"type": "manual"},
        "steps": [{"id": "first", "amount": 1, **step}, {"id": "second", "amount": 10, **step}],
    }


def test_a_batch_posts_its_transfers_together_and_each_run_once(
    automations: AutomationsPlatform, worker: Worker, wallets: WalletPlatform
) -> None:
    rich = new_wallet(wallets, "Ann Rich", 1_000)
    poor = new_wallet(wallets, "Paul Poor", 5)  # pays its first transfer, not its second
    target = new_wallet(wallets, "Tom Target")
    calls: list[int] = []
    transfer_many = wallets.wallets.transfer_many

    def counted(items: Any) -> Any:
        calls.append(len(items))
        return transfer_many(items)

    wallets.wallets.transfer_many = counted  # type: ignore[method-assign]
    paying = automations.create(
        PLATFORM, S.AutomationCreate(name="rich", definition=two_transfers(rich.id, target.id))
    )
    short = automations.create(
        PLATFORM, S.AutomationCreate(name="poor", definition=two_transfers(poor.id, target.id))
    )
    runs = [automations.start_run(PLATFORM, paying.id, {}) for _ in range(5)]
    failing = automations.start_run(PLATFORM, short.id, {})
    worker.run_until_idle()
    assert calls == [6, 6]  # one call per step for the six runs
    for run in runs:
        done = automations.run(PLATFORM, run.id)
        assert done.status == "succeeded", done.error
        assert [s.key for s in done.steps or []] == ["first", "second"]
    refused = automations.run(PLATFORM, failing.id)
    assert refused.status == "failed"
    assert refused.error is not None and refused.error["step"] == "second"
    assert wallets.wallets.wallet(target.id).balance == 5 * 11 + 1


def test_a_crash_before_the_runs_end_replays_no_transfer(
    automations: AutomationsPlatform, wallets: WalletPlatform, clock: Clock
) -> None:
    source = new_wallet(wallets, "Sam Source", 1_000)
    target = new_wallet(wallets, "Tina Target")
    automation = automations.create(
        PLATFORM, S.AutomationCreate(name="pay", definition=two_transfers(source.id, target.id))
    )
    runs = [automations.start_run(PLATFORM, automation.id, {}) for _ in range(3)]
    crashing = Worker(automations, threads=1)
    executor = automations.executor

    def crash(finishes: Any) -> None:
        raise RuntimeError("the worker dies before the runs' ends are written")

    executor.finish_many = crash  # type: ignore[method-assign]
    try:
        crashing.execute_due()
    except RuntimeError:
        pass
    finally:
        del executor.finish_many
        crashing.stop()
    assert wallets.wallets.wallet(target.id).balance == 3 * 11  # the transfers went through
    assert {automations.run(PLATFORM, run.id).status for run in runs} == {"running"}
    clock.advance(seconds=automations.settings.automation_lease_seconds + 1)
    survivor = Worker(automations, threads=1)
    survivor.run_until_idle()
    survivor.stop()
    for run in runs:
        done = automations.run(PLATFORM, run.id)
        assert done.status == "succeeded", done.error
        assert [s.key for s in done.steps or []] == ["first", "second"]
    assert wallets.wallets.wallet(target.id).balance == 3 * 11  # nothing moved twice
