"""Wallet transfers and ledger transactions per second through the HTTP app's hot paths
(the wallets and ledger fast paths: auth, tenancy and system-ledger checks included),
in process, as an A/B against an earlier commit.

    .venv/bin/python bench/tenancy_throughput.py [--kind wallets|ledger]
        [--backend sqlite|postgresql] [--requests 12000] [--concurrency 32] [--runs 5]
        [--against c7d4973]

Requests go through ``httpx.ASGITransport`` straight into the ASGI app (no sockets, no
load generator process), ``--concurrency`` at a time, so the figure is what the server
spends per request. With ``--against REF`` each run is a fresh process, alternately with
Coffer as it is now and as it was at git ``REF`` (a temporary worktree); it prints both
medians and the ratio now / REF (the target with tenancy: >= 0.95). Bounded: a fixed
number of requests per run: 12,000 by default, so that a run spans several of the
collector's full collections (one lasts tens of milliseconds; a run of 3,000 requests moves
by 6-10% whether one falls inside it or not).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from typing import Any

sys.path.insert(0, os.path.dirname(__file__))
from common import against, fresh_database, report

WALLETS = 40
FUNDS = 1_000_000  # minor units per wallet, far above what a run moves


def _token(instance: Any, scopes: tuple[str, ...]) -> str:
    """A token of a real client of the default platform (the same call before and
    after platforms existed)."""
    from coffer.api.auth import create_client, sign_token
    from coffer.api.jwt_keys import Keyring
    from coffer.api.settings import ApiSettings

    settings = ApiSettings()
    client = create_client(instance.engine, "bench", scopes)
    keyring = Keyring.from_settings(settings.jwt_secret, settings.jwt_key_file)
    return str(sign_token(keyring, client.client_id, scopes, secret_version=1, ttl_seconds=3600))


def _platform(instance: Any) -> Any:
    """The default platform's wallets, without KYC limits (a run moves a lot)."""
    from coffer.wallets import open_wallets
    from coffer.wallets.settings import KycLimits, WalletSettings

    unlimited = KycLimits()
    limits = {level: unlimited for level in ("none", "light", "verified")}
    return open_wallets(instance, WalletSettings(pii_key="11" * 32, kyc_limits=limits))


def _wallets(platform: Any) -> list[str]:
    from coffer.wallets import schemas as S

    ids = []
    for n in range(WALLETS):
        customer = platform.wallets.create_customer(S.CustomerCreate(kind="natural", name=f"B{n}"))
        wallet = platform.wallets.create_wallet(
            S.WalletCreate(customer_id=customer.id, currency="EUR")
        )
        transfer = S.BankTransferSimulate(
            reference=wallet.bank_reference or "", amount=FUNDS, currency="EUR"
        )
        platform.payins.bank_transfer(transfer)
        ids.append(wallet.id)
    return ids


async def _load(
    app: Any, requests: list[tuple[str, dict[str, Any], dict[str, str]]], concurrency: int
) -> tuple[float, int]:
    import httpx

    transport = httpx.ASGITransport(app=app)
    failures = 0
    queue = list(reversed(requests))
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:

        async def worker() -> None:
            nonlocal failures
            while queue:
                path, body, headers = queue.pop()
                response = await client.post(path, json=body, headers=headers)
                if response.status_code not in (200, 201):
                    failures += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return len(requests) / elapsed, failures


def run(kind: str, backend: str, count: int, concurrency: int) -> float:
    import coffer
    from coffer.api import create_app

    with tempfile.TemporaryDirectory() as keys:
        for name in ("SIGNING", "PII", "JWT"):
            os.environ[f"COFFER_{name}_KEY_FILE"] = os.path.join(keys, name.lower())
        with fresh_database(backend) as url:
            instance = coffer.open(url)
            app = create_app(instance)
            if kind == "wallets":
                platform = _platform(instance)
                app.state.wallets = platform  # the routes' default platform
                ids = _wallets(platform)
                bearer = _token(instance, ("wallets:read", "wallets:write"))
                requests = [
                    (
                        "/api/wallets/v1/transfers",
                        {
                            "debited_wallet_id": ids[n % WALLETS],
                            "credited_wallet_id": ids[(n * 7 + 1) % WALLETS or 1],
                            "amount": 1,
                            "currency": "EUR",
                        },
                        {"Authorization": f"Bearer {bearer}", "Idempotency-Key": f"b-{n}"},
                    )
                    for n in range(count)
                    if n % WALLETS != (n * 7 + 1) % WALLETS
                ]
            else:
                bearer = _token(instance, ("ledger:read", "ledger:write"))
                instance.create_ledger("bench")
                requests = [
                    (
                        "/api/ledger/v2/bench/transactions",
                        {
                            "postings": [
                                {
                                    "source": "world",
                                    "destination": f"users:{n % 1000}",
                                    "amount": 100,
                                    "asset": "USD/2",
                                }
                            ]
                        },
                        {"Authorization": f"Bearer {bearer}"},
                    )
                    for n in range(count)
                ]
            warm = requests[: concurrency * 2]
            asyncio.run(_load(app, warm, concurrency))
            rate, failures = asyncio.run(_load(app, requests[len(warm) :], concurrency))
            instance.close()
    if failures:
        raise SystemExit(f"{failures} requests failed")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kind", choices=["wallets", "ledger"], default="wallets")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--requests", type=int, default=12000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--against", default=None, help="a git ref to compare with (A/B)")
    args = parser.parse_args()
    name = f"{args.kind} via HTTP app ({args.backend})"
    unit = "requests/s"
    if args.against:
        forwarded = [
            f"--kind={args.kind}",
            f"--backend={args.backend}",
            f"--requests={args.requests}",
            f"--concurrency={args.concurrency}",
        ]
        against(__file__.rsplit("/", 1)[1], args.against, args.runs, forwarded, name, unit)
        return
    runs = [run(args.kind, args.backend, args.requests, args.concurrency) for _ in range(args.runs)]
    report(name, runs, unit)


if __name__ == "__main__":
    main()
