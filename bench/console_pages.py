"""Server time of the console's transactions page and overview on a ledger of 1,000,000
transactions: p50 and p95 (target: p95 < 150 ms), each also as a ratio to the ledger
API's own listing of the same page (GET /api/ledger/v2/{ledger}/transactions, 25 per
page) measured in the same run.

./dev bench console_pages [--transactions 1000000] [--requests 200] [--backend sqlite|postgresql|both]

On PostgreSQL the tables are ANALYZEd after the build (as autovacuum does on its own).
The ledger is built through the bulk path (``Ledger.post_many``, batches of 2,000
transactions, two assets, timestamps spread over 60 days): every transaction is
journaled, hashed and balanced as any other. Requests go through the ASGI app in
process (no socket), signed in as a console operator; each page is asked ``--requests``
times: the newest page, deep pages (a random ``before`` cursor), an account filter, and
the overview once its daily volumes have caught up (the catch-up is timed on its own).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from starlette.testclient import TestClient

import coffer
from coffer import Posting
from coffer.ledger.models import TransactionRequest
from common import fresh_database, signing_key_env

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tests.web.conftest import sign_in_console

BATCH = 2_000
ACCOUNTS = 10_000
PASSWORD = "bench operator password 9731"
LEDGER = "bench"


def build(book: coffer.Coffer, transactions: int) -> float:
    """Post ``transactions`` transactions; returns the seconds it took."""
    ledger = book.ledger(LEDGER)
    start = datetime.now(UTC) - timedelta(days=60)
    step = timedelta(days=60) / transactions
    rng = random.Random(7)
    began = time.perf_counter()
    for first in range(0, transactions, BATCH):
        batch = []
        for i in range(first, min(first + BATCH, transactions)):
            asset = "USD/2" if i % 3 else "EUR/2"
            batch.append(
                TransactionRequest(
                    postings=[
                        Posting("world", f"users:{rng.randrange(ACCOUNTS)}", 100 + i % 5000, asset)
                    ],
                    timestamp=start + step * i,
                    metadata={"order": f"o{i}"},
                )
            )
        results = ledger.post_many(batch)
        failed = [r for r in results if isinstance(r, Exception)]
        assert not failed, failed[:3]
        if (first // BATCH) % 25 == 0:
            done = first + len(batch)
            rate = done / (time.perf_counter() - began)
            print(f"  built {done:,} transactions ({rate:,.0f}/s)", flush=True)
    posted = time.perf_counter() - began
    ledger.catch_up_balances()
    ledger.list_postings()
    print(
        f"  posted in {posted:.1f} s, balances and posting lists caught up in"
        f" {time.perf_counter() - began - posted:.1f} s",
        flush=True,
    )
    return time.perf_counter() - began


def timed(call: Callable[[], object], count: int) -> list[float]:
    out = []
    for _ in range(count):
        began = time.perf_counter()
        call()
        out.append((time.perf_counter() - began) * 1000)
    return out


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18]


def run(backend: str, transactions: int, requests: int) -> None:
    from coffer.api import create_app
    from coffer.api.auth import create_client
    from coffer.api.settings import ApiSettings
    from coffer.identity.operators.service import create_operator

    with fresh_database(backend) as url, coffer.open(url) as book:
        print(f"[{backend}] building {transactions:,} transactions ...", flush=True)
        seconds = build(book, transactions)
        print(
            f"[{backend}] built in {seconds:.1f} s ({transactions / seconds:,.0f} transactions/s)"
        )
        if backend == "postgresql":
            # the statistics autovacuum keeps on a table this size (a bulk load outruns it)
            with book.engine.connect().execution_options(
                isolation_level="AUTOCOMMIT"
            ) as connection:
                connection.exec_driver_sql("ANALYZE")
        with book.engine.begin() as connection:
            create_operator(connection, email="bench@example.com", role="viewer", password=PASSWORD)
        credentials = create_client(book.engine, "bench", ("ledger:read",))
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
            base = f"/console/ledgers/{LEDGER}/transactions"
            rng = random.Random(11)

            def ok(response: object) -> object:
                assert response.status_code == 200, response.text[:300]  # type: ignore[attr-defined]
                return response

            began = time.perf_counter()
            views = 0
            while "Counted" in ok(client.get("/console/")).text:  # type: ignore[attr-defined]
                views += 1
            catch_up = time.perf_counter() - began
            print(
                f"[{backend}] overview volumes caught up over {views + 1} views in {catch_up:.1f} s"
            )

            ok(client.get(base))
            ok(client.get(f"/api/ledger/v2/{LEDGER}/transactions?pageSize=25", headers=api))
            figures = {
                "API listing, newest 25 (reference)": timed(
                    lambda: ok(
                        client.get(f"/api/ledger/v2/{LEDGER}/transactions?pageSize=25", headers=api)
                    ),
                    requests,
                ),
                "transactions page, newest": timed(lambda: ok(client.get(base)), requests),
                "transactions page, deep (random cursor)": timed(
                    lambda: ok(
                        client.get(base, params={"before": rng.randrange(25, transactions)})
                    ),
                    requests,
                ),
                "transactions page, account filter": timed(
                    lambda: ok(
                        client.get(base, params={"account": f"users:{rng.randrange(ACCOUNTS)}"})
                    ),
                    requests,
                ),
                "overview": timed(lambda: ok(client.get("/console/")), requests),
            }
        reference = p95(figures["API listing, newest 25 (reference)"])
        print(
            f"[{backend}] {transactions:,} transactions, {requests} requests each; server time in ms"
        )
        print(f"{'page':<42} {'p50':>8} {'p95':>8} {'p95 / reference':>16}")
        for name, values in figures.items():
            print(
                f"{name:<42} {statistics.median(values):8.1f} {p95(values):8.1f} {p95(values) / reference:16.2f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--transactions", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="sqlite")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    os.environ.setdefault("COFFER_JWT_KEY_FILE", os.path.join(tempfile.mkdtemp(), "jwt.keys"))
    with signing_key_env():
        for backend in backends:
            run(backend, args.transactions, args.requests)


if __name__ == "__main__":
    main()
