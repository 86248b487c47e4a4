"""A worker process for the crash and concurrency tests:
``python -m tests.automations.worker_process URL SECONDS`` runs the automations worker on
the real clock for at most SECONDS (it is usually killed before)."""

from __future__ import annotations

import sys
import time

import coffer
from coffer.automations import Worker, open_automations
from coffer.automations.settings import AutomationSettings
from coffer.wallets import WalletSettings, open_wallets

PII_KEY = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"


def main() -> None:
    url, seconds = sys.argv[1], float(sys.argv[2])
    settings = AutomationSettings(
        automation_lease_seconds=2.0,
        automation_interval_seconds=0.05,
        automation_worker_threads=2,
        automation_batch_size=20,
        automation_event_lookback_seconds=0,
    )
    with coffer.open(url) as book:
        wallets = open_wallets(book, WalletSettings(pii_key=PII_KEY, pii_key_id="test1"))
        worker = Worker(open_automations(wallets, settings))
        print("ready", flush=True)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if not worker.run_once():
                time.sleep(0.05)
        worker.stop()


if __name__ == "__main__":
    main()
