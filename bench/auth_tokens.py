"""Cost of the security checks: token verification with and without the per-request
client check, and ledger HTTP throughput with and without the request boundary.

    .venv/bin/python bench/auth_tokens.py [--verifications 200000] [--runs 5]
        [--http-seconds 6] [--http-runs 3] [--connections 32] [--database URL]

1. Tokens verified per second by ``Authority.authorize`` (a cached token, as every
   request after the first one with that token): with the check of the token's client
   (exists, enabled, same secret version; cached ``client_check_seconds``) and without
   it. Ratio: with / without.
2. Single-transaction POSTs per second through ``coffer serve`` (the ledger's fast
   path), with the request boundary (body limit and Unicode check,
   ``COFFER_CHECK_REQUEST_BODIES``) on and off, runs alternated. Ratio: on / off
   (target >= 0.95). SQLite by default (only loopback traffic; every loop is bounded).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import median
from http_transactions import free_port, raw_load, token


def verifications_per_second(
    count: int, runs: int, folder: Path
) -> tuple[list[float], list[float]]:
    import coffer
    from coffer.api.auth import Authority, create_client, sign_token
    from coffer.api.jwt_keys import Keyring
    from coffer.api.settings import ApiSettings

    with coffer.open(f"sqlite:///{folder}/tokens.db") as instance:
        credentials = create_client(instance.engine, "bench", ("ledger:read",))
        settings = ApiSettings(jwt_key_file=str(folder / "jwt.keys"))
        authority = Authority(instance.engine, Keyring(folder / "jwt.keys"), settings)
        access = sign_token(
            authority.keyring,
            credentials.client_id,
            ["ledger:read"],
            secret_version=1,
            ttl_seconds=3600,
        )
        header = f"Bearer {access}"
        authority.authorize(header, "ledger:read")
        checked: list[float] = []
        unchecked: list[float] = []
        for _ in range(runs):
            for check, out in ((True, checked), (False, unchecked)):
                authority.check_clients = check
                started = time.perf_counter()
                for _ in range(count):
                    authority.authorize(header, "ledger:read")
                out.append(count / (time.perf_counter() - started))
        authority.gate.close()
    return checked, unchecked


def boundary_overhead_us(count: int, runs: int) -> tuple[float, float]:
    """Microseconds per request through the request boundary and through a bare app
    (in process: a typical single-transaction POST, no network), medians of ``runs``."""
    import asyncio

    from coffer.api.boundary import RequestBoundary

    body = (
        b'{"postings":[{"source":"world","destination":"users:42","amount":100,"asset":"USD/2"}]}'
    )
    headers = [
        (b"host", b"127.0.0.1:8000"),
        (b"authorization", b"Bearer " + b"x" * 300),
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]

    async def app(scope: object, receive: object, send: object) -> None:
        message = await receive()  # type: ignore[operator]
        assert message["body"] == body

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: object) -> None:
        return None

    boundary = RequestBoundary(app, max_body_bytes=32 * 1024 * 1024)
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/api/ledger/v2/b/transactions",
        "headers": headers,
    }

    async def timed(target: object) -> float:
        started = time.perf_counter()
        for _ in range(count):
            await target(scope, receive, send)  # type: ignore[operator]
        return (time.perf_counter() - started) / count * 1e6

    with_boundary: list[float] = []
    bare: list[float] = []
    for _ in range(runs):
        with_boundary.append(asyncio.run(timed(boundary)))
        bare.append(asyncio.run(timed(app)))
    return median(with_boundary), median(bare)


def http_throughput(
    url: str, folder: Path, boundary: bool, seconds: float, connections: int
) -> float:
    import httpx

    import coffer
    from coffer.api.auth import DEFAULT_SCOPES, create_client

    with coffer.open(url) as instance:
        credentials = create_client(instance.engine, "bench", DEFAULT_SCOPES)
        if "bench" not in {info.name for info in instance.ledgers()}:
            instance.create_ledger("bench")
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "COFFER_DATABASE_URL": url,
        "COFFER_LOG_REQUESTS": "false",
        "COFFER_RUN_WORKER": "false",
        "COFFER_CHECK_REQUEST_BODIES": "true" if boundary else "false",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "coffer.cli.main", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(600):
            try:
                if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        access = token(base_url, credentials.client_id, credentials.client_secret)
        path = "/api/ledger/v2/bench/transactions"
        result = raw_load(base_url, access, path, seconds, connections, "single", 2)
        if result["errors"]:
            print(f"  ({result['errors']} requests answered with an error)", flush=True)
        return float(result["count"] / result["elapsed"])
    finally:
        server.terminate()
        server.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verifications", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--http-seconds", type=float, default=6.0)
    parser.add_argument("--http-runs", type=int, default=3, help="0 skips the HTTP part")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--database", default=None, help="default: a fresh SQLite file")
    options = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="coffer-bench-auth-"))
    os.environ["COFFER_SIGNING_KEY_FILE"] = str(folder / "signing.key")
    os.environ["COFFER_JWT_KEY_FILE"] = str(folder / "jwt.keys")
    checked, unchecked = verifications_per_second(options.verifications, options.runs, folder)
    print(
        f"tokens verified/s with the client check: median {median(checked):,.0f} "
        f"(runs: {', '.join(f'{v:,.0f}' for v in checked)})"
    )
    print(
        f"tokens verified/s without it:            median {median(unchecked):,.0f} "
        f"(runs: {', '.join(f'{v:,.0f}' for v in unchecked)})"
    )
    print(f"ratio with / without: {median(checked) / median(unchecked):.3f}", flush=True)
    through, bare = boundary_overhead_us(options.verifications, options.runs)
    print(
        f"request boundary: {through - bare:.2f} us per request in process "
        f"({through:.2f} us through it, {bare:.2f} us bare app)",
        flush=True,
    )
    if options.http_runs <= 0:
        return
    url = options.database or f"sqlite:///{folder}/http.db"
    on: list[float] = []
    off: list[float] = []
    for run in range(options.http_runs):
        pairs = ((True, on), (False, off))
        for boundary, out in pairs if run % 2 == 0 else pairs[::-1]:  # order alternated
            out.append(
                http_throughput(url, folder, boundary, options.http_seconds, options.connections)
            )
            print(f"  boundary {'on ' if boundary else 'off'}: {out[-1]:,.0f} tx/s", flush=True)
    print(
        f"ledger POST tx/s, boundary on: median {median(on):,.0f}; off: median "
        f"{median(off):,.0f}; ratio on / off: {median(on) / median(off):.3f} (target >= 0.95)"
    )


if __name__ == "__main__":
    main()
