"""Quotes per second, and currency conversions through the HTTP API against same-currency
wallet transfers through the HTTP API, measured in the same run on one server (target:
conversions >= 0.8x transfers).

    python bench/fx_conversions.py [--backend postgresql|sqlite] [--requests 3000]
        [--customers 200] [--connections 32] [--runs 3]

Each run: a fresh database; customers with a EUR and a USD wallet (funded); a manual
EUR/USD rate. Then (1) quotes created in-process by ``fx.quotes.create`` for a few seconds
(quotes/s); (2) the server (``coffer.api.create_app``, one uvicorn process) in a subprocess, warmed
up by 100 requests of each kind; (3) ``--requests`` wallet transfers EUR -> EUR (``POST /api/wallets/v1/transfers``) and
(4) ``--requests`` conversions EUR -> USD of quotes made beforehand
(``POST /api/wallets/v1/fx/conversions``), alternating their order between runs, each POST
with its own Idempotency-Key, from ``--connections`` connections (asyncio + httpx). Prints
each figure, the ratio conversions/transfers per run and the medians. Bounded: fixed
counts and a 300 s deadline per phase.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import httpx

sys.path.insert(0, os.path.dirname(__file__))
from common import fresh_database, median, report, signing_key_env
from wallets_transfers import token  # a real client's token, as every request checks it

PII_KEY = "11" * 32
DEADLINE_SECONDS = 300
QUOTE_SECONDS = 3.0
WARM_UP = 100  # requests of each kind before the measured phases


def serve(url: str, port: int) -> None:
    import uvicorn

    from coffer.api.app import create_app

    uvicorn.run(
        create_app(url=url), host="127.0.0.1", port=port, log_level="warning", access_log=False
    )


def setup(
    url: str, customers: int, conversions: int
) -> tuple[list[tuple[str, str]], list[dict[str, str]], float]:
    """Wallet pairs (EUR, USD) per customer, the conversions' bodies (each with its own
    quote, valid 24 h) and the in-process quotes per second."""
    import coffer
    from coffer.fx import open_fx
    from coffer.fx import schemas as FS
    from coffer.wallets import open_wallets
    from coffer.wallets import schemas as S

    pairs: list[tuple[str, str]] = []
    with coffer.open(url) as c:
        p = open_wallets(c)
        fx = open_fx(p)
        fx.rates.set_manual("EUR", "USD", "1.0842")
        for n in range(customers):
            customer = p.wallets.create_customer(S.CustomerCreate(kind="natural", name=f"B{n}"))
            p.wallets.submit_kyc_document(
                customer.id, S.KycDocumentCreate(type="identity_proof", name="id.pdf")
            )
            eur = p.wallets.create_wallet(S.WalletCreate(customer_id=customer.id, currency="EUR"))
            usd = p.wallets.create_wallet(S.WalletCreate(customer_id=customer.id, currency="USD"))
            p.payins.bank_transfer(
                S.BankTransferSimulate(
                    reference=eur.bank_reference or "", amount=10_000_000, currency="EUR"
                )
            )
            pairs.append((eur.id, usd.id))
        rng = random.Random(7)

        def quote(customer_id: str | None = None) -> FS.Quote:
            return fx.quotes.create(
                FS.QuoteCreate(
                    sell_currency="EUR",
                    buy_currency="USD",
                    sell_amount=rng.randrange(100, 1_000),
                    customer_id=customer_id,
                    lifetime_seconds=86_400,
                )
            )

        count, started = 0, time.perf_counter()
        while time.perf_counter() - started < QUOTE_SECONDS:
            quote()
            count += 1
        quotes_per_second = count / (time.perf_counter() - started)
        bodies = []
        for _ in range(conversions):
            eur_id, usd_id = rng.choice(pairs)
            owner = p.wallets.wallet(eur_id).customer_id
            made = quote(owner)
            bodies.append({"quote_id": made.id, "from_wallet_id": eur_id, "to_wallet_id": usd_id})
    return pairs, bodies, quotes_per_second


async def load(
    base: str, bearer: str, path: str, bodies: list[dict[str, Any]], connections: int, tag: str
) -> tuple[float, int]:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    failures = 0
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(len(bodies)):
        queue.put_nowait(n)
    async with httpx.AsyncClient(
        base_url=base, limits=limits, headers={"Authorization": f"Bearer {bearer}"}, timeout=60
    ) as client:

        async def worker() -> None:
            nonlocal failures
            while not queue.empty() and time.monotonic() < deadline:
                n = queue.get_nowait()
                response = await client.post(
                    path, json=bodies[n], headers={"Idempotency-Key": f"{tag}-{n}"}
                )
                if response.status_code != 201:
                    failures += 1
                    if failures == 1:
                        print(f"  first failure: {response.text[:300]}", flush=True)

        deadline = time.monotonic() + DEADLINE_SECONDS
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - started
    return (len(bodies) - queue.qsize()) / elapsed, failures


def one_run(
    backend: str, requests: int, customers: int, connections: int, index: int
) -> tuple[float, float, float]:
    with fresh_database(backend) as url:
        pairs, conversions, quotes_per_second = setup(url, customers, requests + WARM_UP)
        warm_conversions, conversions = conversions[:WARM_UP], conversions[WARM_UP:]
        rng = random.Random(index)
        transfers = []
        for _ in range(requests + WARM_UP):
            (a, _), (b, _) = rng.sample(pairs, 2)
            transfers.append(
                {
                    "debited_wallet_id": a,
                    "credited_wallet_id": b,
                    "amount": 100,
                    "currency": "EUR",
                    "fee": 1,
                }
            )
        from wallets_transfers import free_port

        port = free_port()
        env = {**os.environ, "COFFER_PII_KEY": PII_KEY}
        server = subprocess.Popen(
            [sys.executable, __file__, "--serve", url, "--port", str(port)], env=env
        )
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(150):
                try:
                    httpx.get(base + "/api/wallets/v1/events", timeout=1)
                    break
                except httpx.HTTPError:
                    time.sleep(0.2)
            bearer = token(url)
            warm_transfers, transfers = transfers[:WARM_UP], transfers[WARM_UP:]
            # warm up both routes (connections, caches) before measuring either
            asyncio.run(
                load(
                    base,
                    bearer,
                    "/api/wallets/v1/transfers",
                    warm_transfers,
                    connections,
                    f"wt{index}",
                )
            )
            asyncio.run(
                load(
                    base,
                    bearer,
                    "/api/wallets/v1/fx/conversions",
                    warm_conversions,
                    connections,
                    f"wc{index}",
                )
            )
            phases: dict[str, Callable[[], tuple[float, int]]] = {
                "transfers": lambda: asyncio.run(
                    load(
                        base,
                        bearer,
                        "/api/wallets/v1/transfers",
                        transfers,
                        connections,
                        f"t{index}",
                    )
                ),
                "conversions": lambda: asyncio.run(
                    load(
                        base,
                        bearer,
                        "/api/wallets/v1/fx/conversions",
                        conversions,
                        connections,
                        f"c{index}",
                    )
                ),
            }
            order = ["transfers", "conversions"] if index % 2 == 0 else ["conversions", "transfers"]
            rates: dict[str, float] = {}
            for name in order:
                rates[name], failures = phases[name]()
                print(f"  {name}: {rates[name]:,.0f}/s, {failures} failed", flush=True)
            ratio = rates["conversions"] / rates["transfers"]
            print(
                f"  quotes (in-process): {quotes_per_second:,.0f}/s; ratio conversions/transfers {ratio:.2f}",
                flush=True,
            )
            return quotes_per_second, rates["conversions"], rates["transfers"]
        finally:
            server.terminate()
            server.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", default="postgresql", choices=["postgresql", "sqlite"])
    parser.add_argument("--requests", type=int, default=3_000)
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--serve")
    parser.add_argument("--port", type=int)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port)
        return
    os.environ.setdefault("COFFER_PII_KEY", PII_KEY)
    with signing_key_env():
        runs = [
            one_run(args.backend, args.requests, args.customers, args.connections, n)
            for n in range(args.runs)
        ]
    report("quotes created in-process", [r[0] for r in runs], "quotes/s")
    report(f"conversions over HTTP, {args.backend}", [r[1] for r in runs], "conversions/s")
    report(f"wallet transfers over HTTP, {args.backend}", [r[2] for r in runs], "transfers/s")
    ratios = [r[1] / r[2] for r in runs]
    print(
        f"ratio conversions/transfers: median {median(ratios):.2f} (target >= 0.8; runs: "
        + ", ".join(f"{r:.2f}" for r in ratios)
        + ")",
        flush=True,
    )


if __name__ == "__main__":
    main()
