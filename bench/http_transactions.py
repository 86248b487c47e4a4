"""HTTP throughput of ``coffer serve``: single-transaction POSTs and ``_bulk`` postings.

    .venv/bin/python bench/http_transactions.py [--database postgresql://root@127.0.0.1/x]
        [--seconds 10] [--connections 64] [--bulk-size 1000] [--bulk-concurrency 2]
        [--generator auto|wrk|python] [--processes 4] [--log-requests] [--pin-cpu]

Starts the server in a subprocess (PostgreSQL by default: a fresh ``coffer_bench_*``
database, dropped afterwards), then load from other processes: ``--connections``
keep-alive connections posting one transaction each (world -> one of 1,000 accounts),
with ``wrk`` when installed (else ``--processes`` Python client processes on raw asyncio
streams), then ``--bulk-concurrency`` connections posting ``_bulk`` requests of
``--bulk-size`` transactions (``parallel=true``). Prints transactions/s with p50/p99
latency, postings/s, the CPU time the server and PostgreSQL spent per request (wall
figures depend on whatever else loads the machine; CPU per request much less), the load
average, and the server's resident memory. Targets: >= 3,000 tx/s with p99 < 50 ms;
bulk >= 30,000 postings/s. Only loopback traffic; every loop is bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import shutil
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


# -- load generators ----------------------------------------------------------------------------
#
# A Python client (httpx) needs more CPU per request than the server does: measured with
# one it reports the client, not Coffer. So the single-transaction load comes from `wrk`
# when it is installed (apt-get install wrk), else from several processes of a minimal
# HTTP/1.1 client over raw asyncio streams. Either way it is another process.

WRK_SCRIPT = """
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer %(token)s"
wrk.headers["Content-Type"] = "application/json"
local counter = 0
request = function()
  counter = counter + 1
  local body = '{"postings":[{"source":"world","destination":"users:' .. (counter %% 1000)
    .. '","amount":100,"asset":"USD/2"}]}'
  return wrk.format(nil, nil, nil, body)
end
done = function(summary, latency, requests)
  local bad = summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT %%d %%d %%d %%d %%d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), bad))
end
"""


def wrk_load(url: str, access: str, seconds: float, connections: int) -> dict[str, Any] | None:
    wrk = shutil.which("wrk")
    if wrk is None:
        return None
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT % {"token": access})
    threads = max(1, min(2, connections))
    command = [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, int(seconds))}s",
        "-s",
        script.name,
        url,
    ]
    subprocess.run(
        [*command[:3], "-d1s", *command[4:]], capture_output=True, timeout=120
    )  # warm up
    output = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120)
    os.unlink(script.name)
    for line in output.stdout.splitlines():
        if line.startswith("RESULT "):
            count, duration, p50, p99, bad = (int(v) for v in line.split()[1:])
            return {
                "count": count,
                "errors": bad,
                "elapsed": duration / 1e6,
                "p50": p50 / 1e6,
                "p99": p99 / 1e6,
                "generator": "wrk",
            }
    raise RuntimeError(f"wrk gave no result: {output.stdout} {output.stderr}")


async def _raw_worker(
    host: str,
    port: int,
    path: str,
    headers: bytes,
    bodies: Any,
    deadline: float,
    latencies: list[float],
    errors: list[int],
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        for _ in range(10_000_000):  # bounded; the deadline ends it first
            if time.perf_counter() >= deadline:
                return
            body = next(bodies)
            started = time.perf_counter()
            writer.write(
                b"POST "
                + path
                + b" HTTP/1.1\r\n"
                + headers
                + b"Content-Length: "
                + str(len(body)).encode()
                + b"\r\n\r\n"
                + body
            )
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if status != 200:
                errors.append(status)
    finally:
        writer.close()


def _raw_process(
    base_url: str,
    access: str,
    path: str,
    seconds: float,
    connections: int,
    bodies_kind: str,
    offset: int,
    out: Any,
) -> None:
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    host, port = base_url.split("//", 1)[1].split(":")
    headers = (
        f"Host: {host}\r\nAuthorization: Bearer {access}\r\nContent-Type: application/json\r\n"
    ).encode()
    if bodies_kind == "single":

        def generate() -> Any:
            index = offset
            for _ in range(100_000_000):
                index += 1
                yield (
                    b'{"postings":[{"source":"world","destination":"users:%d",'
                    b'"amount":100,"asset":"USD/2"}]}' % (index % 1000)
                )

        bodies = generate()
    else:
        body = bulk_body(offset, int(bodies_kind.split(":")[1]))
        bodies = iter(lambda: body, None)

    async def run() -> dict[str, Any]:
        latencies: list[float] = []
        errors: list[int] = []
        started = time.perf_counter()
        await asyncio.gather(
            *[
                _raw_worker(
                    host,
                    int(port),
                    path.encode(),
                    headers,
                    bodies,
                    started + seconds,
                    latencies,
                    errors,
                )
                for _ in range(connections)
            ]
        )
        return {
            "latencies": latencies,
            "errors": len(errors),
            "elapsed": time.perf_counter() - started,
        }

    out.put(asyncio.run(run()))


def raw_load(
    base_url: str,
    access: str,
    path: str,
    seconds: float,
    connections: int,
    kind: str,
    processes: int,
) -> dict[str, Any]:
    """``connections`` keep-alive connections spread over ``processes`` client processes."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    processes = max(1, min(processes, connections))
    workers = [
        context.Process(
            target=_raw_process,
            args=(
                base_url,
                access,
                path,
                seconds,
                connections // processes + (1 if i < connections % processes else 0),
                kind,
                i * 7919,
                queue,
            ),
        )
        for i in range(processes)
    ]
    for worker in workers:
        worker.start()
    results = [queue.get(timeout=seconds + 300) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
    latencies = sorted(v for r in results for v in r["latencies"])
    return {
        "count": len(latencies),
        "errors": sum(r["errors"] for r in results),
        "elapsed": max(r["elapsed"] for r in results),
        "p50": statistics.median(latencies) if latencies else 0.0,
        "p99": latencies[max(0, int(len(latencies) * 0.99) - 1)] if latencies else 0.0,
        "generator": f"python ({processes} processes)",
    }


def bulk_body(offset: int, size: int = 1000) -> bytes:
    return json.dumps(
        [
            {
                "action": "CREATE_TRANSACTION",
                "data": {
                    "metadata": {},
                    "postings": [
                        {
                            "source": "world",
                            "destination": f"bulk:{(offset + i) % 5000}",
                            "amount": 1,
                            "asset": "USD/2",
                        }
                    ],
                },
            }
            for i in range(size)
        ]
    ).encode()


class CpuMeter:
    """CPU seconds used by the server process and by PostgreSQL's processes meanwhile."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid
        self.tick = os.sysconf("SC_CLK_TCK")

    def _ticks(self, pid: int) -> int:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            return int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            return 0

    def _postgres(self) -> dict[int, int]:
        out: dict[int, int] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/comm") as comm:
                        if comm.read().strip() != "postgres":
                            continue
                except OSError:
                    continue
                out[int(entry)] = self._ticks(int(entry))
        return out

    def __enter__(self) -> CpuMeter:
        self.server0 = self._ticks(self.server_pid)
        self.pg0 = self._postgres()
        self.load0 = os.getloadavg()[0]
        return self

    def __exit__(self, *_: object) -> None:
        self.server = (self._ticks(self.server_pid) - self.server0) / self.tick
        pg1 = self._postgres()
        self.postgres = sum(t - self.pg0.get(pid, 0) for pid, t in pg1.items()) / self.tick
        self.load1 = os.getloadavg()[0]

    def line(self, units: int, unit: str) -> str:
        return (
            f"  CPU: server {self.server:.2f}s = {self.server * 1e6 / max(units, 1):,.0f} "
            f"us/{unit}, PostgreSQL {self.postgres:.2f}s = "
            f"{self.postgres * 1e6 / max(units, 1):,.0f} us/{unit}; load average "
            f"{self.load0:.2f} -> {self.load1:.2f} ({os.cpu_count()} CPUs)"
        )


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
    parser.add_argument("--bulk-size", type=int, default=1000)
    parser.add_argument(
        "--log-requests",
        action="store_true",
        help="keep the server's per-request JSON log on (default off)",
    )
    parser.add_argument(
        "--bulk-concurrency", type=int, default=2, help="concurrent _bulk connections"
    )
    parser.add_argument(
        "--generator",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="auto: wrk when installed, else Python client processes",
    )
    parser.add_argument(
        "--processes", type=int, default=4, help="client processes of the Python generator"
    )
    parser.add_argument(
        "--pin-cpu", action="store_true", help="run the server with coffer serve --pin-cpu"
    )
    options = parser.parse_args()

    import httpx

    import coffer
    from coffer.api.auth import SCOPES, create_client

    url_of_db, created = create_database(options.database)
    folder = tempfile.mkdtemp(prefix="coffer-bench-")
    env = {
        **os.environ,
        "COFFER_DATABASE_URL": url_of_db,
        "COFFER_SIGNING_KEY_FILE": os.path.join(folder, "signing.key"),
        "COFFER_JWT_KEY_FILE": os.path.join(folder, "jwt.keys"),
        "COFFER_LOG_REQUESTS": "true" if options.log_requests else "false",
    }
    os.environ["COFFER_SIGNING_KEY_FILE"] = env["COFFER_SIGNING_KEY_FILE"]
    os.environ["COFFER_JWT_KEY_FILE"] = env["COFFER_JWT_KEY_FILE"]
    server = None
    try:
        with coffer.open(url_of_db) as instance:
            credentials = create_client(instance.engine, "bench", SCOPES)
            instance.create_ledger("bench")
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "coffer.cli.main",
                "serve",
                "--port",
                str(port),
                "--log-level",
                "warning",
                *(["--pin-cpu"] if options.pin_cpu else []),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
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

        url = f"{base_url}/api/ledger/v2/bench/transactions"
        with CpuMeter(server.pid) as cpu:
            single = None
            if options.generator in ("auto", "wrk"):
                single = wrk_load(url, access, options.seconds, options.connections)
            if single is None:
                single = raw_load(
                    base_url,
                    access,
                    "/api/ledger/v2/bench/transactions",
                    options.seconds,
                    options.connections,
                    "single",
                    options.processes,
                )
        rate = single["count"] / single["elapsed"]
        print(
            f"backend: {url_of_db.split(':')[0]}  connections: {options.connections}  "
            f"load generator: {single['generator']}"
        )
        print(
            f"single POST /transactions: {single['count']} in {single['elapsed']:.1f}s = "
            f"{rate:,.0f} tx/s  p50 {single['p50'] * 1000:.1f} ms  p99 {single['p99'] * 1000:.1f} ms"
            f"  errors {single['errors']}"
        )
        print(cpu.line(single["count"], "request"))
        print(f"  target >= 3,000 tx/s, p99 < 50 ms: ratio {rate / 3000:.2f}")

        with CpuMeter(server.pid) as cpu:
            bulk = raw_load(
                base_url,
                access,
                "/api/ledger/v2/bench/_bulk?parallel=true",
                options.seconds,
                options.bulk_concurrency,
                f"bulk:{options.bulk_size}",
                options.bulk_concurrency,
            )
        postings = bulk["count"] * options.bulk_size
        posting_rate = postings / bulk["elapsed"]
        print(
            f"_bulk ({options.bulk_size} postings/request, parallel=true, "
            f"{options.bulk_concurrency} connections): {postings} postings in "
            f"{bulk['elapsed']:.1f}s = {posting_rate:,.0f} postings/s  "
            f"p50 {bulk['p50'] * 1000:.0f} ms  errors {bulk['errors']}"
        )
        print(cpu.line(postings, "posting"))
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
