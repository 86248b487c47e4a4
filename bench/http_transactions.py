"""HTTP throughput of ``coffer serve``: single-transaction POSTs and ``_bulk`` postings.

    .venv/bin/python bench/http_transactions.py [--database postgresql://root@127.0.0.1/x]
        [--seconds 10] [--connections 64] [--bulk-requests 20] [--bulk-size 1000]

Starts the server in a subprocess (PostgreSQL by default: a fresh ``coffer_bench_*``
database, dropped afterwards), then a load generator in another process with
``--connections`` concurrent keep-alive connections posting one transaction each
(world -> one of 1,000 accounts). Prints transactions/s with p50/p99 latency, then
postings/s of ``_bulk`` requests of ``--bulk-size`` transactions (``parallel=true``),
and the server's resident memory under load. Targets: >= 3,000 tx/s with p99 < 50 ms;
bulk >= 30,000 postings/s. Only loopback traffic; every loop is bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from typing import Any

PG_ADMIN = os.environ.get("COFFER_BENCH_PG", "postgresql://root@127.0.0.1:5432/postgres")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class MemoryWatch(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.stop = pid, 0.0, threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.2):
            try:
                self.peak = max(self.peak, rss_mib(self.pid))
            except OSError:
                return


def token(base_url: str, client_id: str, secret: str) -> str:
    import httpx

    response = httpx.post(
        f"{base_url}/api/auth/oauth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
        timeout=30,
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


# -- load generator (runs in its own process) ---------------------------------------------------


async def _single_worker(
    client: Any, url: str, headers: dict[str, str], deadline: float, latencies: list[float],
    errors: list[int], worker: int,
) -> None:
    index = worker
    for _ in range(10_000_000):  # bounded; the deadline ends it first
        if time.perf_counter() >= deadline:
            return
        body = {
            "postings": [
                {"source": "world", "destination": f"users:{index % 1000}", "amount": 100,
                 "asset": "USD/2"}
            ]
        }
        index += 64
        started = time.perf_counter()
        response = await client.post(url, json=body, headers=headers)
        latencies.append(time.perf_counter() - started)
        if response.status_code != 200:
            errors.append(response.status_code)


async def _single_load(base_url: str, access: str, seconds: float, connections: int) -> dict[str, Any]:
    import httpx

    headers = {"Authorization": f"Bearer {access}"}
    url = f"{base_url}/api/ledger/v2/bench/transactions"
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    latencies: list[float] = []
    errors: list[int] = []
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        # warm up
        await asyncio.gather(*[
            _single_worker(client, url, headers, time.perf_counter() + 1, [], [], w)
            for w in range(connections)
        ])
        started = time.perf_counter()
        await asyncio.gather(*[
            _single_worker(client, url, headers, started + seconds, latencies, errors, w)
            for w in range(connections)
        ])
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "count": len(latencies),
        "errors": len(errors),
        "elapsed": elapsed,
        "p50": statistics.median(latencies) if latencies else 0.0,
        "p99": latencies[int(len(latencies) * 0.99) - 1] if latencies else 0.0,
    }


async def _bulk_load(
    base_url: str, access: str, requests: int, size: int, concurrency: int
) -> dict[str, Any]:
    import httpx

    headers = {"Authorization": f"Bearer {access}", "Content-Type": "application/json"}
    url = f"{base_url}/api/ledger/v2/bench/_bulk?parallel=true"
    bodies = [
        json.dumps([
            {"action": "CREATE_TRANSACTION", "data": {"metadata": {}, "postings": [
                {"source": "world", "destination": f"bulk:{(r * size + i) % 5000}",
                 "amount": 1, "asset": "USD/2"}]}}
            for i in range(size)
        ]).encode()
        for r in range(requests)
    ]
    statuses: list[int] = []
    async with httpx.AsyncClient(timeout=300) as client:
        queue = list(bodies)
        started = time.perf_counter()

        async def worker() -> None:
            while queue:
                body = queue.pop()
                response = await client.post(url, content=body, headers=headers)
                statuses.append(response.status_code)

        await asyncio.gather(*[worker() for _ in range(concurrency)])
        elapsed = time.perf_counter() - started
    return {"postings": requests * size, "elapsed": elapsed,
            "errors": sum(1 for s in statuses if s != 200)}


def _load_process(kind: str, args: tuple[Any, ...], out: Any) -> None:
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    if kind == "single":
        out.put(asyncio.run(_single_load(*args)))
    else:
        out.put(asyncio.run(_bulk_load(*args)))


def run_load(kind: str, *args: Any) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_load_process, args=(kind, args, queue))
    process.start()
    result: dict[str, Any] = queue.get(timeout=900)
    process.join(timeout=60)
    return result


# -- server -------------------------------------------------------------------------------------


def create_database(url: str | None) -> tuple[str, str | None]:
    if url and not url.startswith("postgresql"):
        return url, None
    if url:
        return url, None
    import psycopg

    name = f"coffer_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}", name


def drop_database(name: str | None) -> None:
    if name is None:
        return
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=None, help="default: a fresh PostgreSQL database")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--bulk-requests", type=int, default=20)
    parser.add_argument("--bulk-size", type=int, default=1000)
    parser.add_argument("--bulk-concurrency", type=int, default=2)
    options = parser.parse_args()

    import httpx

    import coffer
    from coffer.api.auth import SCOPES, create_client

    url, created = create_database(options.database)
    folder = tempfile.mkdtemp(prefix="coffer-bench-")
    env = {
        **os.environ,
        "COFFER_DATABASE_URL": url,
        "COFFER_SIGNING_KEY_FILE": os.path.join(folder, "signing.key"),
        "COFFER_LOG_REQUESTS": "false",
    }
    os.environ["COFFER_SIGNING_KEY_FILE"] = env["COFFER_SIGNING_KEY_FILE"]
    server = None
    try:
        with coffer.open(url) as instance:
            credentials = create_client(instance.engine, "bench", SCOPES)
            instance.create_ledger("bench")
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [sys.executable, "-m", "coffer.cli.main", "serve", "--port", str(port),
             "--log-level", "warning"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        for _ in range(300):
            try:
                if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        access = token(base_url, credentials.client_id, credentials.client_secret)
        idle = rss_mib(server.pid)
        watch = MemoryWatch(server.pid)
        watch.start()

        single = run_load("single", base_url, access, options.seconds, options.connections)
        rate = single["count"] / single["elapsed"]
        print(f"backend: {url.split(':')[0]}  connections: {options.connections}")
        print(
            f"single POST /transactions: {single['count']} in {single['elapsed']:.1f}s = "
            f"{rate:,.0f} tx/s  p50 {single['p50'] * 1000:.1f} ms  p99 {single['p99'] * 1000:.1f} ms"
            f"  errors {single['errors']}"
        )
        print(f"  target >= 3,000 tx/s, p99 < 50 ms: ratio {rate / 3000:.2f}")

        bulk = run_load(
            "bulk", base_url, access, options.bulk_requests, options.bulk_size,
            options.bulk_concurrency,
        )
        posting_rate = bulk["postings"] / bulk["elapsed"]
        print(
            f"_bulk ({options.bulk_size} postings/request, parallel=true): {bulk['postings']} "
            f"postings in {bulk['elapsed']:.1f}s = {posting_rate:,.0f} postings/s"
            f"  errors {bulk['errors']}"
        )
        print(f"  target >= 30,000 postings/s: ratio {posting_rate / 30000:.2f}")
        watch.stop.set()
        print(f"server RSS: idle {idle:.0f} MiB, peak under load {watch.peak:.0f} MiB")
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                server.kill()
        drop_database(created)


if __name__ == "__main__":
    main()
