"""Server time of the console's risk case queue on a platform with many cases: p50 and
p95, each also as a ratio to the risk API's own listing of the same page
(GET /api/risk/v1/cases?limit=25) measured in the same run.

./dev bench console_domain_pages [--cases 200000] [--requests 200] [--backend sqlite|postgresql|both]

Cases are written in batches straight into the risk tables (ids sortable by their
creation time, spread over 60 days, a tenth of them open); requests go through the ASGI
app in process, signed in as a console operator (viewer). Pages: the newest page, deep
pages (a random cursor), "older than 24 hours" (the age filter), and the open cases.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import sys
import tempfile
import time

from starlette.testclient import TestClient

import coffer
from common import fresh_database, signing_key_env

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tests.web.conftest import sign_in_console

from console_pages import p95, timed

BATCH = 5_000
PASSWORD = "bench operator password 9731"
DAY_MS = 86_400_000


def build(book: coffer.Coffer, cases: int) -> float:
    from coffer.risk.online import tables as T

    began = time.perf_counter()
    now_ms = time.time_ns() // 1_000_000
    rng = random.Random(5)
    moments = sorted(now_ms - rng.randrange(60 * DAY_MS) for _ in range(cases))
    for start in range(0, cases, BATCH):
        rows = []
        for index, ms in enumerate(moments[start : start + BATCH], start):
            micros = ms * 1000
            rows.append(
                {
                    "id": f"rc_{ms:012x}{secrets.token_hex(6)}",
                    "platform_id": "plat_default",
                    "kind": ("review", "aml_alert", "sanctions")[index % 3],
                    "status": "open" if index % 10 == 0 else "closed",
                    "title": f"Case {index}",
                    "typology": None,
                    "customer_ids": f'["cus_{index % 5000}"]',
                    "transaction_ids": "[]",
                    "decision_id": None,
                    "movement_type": None,
                    "movement_id": None,
                    "assignee": None,
                    "due_at": micros + 86_400_000_000,
                    "decision": None,
                    "decision_reason": None,
                    "decided_by": None,
                    "narrative": None,
                    "created_at": micros,
                    "updated_at": micros,
                }
            )
        with book.engine.begin() as connection:
            connection.execute(T.cases.insert(), rows)
    return time.perf_counter() - began


def run(backend: str, cases: int, requests: int) -> None:
    from coffer.api import create_app
    from coffer.api.auth import create_client
    from coffer.api.settings import ApiSettings
    from coffer.identity.operators.service import create_operator

    with fresh_database(backend) as url, coffer.open(url) as book:
        print(f"[{backend}] writing {cases:,} risk cases ...", flush=True)
        seconds = build(book, cases)
        print(f"[{backend}] written in {seconds:.1f} s")
        if backend == "postgresql":
            with book.engine.connect().execution_options(
                isolation_level="AUTOCOMMIT"
            ) as connection:
                connection.exec_driver_sql("ANALYZE")
        with book.engine.begin() as connection:
            create_operator(connection, email="bench@example.com", role="viewer", password=PASSWORD)
        credentials = create_client(book.engine, "bench", ("risk:read",))
        app = create_app(book, api_settings=ApiSettings(run_worker=False))
        with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
            assert sign_in_console(client, "bench@example.com", PASSWORD).status_code == 303
            token = client.post(
                "/api/auth/oauth/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": credentials.client_id,
                    "client_secret": credentials.client_secret,
                },
            ).json()["access_token"]
            api = {"Authorization": f"Bearer {token}"}
            rng = random.Random(11)
            now_ms = time.time_ns() // 1_000_000

            def ok(response: object) -> object:
                assert response.status_code == 200, response.text[:300]  # type: ignore[attr-defined]
                return response

            def deep_cursor() -> str:
                return f"rc_{now_ms - rng.randrange(60 * DAY_MS):012x}"

            ok(client.get("/console/risk"))
            ok(client.get("/api/risk/v1/cases?limit=25", headers=api))
            figures = {
                "API listing, newest 25 (reference)": timed(
                    lambda: ok(client.get("/api/risk/v1/cases?limit=25", headers=api)), requests
                ),
                "case queue, newest": timed(lambda: ok(client.get("/console/risk")), requests),
                "case queue, deep (random cursor)": timed(
                    lambda: ok(client.get("/console/risk", params={"cursor": deep_cursor()})),
                    requests,
                ),
                "case queue, older than 24 hours": timed(
                    lambda: ok(client.get("/console/risk", params={"age": "24"})), requests
                ),
                "case queue, open cases": timed(
                    lambda: ok(client.get("/console/risk", params={"status": "open"})), requests
                ),
            }
        reference = p95(figures["API listing, newest 25 (reference)"])
        print(f"[{backend}] {cases:,} cases, {requests} requests each; server time in ms")
        print(f"{'page':<42} {'p50':>8} {'p95':>8} {'p95 / reference':>16}")
        for name, values in figures.items():
            print(
                f"{name:<42} {statistics.median(values):8.1f} {p95(values):8.1f}"
                f" {p95(values) / reference:16.2f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="sqlite")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    os.environ.setdefault("COFFER_JWT_KEY_FILE", os.path.join(tempfile.mkdtemp(), "jwt.keys"))
    with signing_key_env():
        for backend in backends:
            run(backend, args.cases, args.requests)


if __name__ == "__main__":
    main()
