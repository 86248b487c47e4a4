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

import random
import secrets
import time

import coffer
from common import analyze, console_and_api, console_bench, fresh_database, ok, print_figures, timed

BATCH = 5_000
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
    with fresh_database(backend) as url, coffer.open(url) as book:
        print(f"[{backend}] writing {cases:,} risk cases ...", flush=True)
        seconds = build(book, cases)
        print(f"[{backend}] written in {seconds:.1f} s")
        analyze(book, backend)
        with console_and_api(book, "risk:read") as (client, api):
            rng = random.Random(11)
            now_ms = time.time_ns() // 1_000_000

            def deep_cursor() -> str:
                return f"rc_{now_ms - rng.randrange(60 * DAY_MS):012x}"

            reference = "/api/risk/v1/cases?limit=25"
            ok(client.get("/console/risk"))
            ok(client.get(reference, headers=api))
            figures = {
                "API listing, newest 25 (reference)": timed(
                    lambda: ok(client.get(reference, headers=api)), requests
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
        print_figures(
            f"[{backend}] {cases:,} cases, {requests} requests each; server time in ms",
            figures,
            "API listing, newest 25 (reference)",
        )


if __name__ == "__main__":
    console_bench(__doc__, "cases", 200_000, run)
