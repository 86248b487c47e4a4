"""A flood of wrong client secrets (bounded, 127.0.0.1 only) leaves the server's memory
bounded and ``/healthz`` answering fast.

Rate limits and lockouts are turned off here, so that every attempt reaches the secret
check (the worst case: an attacker with many addresses and many client ids): what bounds
the server is the verification gate (``secret_hash_concurrency`` Argon2 checks at once,
``secret_hash_queue`` waiting, 503 beyond). Runs on SQLite: the database is not what is
measured.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

import coffer
from coffer.api.auth import create_client

pytestmark = pytest.mark.slow

CONNECTIONS = 64
FLOOD_SECONDS = 12.0
MAX_GROWTH_MIB = 200
HEALTHZ_P95_SECONDS = 0.100


class RssWatch(threading.Thread):
    def __init__(self, pid: int) -> None:
        import psutil

        super().__init__(daemon=True)
        self.process = psutil.Process(pid)
        self.peak = 0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(0.05):
            self.peak = max(self.peak, self.process.memory_info().rss)


ATTACKER = """
import asyncio, json, sys, time
import httpx

base_url, client_id, seconds, connections = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
statuses = {}
form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": "no"}

async def attacker(http, deadline):
    for _ in range(100_000):  # bounded; the deadline ends it first
        if time.monotonic() > deadline:
            return
        try:
            response = await http.post("/api/auth/oauth/token", data=form)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        except httpx.HTTPError:
            statuses[0] = statuses.get(0, 0) + 1

async def main():
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    deadline = time.monotonic() + seconds
    async with httpx.AsyncClient(base_url=base_url, timeout=30, limits=limits) as http:
        await asyncio.gather(*(attacker(http, deadline) for _ in range(connections)))

asyncio.run(main())
print(json.dumps(statuses))
"""


def flood(base_url: str, client_id: str) -> tuple[dict[str, int], list[float]]:
    """Wrong secrets from a process of their own, /healthz probed from this one."""
    import httpx

    assert base_url.startswith("http://127.0.0.1:")
    attackers = subprocess.Popen(
        [sys.executable, "-c", ATTACKER, base_url, client_id, str(FLOOD_SECONDS), str(CONNECTIONS)],
        stdout=subprocess.PIPE,
    )
    latencies: list[float] = []
    deadline = time.monotonic() + FLOOD_SECONDS
    try:
        with httpx.Client(base_url=base_url, timeout=10) as http:
            time.sleep(1.5)  # let the flood build up
            for _ in range(10_000):
                if time.monotonic() > deadline:
                    break
                started = time.perf_counter()
                response = http.get("/healthz")
                latencies.append(time.perf_counter() - started)
                assert response.status_code == 200
                time.sleep(0.05)
        output, _ = attackers.communicate(timeout=FLOOD_SECONDS + 60)
    finally:
        if attackers.poll() is None:
            attackers.kill()
    return json.loads(output), latencies


@pytest.fixture
def full_cost_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The victim's secret hashed at Argon2's real cost (tests/conftest.py lowers it for
    the other tests): that cost is what the gate bounds, and what this test measures."""
    from argon2 import PasswordHasher

    monkeypatch.setattr("coffer.api.clients._hasher", PasswordHasher())


def test_a_flood_of_wrong_secrets_keeps_memory_bounded_and_healthz_fast(
    tmp_path: Path, server_control: tuple[Any, Any], full_cost_hashes: None
) -> None:
    import httpx

    start_server, stop_server = server_control
    url = f"sqlite:///{tmp_path}/flood.db"
    with coffer.open(url) as instance:
        victim = create_client(instance.engine, "victim", ("ledger:read",))
    env = {
        "COFFER_TOKEN_RATE_PER_CLIENT": "0",
        "COFFER_TOKEN_RATE_PER_ADDRESS": "0",
        "COFFER_TOKEN_LOCKOUT_FAILURES": "0",
        "COFFER_LOG_REQUESTS": "false",
        "COFFER_RUN_WORKER": "false",
    }
    process, base_url, _log = start_server(url, tmp_path, env=env)
    try:
        good = {
            "grant_type": "client_credentials",
            "client_id": victim.client_id,
            "client_secret": victim.client_secret,
        }
        warm = httpx.post(f"{base_url}/api/auth/oauth/token", data=good, timeout=30)
        assert warm.status_code == 200  # one Argon2 check already made: its pages are mapped
        watch = RssWatch(process.pid)
        baseline = watch.process.memory_info().rss
        watch.start()
        statuses, latencies = flood(base_url, victim.client_id)
        watch.stopped.set()
        watch.join()
        growth_mib = (watch.peak - baseline) / 2**20
        p95 = statistics.quantiles(latencies, n=20)[18]
        print(
            f"statuses {statuses}, RSS {baseline / 2**20:.0f} MiB -> peak "
            f"{watch.peak / 2**20:.0f} MiB, /healthz p50 "
            f"{statistics.median(latencies) * 1000:.1f} ms p95 {p95 * 1000:.1f} ms"
        )
        assert set(statuses) <= {"401", "503"}, statuses
        assert statuses.get("401", 0) > 0  # secrets were checked, not only refused
        assert growth_mib < MAX_GROWTH_MIB, growth_mib
        assert p95 < HEALTHZ_P95_SECONDS, p95
        after = httpx.post(f"{base_url}/api/auth/oauth/token", data=good, timeout=30)
        assert after.status_code == 200  # the real client still gets in afterwards
    finally:
        stop_server(process)
