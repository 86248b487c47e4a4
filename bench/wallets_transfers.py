"""Wallet-to-wallet transfers through the HTTP API from 64 connections (target: 1,500/s
on PostgreSQL).

    python bench/wallets_transfers.py [--backend postgresql|sqlite] [--transfers 20000]
        [--wallets 1000] [--connections 64]

The server (``coffer.api.create_app`` with the wallets router, one uvicorn process) runs in
a subprocess; this process is the load generator (asyncio + httpx, one pooled client with
``--connections`` connections, each POST with its own Idempotency-Key). Bounded: a fixed
number of transfers and a 300 s deadline.

Besides the wall-clock rate it prints CPU time per transfer (the machine is shared, so wall
time alone misleads): the server process, PostgreSQL's backends and the load generator,
read from ``/proc`` around the load phase, with the load average. The load phase starts
once the server is idle: its workers first screen the customers the setup onboarded and
follow the setup's events, work that is not the transfers'.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
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
    from coffer.wallets.fastpath import WalletsFastPath

    if not any(m.cls is WalletsFastPath for m in app.user_middleware):
        app.add_middleware(WalletsFastPath)  # until create_app wires it
    pool_size = int(os.environ.get("BENCH_POOL_SIZE", "0"))
    if pool_size:  # diagnostic: a steady pool as large as the concurrency (no churn)
        engine = app.state.server.coffer.engine
        engine.pool = engine.pool.__class__(
            engine.pool._creator,  # type: ignore[attr-defined]
            pool_size=pool_size,
            max_overflow=8,
            pre_ping=True,
            dialect=engine.dialect,
        )
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def token(url: str) -> str:
    """A token of a real client (every request checks that its client exists)."""
    import coffer
    from coffer.api.auth import create_client, sign_token
    from coffer.api.jwt_keys import Keyring
    from coffer.api.settings import ApiSettings

    scopes = ("wallets:read", "wallets:write")
    settings = ApiSettings()
    with coffer.open(url) as c:
        client = create_client(c.engine, "bench", scopes)
    keyring = Keyring.from_settings(settings.jwt_secret, settings.jwt_key_file)
    return sign_token(keyring, client.client_id, scopes, secret_version=1, ttl_seconds=3600)


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


TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (its reaped children included), from /proc."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(v) for v in fields[11:15]) / TICKS


def postgres_pids() -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as comm:
                    if comm.read().strip() in ("postgres", "postmaster"):
                        pids.append(int(entry))
            except OSError:
                continue
    return pids


def postgres_sessions(url: str) -> int:
    """Sessions (connections) PostgreSQL opened on the bench database so far: a pool that
    churns connections shows here (each costs a backend process)."""
    if not url.startswith("postgresql"):
        return 0
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
        row = admin.execute(
            "SELECT sessions FROM pg_stat_database WHERE datname = %s", (name,)
        ).fetchone()
    return int(row[0]) if row else 0


def postgres_cpu() -> dict[int, float]:
    return {pid: cpu_seconds(pid) for pid in postgres_pids()}


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


WRK_SCRIPT = """
local wallets = {%s}
local made = 0
function setup(thread)
  made = made + 1
  thread:set("tid", made)
end
function init(args)
  counter = 0
  math.randomseed(%d + tid)
end
request = function()
  counter = counter + 1
  local a = math.random(#wallets)
  local b = math.random(#wallets - 1)
  if b >= a then b = b + 1 end
  local body = string.format(
    '{"debited_wallet_id":"%%s","credited_wallet_id":"%%s","amount":100,"currency":"EUR","fee":1}',
    wallets[a], wallets[b])
  local headers = {}
  headers["Content-Type"] = "application/json"
  headers["Authorization"] = "Bearer %s"
  headers["Idempotency-Key"] = string.format("wrk-%%d-%%d-%%d", %d, tid, counter)
  return wrk.format("POST", "/api/wallets/v1/transfers", headers, body)
end
"""


def load_wrk(
    base: str, bearer: str, wallets: list[str], seconds: float, connections: int
) -> tuple[float, int, int, float]:
    """wrk (C, two threads) as the load generator: it costs far less CPU than Python.

    Returns transfers/s, non-2xx answers, requests sent, and wrk's CPU seconds."""
    import re
    import tempfile

    quoted = ",".join(f'"{w}"' for w in wallets)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT % (quoted, 7, bearer, os.getpid()))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{int(seconds)}s",
            "--timeout",
            "30s",
            "-s",
            script.name,
            base,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    os.unlink(script.name)
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", done).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", done).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", done)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return rate, int(errors.group(1)) if errors else 0, total, cpu


def settle(pid: int, limit_seconds: float = 180) -> float:
    """Wait until the server is idle (under 5% of a core over a second): its workers have
    screened the customers the setup onboarded and followed the setup's events, work that
    is not the transfers'. Returns the seconds waited."""
    started = time.monotonic()
    before = cpu_seconds(pid)
    while time.monotonic() - started < limit_seconds:
        time.sleep(1)
        after = cpu_seconds(pid)
        if after - before < 0.05:
            break
        before = after
    return time.monotonic() - started


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def load(
    base: str, bearer: str, wallets: list[str], transfers: int, connections: int
) -> tuple[float, int, int]:
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
    done = transfers - queue.qsize()
    return done / elapsed, failures, done


def one_run(
    backend: str,
    transfers: int,
    wallet_count: int,
    connections: int,
    client: str = "httpx",
    seconds: float = 20,
) -> float:
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
            bearer = token(url)
            settled = settle(server.pid)
            server_before, client_before = cpu_seconds(server.pid), own_cpu()
            pg_before = postgres_cpu()
            sessions_before = postgres_sessions(url)
            if client == "wrk":
                rate, failures, done, client_cpu = load_wrk(
                    base, bearer, wallets, seconds, connections
                )
            else:
                rate, failures, done = asyncio.run(
                    load(base, bearer, wallets, transfers, connections)
                )
                client_cpu = own_cpu() - client_before
            server_cpu = cpu_seconds(server.pid) - server_before
            pg_after = postgres_cpu()
            pg_cpu = sum(v - pg_before.get(pid, 0.0) for pid, v in pg_after.items())
            per = 1e6 / max(done, 1)
            sessions = postgres_sessions(url) - sessions_before
            print(
                f"  {rate:,.0f} transfers/s wall, {failures} failed; CPU per transfer: "
                f"server {server_cpu * per:,.0f} us, postgres {pg_cpu * per:,.0f} us, "
                f"load generator {client_cpu * per:,.0f} us; "
                f"server-side capacity on 2 cores ~{2e6 / max((server_cpu + pg_cpu) * per, 1):,.0f}/s;"
                f" load average {os.getloadavg()[0]:.2f}; {sessions} PostgreSQL sessions opened;"
                f" {settled:.0f} s for the server to settle after the setup",
                flush=True,
            )
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
    parser.add_argument(
        "--client",
        default="httpx",
        choices=["httpx", "wrk"],
        help="load generator: httpx (Python, CPU-hungry) or wrk (C; must be installed)",
    )
    parser.add_argument("--seconds", type=float, default=20, help="duration with --client wrk")
    parser.add_argument("--serve")
    parser.add_argument("--port", type=int)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port)
        return
    os.environ.setdefault("COFFER_PII_KEY", PII_KEY)
    with signing_key_env():
        runs = [
            one_run(
                args.backend,
                args.transfers,
                args.wallets,
                args.connections,
                args.client,
                args.seconds,
            )
            for _ in range(args.runs)
        ]
    report(
        f"wallet transfers over HTTP, {args.connections} connections, {args.backend}",
        runs,
        "transfers/s (target 1,500)",
    )


if __name__ == "__main__":
    main()
