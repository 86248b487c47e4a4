"""Wallet-to-wallet transfers through the HTTP API from 64 connections (target: 1,500/s
on PostgreSQL).

    python bench/wallets_transfers.py [--backend postgresql|sqlite] [--transfers 20000]
        [--wallets 1000] [--connections 64]

The server (``coffer.api.create_app`` with the wallets router, one uvicorn process) runs in
a subprocess; this process is the load generator (asyncio + httpx, one pooled client with
``--connections`` connections, each POST with its own Idempotency-Key). Bounded: a fixed
number of transfers and a 300 s deadline.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import subprocess
import sys
import time

import httpx

sys.path.insert(0, os.path.dirname(__file__))
from common import fresh_database, report, signing_key_env

PII_KEY = "11" * 32
DEADLINE_SECONDS = 300


def serve(url: str, port: int) -> None:
    import uvicorn

    from coffer.api.app import create_app
    from coffer.wallets.endpoints import router

    app = create_app(url=url)
    if not any(getattr(r, "path", "").startswith("/api/wallets/v1") for r in app.routes):
        app.include_router(router)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def token(url: str) -> str:
    import jwt

    import coffer
    from coffer.api.auth import JWT_ALGORITHM, JWT_ISSUER, jwt_secret

    with coffer.open(url) as c:
        secret = jwt_secret(c.engine, None)
    now = int(time.time())
    claims = {
        "iss": JWT_ISSUER,
        "sub": "bench",
        "iat": now,
        "exp": now + 3600,
        "scope": "wallets:read wallets:write",
        "jti": "bench",
    }
    return jwt.encode(claims, secret, algorithm=JWT_ALGORITHM)


def setup_wallets(url: str, count: int) -> list[str]:
    import coffer
    from coffer.wallets import open_wallets
    from coffer.wallets import schemas as S

    ids = []
    with coffer.open(url) as c:
        p = open_wallets(c)
        for n in range(count):
            customer = p.wallets.create_customer(S.CustomerCreate(kind="natural", name=f"B{n}"))
            p.wallets.submit_kyc_document(
                customer.id, S.KycDocumentCreate(type="identity_proof", name="id.pdf")
            )
            wallet = p.wallets.create_wallet(
                S.WalletCreate(customer_id=customer.id, currency="EUR")
            )
            p.payins.bank_transfer(
                S.BankTransferSimulate(
                    reference=wallet.bank_reference or "", amount=10_000_000, currency="EUR"
                )
            )
            ids.append(wallet.id)
    return ids


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def load(
    base: str, bearer: str, wallets: list[str], transfers: int, connections: int
) -> tuple[float, int]:
    rng = random.Random(7)
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    headers = {"Authorization": f"Bearer {bearer}"}
    failures = 0
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(transfers):
        queue.put_nowait(n)
    async with httpx.AsyncClient(
        base_url=base, limits=limits, headers=headers, timeout=60
    ) as client:

        async def worker() -> None:
            nonlocal failures
            while not queue.empty() and time.monotonic() < deadline:
                n = queue.get_nowait()
                a, b = rng.sample(wallets, 2)
                response = await client.post(
                    "/api/wallets/v1/transfers",
                    json={
                        "debited_wallet_id": a,
                        "credited_wallet_id": b,
                        "amount": 100,
                        "currency": "EUR",
                        "fee": 1,
                    },
                    headers={"Idempotency-Key": f"bench-{n}"},
                )
                if response.status_code != 201:
                    failures += 1

        deadline = time.monotonic() + DEADLINE_SECONDS
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - started
    return (transfers - queue.qsize()) / elapsed, failures


def one_run(backend: str, transfers: int, wallet_count: int, connections: int) -> float:
    with fresh_database(backend) as url:
        wallets = setup_wallets(url, wallet_count)
        port = free_port()
        env = {**os.environ, "COFFER_PII_KEY": PII_KEY}
        server = subprocess.Popen(
            [sys.executable, __file__, "--serve", url, "--port", str(port)], env=env
        )
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    httpx.get(base + "/api/wallets/v1/events", timeout=1)
                    break
                except httpx.HTTPError:
                    time.sleep(0.2)
            rate, failures = asyncio.run(load(base, token(url), wallets, transfers, connections))
            print(f"  {rate:,.0f} transfers/s, {failures} failed", flush=True)
            return rate
        finally:
            server.terminate()
            server.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", default="postgresql", choices=["postgresql", "sqlite"])
    parser.add_argument("--transfers", type=int, default=20_000)
    parser.add_argument("--wallets", type=int, default=1_000)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--serve")
    parser.add_argument("--port", type=int)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port)
        return
    os.environ.setdefault("COFFER_PII_KEY", PII_KEY)
    with signing_key_env():
        runs = [
            one_run(args.backend, args.transfers, args.wallets, args.connections)
            for _ in range(args.runs)
        ]
    report(
        f"wallet transfers over HTTP, {args.connections} connections, {args.backend}",
        runs,
        "transfers/s (target 1,500)",
    )


if __name__ == "__main__":
    main()
