"""The hot write endpoints' fast path (coffer.api.fastpath) answers exactly as the FastAPI
routes do; NO_POSTINGS; the Formance logs leave out Coffer-only journal kinds.

An unknown query parameter (``?route=1``) makes the fast path hand a request to the route
(FastAPI ignores the parameter), so each case is sent both ways and compared.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.aio import run as run_coroutine

import coffer
from coffer.api import create_app
from coffer.api.auth import create_client
from coffer.api.deps import transaction_json, transaction_text
from coffer.api.fastpath import PostBatcher
from coffer.errors import CofferError, InsufficientFunds
from coffer.ledger import Posting, Transaction, TransactionRequest

VOLATILE = ("id", "timestamp", "insertedAt", "logID")


@pytest.fixture
def env(api_database_url: str) -> Iterator[dict[str, Any]]:
    """A server on the module's database, per test: the fresh ledgers a test makes hold
    their PostgreSQL connections until the Coffer closes, so each test closes its own."""
    instance = coffer.open(api_database_url)
    suffix = uuid.uuid4().hex[:8]
    writer = create_client(
        instance.engine, f"writer-{suffix}", ("ledger:read", "ledger:write", "ledger:force")
    )
    reader = create_client(instance.engine, f"reader-{suffix}", ("ledger:read",))
    with TestClient(create_app(instance)) as client:
        tokens = {}
        for name, credentials in (("writer", writer), ("reader", reader)):
            form = {
                "grant_type": "client_credentials",
                "client_id": credentials.client_id,
                "client_secret": credentials.client_secret,
            }
            tokens[name] = client.post("/api/auth/oauth/token", data=form).json()["access_token"]
        headers = {"Authorization": f"Bearer {tokens['writer']}"}
        main = client.post("/api/ledger/v2/main", headers=headers)
        assert main.status_code in (204, 400), main.text  # 400: made by an earlier test
        yield {
            "client": client,
            "headers": headers,
            "coffer": instance,
            "reader": {"Authorization": f"Bearer {tokens['reader']}"},
        }
    instance.close()


def scrub(value: Any) -> Any:
    """The response without what differs between two otherwise equal requests."""
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


def both_ways(
    env: dict[str, Any],
    path: str,
    body: Any,
    headers: dict[str, str] | None = None,
    query: str = "",
    ledgers: tuple[str, str] | None = None,
) -> tuple[Any, Any]:
    """(fast path response, route response) for the same request, each on a fresh ledger
    (so volumes match) unless ``ledgers`` names the two ledgers to use."""
    client: TestClient = env["client"]
    if ledgers is None:
        ledgers = (f"f{uuid.uuid4().hex[:10]}", f"r{uuid.uuid4().hex[:10]}")
        for name in ledgers:
            assert client.post(f"/api/ledger/v2/{name}", headers=env["headers"]).status_code == 204
    sent = env["headers"] if headers is None else headers
    payload = json.dumps(body)
    out = []
    for ledger, suffix in zip(
        ledgers, (query, f"{query}&route=1" if query else "route=1"), strict=True
    ):
        url = f"/api/ledger/v2/{ledger}{path}"
        response = client.post(
            f"{url}?{suffix}" if suffix else url,
            content=payload,
            headers={**sent, "Content-Type": "application/json"},
        )
        out.append((response.status_code, scrub(response.json())))
    return out[0], out[1]


def move(source: str, destination: str, amount: int, asset: str = "USD/2") -> dict[str, Any]:
    return {"source": source, "destination": destination, "amount": amount, "asset": asset}


TX = "/api/ledger/v2/main/transactions"
TXS = "/transactions"


@pytest.mark.parametrize(
    "body",
    [
        {"postings": [move("world", "fp:a", 100)]},
        {
            "postings": [move("world", "fp:a", 2**100), move("fp:a", "fp:b", 7)],
            "metadata": {"order": 'é"1\n'},
        },
        {"postings": [move("fp:nobody", "fp:a", 1)]},  # insufficient funds
        {"postings": [move("world", "fp:a", -1)]},  # negative amount
        {"postings": [move("world", "not an address", 1)]},
        {"postings": [move("world", "fp:a", 1, "usd")]},
        {"postings": [{"source": "world", "destination": "fp:a", "amount": "1", "asset": "USD/2"}]},
        {"postings": [move("world", "fp:a", 1)], "metadata": {"n": 1}},
        {"postings": []},
        {},
        [],
        {"postings": [move("fp:nobody", "fp:a", 5)], "force": True},
    ],
)
def test_transactions_fast_path_answers_as_the_route(env: dict[str, Any], body: Any) -> None:
    fast, route = both_ways(env, TXS, body)
    assert fast == route


def test_transactions_auth_ledger_and_flags_as_the_route(env: dict[str, Any]) -> None:
    body = {"postings": [move("world", "fp:c", 1)]}
    fast, route = both_ways(env, TXS, body, headers={})
    assert fast == route and fast[0] == 401
    fast, route = both_ways(env, TXS, body, headers={"Authorization": "Bearer nope"})
    assert fast == route and fast[0] == 401
    fast, route = both_ways(env, TXS, body, headers=env["reader"])
    assert fast == route and fast[0] == 403
    fast, route = both_ways(env, TXS, body, ledgers=("nowhere", "nowhere"))
    assert fast == route and fast[0] == 404
    fast, route = both_ways(
        env, TXS, {"postings": [move("fp:none", "fp:c", 3)]}, query="force=true"
    )
    assert fast == route and fast[0] == 200


def test_references_and_idempotency_keys(env: dict[str, Any]) -> None:
    client: TestClient = env["client"]
    key = {**env["headers"], "Idempotency-Key": f"k-{uuid.uuid4().hex}"}
    body = {"postings": [move("world", "fp:i", 5)], "reference": f"r-{uuid.uuid4().hex}"}
    first = client.post(TX, json=body, headers=key)
    again = client.post(TX, json=body, headers=key)
    assert first.status_code == again.status_code == 200
    assert first.json()["data"]["id"] == again.json()["data"]["id"]
    other = client.post(TX, json={**body, "metadata": {"x": "y"}}, headers=key)
    assert other.status_code == 400 and other.json()["errorCode"] == "VALIDATION"
    duplicate = client.post(TX, json=body, headers=env["headers"])
    assert duplicate.status_code == 409 and duplicate.json()["errorCode"] == "CONFLICT"


def test_no_postings(env: dict[str, Any]) -> None:
    client: TestClient = env["client"]
    for body in (
        {"postings": []},
        {"metadata": {"a": "b"}},
        {"script": {"plain": "  "}},
        {"script": {"plain": 'set_tx_meta("a", "b")'}},
    ):
        response = client.post(TX, json=body, headers=env["headers"])
        assert response.status_code == 400, body
        assert response.json()["errorCode"] == "NO_POSTINGS", body
    both = {
        "postings": [move("world", "fp:x", 1)],
        "script": {"plain": "send [USD/2 1] (source = @world destination = @fp:x)"},
    }
    response = client.post(TX, json=both, headers=env["headers"])
    assert response.status_code == 400 and response.json()["errorCode"] == "VALIDATION"


BULK = "/api/ledger/v2/main/_bulk"
BULKS = "/_bulk"


def test_bulk_fast_path_answers_as_the_route(env: dict[str, Any]) -> None:
    elements = [
        {"action": "CREATE_TRANSACTION", "data": {"postings": [move("world", "fb:a", 10)]}},
        {
            "action": "CREATE_TRANSACTION",
            "data": {"script": {"plain": "send [USD/2 1] (source = @world destination = @fb:b)"}},
        },
        {
            "action": "ADD_METADATA",
            "data": {"targetType": "ACCOUNT", "targetId": "fb:a", "metadata": {"k": "v"}},
        },
        {"action": "CREATE_TRANSACTION", "data": {"postings": [move("fb:none", "fb:a", 10)]}},
        {"action": "CREATE_TRANSACTION", "data": {"postings": []}},
        {"action": "CREATE_TRANSACTION", "data": {"postings": [move("world", "fb:c", 1)]}},
    ]
    for query in ("", "continueOnFailure=true", "parallel=true", "atomic=true"):
        fast, route = both_ways(env, BULKS, elements, query=query)
        assert fast == route, query
        assert fast[0] == 400
    fast, _ = both_ways(env, BULKS, elements, query="continueOnFailure=true")
    codes = [item.get("errorCode") for item in fast[1]["data"]]
    assert codes == [None, None, None, "INSUFFICIENT_FUND", "NO_POSTINGS", None]
    good = [e for i, e in enumerate(elements) if i not in (3, 4)]
    fast, route = both_ways(env, BULKS, good, query="atomic=true")
    assert fast[0] == 400  # atomic bulks take transactions only, not metadata (docs/api.md)
    fast, route = both_ways(env, BULKS, [elements[0], elements[5]], query="atomic=true")
    assert fast == route and fast[0] == 200
    fast, route = both_ways(env, BULKS, [elements[0], elements[1]], query="atomic=true")
    assert fast == route and fast[0] == 200  # postings and a script, all or nothing
    fast, route = both_ways(env, BULKS, [{"action": "NOPE"}])
    assert fast == route and fast[0] == 400


def test_bulk_of_plain_postings_is_one_ledger_call(
    env: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = env["coffer"].ledger("main")
    calls: list[int] = []
    original = type(ledger).post_many

    def counting(self: Any, batch: Any, **options: Any) -> Any:
        calls.append(len(batch))
        return original(self, batch, **options)

    monkeypatch.setattr(type(ledger), "post_many", counting)
    elements = [
        {"action": "CREATE_TRANSACTION", "data": {"postings": [move("world", f"one:{i}", 1)]}}
        for i in range(300)
    ]
    for query in ("parallel=true", "atomic=true", ""):
        calls.clear()
        response = env["client"].post(f"{BULK}?{query}", json=elements, headers=env["headers"])
        assert response.status_code == 200
        assert calls == [300], query


def test_formance_logs_leave_out_coffer_only_entries(env: dict[str, Any]) -> None:
    client: TestClient = env["client"]
    headers = env["headers"]
    assert client.post("/api/ledger/v2/logsonly", headers=headers).status_code == 204
    base = "/api/ledger/v2/logsonly"
    client.post(
        f"{base}/transactions", json={"postings": [move("world", "l:a", 10)]}, headers=headers
    )
    hold = client.post(
        f"{base}/holds", json={"postings": [move("l:a", "l:b", 4)]}, headers=headers
    ).json()["data"]
    client.post(f"{base}/holds/{hold['id']}/void", headers=headers)
    env["coffer"].ledger("logsonly").set_overdraft("l:a", "USD/2", 100)
    client.put(f"{base}/metadata", json={"team": "x"}, headers=headers)
    logs = client.get(f"{base}/logs", headers=headers).json()["cursor"]["data"]
    assert {log["type"] for log in logs} == {"NEW_TRANSACTION"}
    exported = client.post(f"{base}/logs/export", headers=headers).text.splitlines()
    assert [json.loads(line)["type"] for line in exported] == ["NEW_TRANSACTION"]
    journal = client.get(f"{base}/journal", headers=headers).json()
    types = [entry["type"] for entry in journal["data"]]
    assert {"NEW_TRANSACTION", "NEW_HOLD", "VOID_HOLD", "SET_OVERDRAFT"} <= set(types)
    page = client.get(f"{base}/journal?pageSize=2", headers=headers).json()
    assert page["hasMore"] and len(page["data"]) == 2
    rest = client.get(f"{base}/journal?afterSeq={page['next']}", headers=headers).json()
    assert [e["seq"] for e in page["data"] + rest["data"]] == [e["seq"] for e in journal["data"]]


def test_batcher_gathers_concurrent_posts(sqlite_url: str) -> None:
    with coffer.open(sqlite_url) as instance:
        ledger = instance.ledger("batch")
        batcher = PostBatcher(ledger)
        items = [
            TransactionRequest(postings=[Posting("world", f"b:{i}", i + 1, "USD/2")])
            for i in range(200)
        ]
        items.append(TransactionRequest(postings=[Posting("b:nobody", "b:0", 1, "USD/2")]))

        async def run() -> list[Any]:
            return await asyncio.gather(*[batcher.post(item) for item in items])

        results = run_coroutine(run())
        assert isinstance(results[-1], InsufficientFunds)
        created = results[:-1]
        assert all(isinstance(r, Transaction) for r in created)
        assert sorted(r.id for r in created) == list(range(200))
        assert ledger.balance("b:199", "USD/2") == 200
        assert not isinstance(run_coroutine(run())[0], CofferError)  # a second event loop


addresses = st.from_regex(r"\A[a-z]{1,5}(:[a-z0-9_-]{1,5}){0,2}\Z")
texts = st.text(max_size=8)


@settings(max_examples=200, deadline=None)
@given(
    postings=st.lists(
        st.tuples(
            addresses,
            addresses,
            st.integers(0, 2**128 - 1),
            st.sampled_from(["USD/2", "EUR", "ETH/18"]),
        ),
        max_size=4,
    ),
    metadata=st.dictionaries(texts, texts, max_size=3),
    reference=st.none() | texts,
    with_volumes=st.booleans(),
    micros=st.integers(0, 2**50),
)
def test_transaction_text_is_the_json_of_transaction_json(
    postings: list[tuple[str, str, int, str]],
    metadata: dict[str, str],
    reference: str | None,
    with_volumes: bool,
    micros: int,
) -> None:
    moves = [Posting(*p) for p in postings]
    volumes: dict[tuple[str, str], tuple[int, int]] = {}
    for index, p in enumerate(moves):
        for account in (p.source, p.destination):
            volumes[(account, p.asset)] = (p.amount + index, p.amount * 2)
    moment = datetime(2000, 1, 1, tzinfo=UTC) + timedelta(microseconds=micros)
    tx = Transaction(
        id=micros,
        postings=moves,
        metadata=metadata,
        timestamp=moment,
        inserted_at=moment + timedelta(seconds=1),
        reference=reference,
        volumes_after=tuple((a, s, i, o) for (a, s), (i, o) in volumes.items())
        if with_volumes
        else None,
    )
    expected = json.dumps(
        transaction_json(tx), ensure_ascii=False, allow_nan=False, separators=(",", ":")
    )
    assert transaction_text(tx) == expected


def test_background_log_handler_keeps_order_and_flushes() -> None:
    import io
    import logging

    from coffer.api.observability import BackgroundHandler, JsonFormatter, request_id_var

    stream = io.StringIO()
    handler = BackgroundHandler(stream, JsonFormatter())
    logger = logging.getLogger(f"coffer.test.{uuid.uuid4().hex}")
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.INFO)
    token = request_id_var.set("req-1")
    try:
        for index in range(500):
            logger.info("line %d", index)
    finally:
        request_id_var.reset(token)
    handler.flush()
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["message"] for line in lines] == [f"line {i}" for i in range(500)]
    assert {line["request_id"] for line in lines} == {"req-1"}
    logger.info("after flush")  # written through, at once
    assert json.loads(stream.getvalue().splitlines()[-1])["message"] == "after flush"
    handler.close()
