"""The check in its own process (``COFFER_RISK_CHECK_PROCESS``): the same verdicts, in the
same order, as the check in the process that moves money, and the same rows stored."""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tests.risk.online.conftest import PII_KEY
from tests.wallets.helpers import fund, make_customer

import coffer
from coffer.errors import CofferError
from coffer.risk.online import open_risk
from coffer.risk.online.process import supported
from coffer.settings import Settings
from coffer.wallets import WalletSettings, open_wallets
from coffer.wallets import schemas as S
from coffer.wallets.checks import Movement, MovementCheck, Verdict

P = "plat_default"
RULES = (
    ("kp", "tx.ip_country == 'KP'", "block", "enforce"),
    ("burst", "features.customer_count_1h > 3.0", "review", "enforce"),
    ("big", "tx.amount > 4000", "review", "monitor"),
)


class Recorder:
    """Registered as ``risk`` in its place: asks it and keeps what it answered."""

    name = "risk"

    def __init__(self, inner: MovementCheck) -> None:
        self.inner = inner
        self.seen: list[tuple[Any, ...]] = []

    def check(self, movements: Sequence[Movement]) -> list[Verdict]:
        verdicts = self.inner.check(movements)
        for verdict in verdicts:
            rows = {table.name: dict(row) for table, row in verdict.writes}
            decision = rows["risk_decisions"]
            self.seen.append(
                (
                    verdict.outcome,
                    verdict.score,
                    verdict.reasons,
                    decision["rules"],
                    sorted(rows),
                    [kind for kind, _ in verdict.events],
                )
            )
        return verdicts


def _run(tmp_path: Path, in_process: bool) -> tuple[list[tuple[Any, ...]], list[str]]:
    folder = tmp_path / ("own" if in_process else "beside")
    folder.mkdir()
    settings = Settings(
        signing_key_file=str(folder / "signing.key"),
        risk_model_dir=str(folder / "no-model"),
        risk_check_process=not in_process,
    )
    with coffer.open(f"sqlite:///{folder}/coffer.db", settings=settings) as book:
        platform = open_wallets(book, WalletSettings(pii_key=PII_KEY, pii_key_id="test1"))
        wallets = []
        for name in ("Alice Martin", "Bob Durand", "Chloe Petit", "Dan Roux"):
            customer = make_customer(platform, name)
            wallet = platform.wallets.create_wallet(
                S.WalletCreate(customer_id=customer.id, currency="EUR")
            )
            fund(platform, wallet.id, 1_000_000)
            wallets.append(wallet.id)
        risk = open_risk(platform, settings)
        try:
            assert (risk._process is None) == in_process
            for name, expression, action, mode in RULES:
                risk.save_rule(
                    P, name=name, expression=expression, action=action, mode=mode, actor="t"
                )
            recorder = Recorder(risk)
            platform.core.checks.register(recorder)
            rng = random.Random(5)
            answers: list[str] = []
            for size in (1, 7, 30, 1, 12):
                batch = []
                for _ in range(size):
                    a, b = rng.sample(range(len(wallets)), 2)
                    metadata = {
                        "device_id": f"d{rng.randint(0, 2)}",
                        "ip_country": rng.choice(("FR", "FR", "DE", "KP")),
                    }
                    request = S.TransferCreate(
                        debited_wallet_id=wallets[a],
                        credited_wallet_id=wallets[b],
                        amount=rng.randint(100, 5_000),
                        currency="EUR",
                        metadata=metadata,
                    )
                    batch.append((request, None))
                for result in platform.wallets.transfer_many(batch):
                    answers.append(
                        result.code if isinstance(result, CofferError) else result.status
                    )
            stored = risk.decisions(P, limit=200)[0]
            assert len(stored) == len(recorder.seen)
        finally:
            risk.close()
    return recorder.seen, answers


def test_the_check_process_decides_as_the_check_in_process(tmp_path: Path) -> None:
    beside, beside_answers = _run(tmp_path, in_process=False)
    alone, alone_answers = _run(tmp_path, in_process=True)
    assert beside == alone and beside_answers == alone_answers
    outcomes = {seen[0] for seen in alone}
    assert outcomes == {"allow", "review", "block"}  # every path was taken
    assert {"risk_blocked", "in_review", "succeeded"} <= set(alone_answers)


def test_an_in_memory_database_keeps_the_check_in_process() -> None:
    assert supported("sqlite:////tmp/x.db") and supported("postgresql://h/db")
    assert not supported("sqlite://") and not supported("sqlite:///:memory:")
