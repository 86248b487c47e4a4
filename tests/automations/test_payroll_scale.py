"""Payment batches at scale, through worker processes killed with SIGKILL mid-way then two
at once: every line paid exactly once, ledger and rows agree, ``coffer verify`` passes.

10,000 lines on SQLite; on PostgreSQL 2,000 lines exercise the same claims and holds
between processes at a fifth of the set-up time (10,000 payee customers take minutes to
create, which the suite's time budget cannot pay twice)."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest
from tests.automations.conftest import PLATFORM, new_wallet
from tests.automations.payroll_helpers import batch_body, payee_wallets
from tests.automations.test_crash import ledger_total, spawn

import coffer
from coffer.automations import AutomationsPlatform
from coffer.automations.payroll import schemas as S
from coffer.wallets import WalletPlatform
from coffer.wallets import schemas as W

LINES = 10_000
LINES_ON_POSTGRESQL = 2_000


def amount_of(index: int) -> int:
    return 100 + index % 7


def big_batch(
    automations: AutomationsPlatform, wallets: WalletPlatform, count: int
) -> tuple[str, str, list[str]]:
    source = new_wallet(wallets, "Acme Payroll", 10 * count * 200)
    payees = payee_wallets(wallets, count)
    lines = [
        {"wallet_id": wallet_id, "amount": amount_of(index), "reference": f"salary {index}"}
        for index, wallet_id in enumerate(payees)
    ]
    batch = automations.payment_batches.create(
        PLATFORM, S.BatchCreate.model_validate(batch_body(source.id, lines)), maker="ops:maker"
    )
    assert isinstance(batch, S.Batch) and batch.line_count == count
    automations.payment_batches.approve(
        PLATFORM, batch.id, S.Decision(approver="ops:checker"), caller="c", approve=True
    )
    return batch.id, source.id, payees


def transfer_lines(wallets: WalletPlatform, source_id: str, batch_id: str) -> list[int]:
    """The line numbers of the batch's succeeded transfers (one per transfer row)."""
    numbers: list[int] = []
    after = None
    while True:
        page = wallets.wallets.transfers(
            W.ListQuery(wallet_id=source_id, limit=100, starting_after=after)
        )
        numbers += [
            int(t.metadata["line_number"])
            for t in page.data
            if t.metadata.get("payment_batch_id") == batch_id and t.status == "succeeded"
        ]
        if not page.has_more:
            return numbers
        after = page.data[-1].id


def check_paid_once(
    book: coffer.Coffer,
    automations: AutomationsPlatform,
    wallets: WalletPlatform,
    batch_id: str,
    source_id: str,
    payees: list[str],
) -> None:
    count = len(payees)
    batch = automations.payment_batches.batch(PLATFORM, batch_id)
    assert batch.status == "completed", batch
    assert batch.summary == {"counts": {"paid": count}, "totals": {"paid": batch.total_amount}}
    numbers = transfer_lines(wallets, source_id, batch_id)
    assert len(numbers) == count and set(numbers) == set(range(1, count + 1))
    for index in (0, 1, count // 2, count - 1):
        assert wallets.wallets.wallet(payees[index]).balance == amount_of(index)
    assert ledger_total(book, wallets, source_id) == 10 * count * 200 - batch.total_amount
    report = book.verify()
    assert report.ok, report


@pytest.mark.slow
def test_sigkill_mid_batch_then_two_workers_pay_every_line_once(
    automations: AutomationsPlatform,
    wallets: WalletPlatform,
    coffer_db: coffer.Coffer,
    tmp_path: Path,
) -> None:
    count = LINES if coffer_db.backend.value == "sqlite" else LINES_ON_POSTGRESQL
    batch_id, source_id, payees = big_batch(automations, wallets, count)
    url = str(coffer_db.url)
    small_chunks = {"COFFER_PAYROLL_CHUNK_SIZE": "200"}
    first = spawn(url, 120, tmp_path, small_chunks)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        paid = automations.payment_batches.lines(PLATFORM, batch_id, status="paid", limit=1000)
        if len(paid.data) >= count // 10:
            break
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    first.wait()
    middle = automations.payment_batches.lines(PLATFORM, batch_id, status="pending", limit=1)
    assert middle.data, "the worker finished before it was killed"
    workers = [spawn(url, 180, tmp_path, small_chunks) for _ in range(2)]
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if automations.payment_batches.batch(PLATFORM, batch_id).status == "completed":
                break
            time.sleep(0.3)
    finally:
        for process in workers:
            process.kill()
            process.wait()
    check_paid_once(coffer_db, automations, wallets, batch_id, source_id, payees)
