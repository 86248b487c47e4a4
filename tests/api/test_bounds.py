"""Bounds at the boundary: token rate limits and lockouts, the secret-verification gate,
request body limits (413 before reading) and invalid Unicode (400, nothing stored)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.types import Message
from tests.aio import run as run_coroutine

import coffer
from coffer.api import create_app
from coffer.api.auth import create_client
from coffer.api.boundary import RequestBoundary, lone_surrogate, text_problem
from coffer.api.ratelimit import Lockout, RateLimiter, SecretGate
from coffer.api.settings import ApiSettings
from coffer.errors import ServerBusy
from coffer.identity.audit import list_entries

TOKEN = "/api/auth/oauth/token"
TX = "/api/ledger/v2/main/transactions"
CUSTOMERS = "/api/wallets/v1/customers"


def make_app(database_url: str, folder: Path, **overrides: Any) -> tuple[Any, Any]:
    values: dict[str, Any] = {
        "jwt_key_file": str(folder / "jwt.keys"),
        "run_worker": False,
        "log_requests": False,
    }
    instance = coffer.open(database_url)
    instance.ledger("main")
    return instance, create_app(instance, api_settings=ApiSettings(**{**values, **overrides}))


def form(client_id: str, secret: str) -> dict[str, str]:
    return {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}


# -- the token endpoint ---------------------------------------------------------------------


@pytest.fixture
def limited(database_url: str, tmp_path: Path) -> Iterator[dict[str, Any]]:
    instance, app = make_app(
        database_url,
        tmp_path,
        token_rate_per_client=3,
        token_rate_per_address=6,
        token_lockout_failures=2,
        token_lockout_seconds=60,
    )
    user = create_client(instance.engine, "user", ("ledger:read",))
    other = create_client(instance.engine, "other", ("ledger:read",))
    authority = app.state.server.authority
    # time stands still: slow Argon2 checks on a busy machine must not refill the buckets
    authority.per_client.clock = authority.per_address.clock = lambda: 1000.0
    authority.lockout.clock = lambda: 1000.0
    with TestClient(app) as client:
        yield {"client": client, "user": user, "other": other, "coffer": instance}
    instance.close()


def test_token_requests_are_limited_per_client_and_per_address(limited: dict[str, Any]) -> None:
    client, user = limited["client"], limited["user"]
    good = form(user.client_id, user.client_secret)
    assert [client.post(TOKEN, data=good).status_code for _ in range(3)] == [200, 200, 200]
    refused = client.post(TOKEN, data=good)
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    # the address has 2 requests left this minute: another client spends them
    other = limited["other"]
    again = form(other.client_id, other.client_secret)
    assert [client.post(TOKEN, data=again).status_code for _ in range(3)] == [200, 200, 429]


def test_repeated_wrong_secrets_lock_the_client_out(limited: dict[str, Any]) -> None:
    client, user = limited["client"], limited["user"]
    wrong = form(user.client_id, "wrong")
    assert [client.post(TOKEN, data=wrong).status_code for _ in range(2)] == [401, 401]
    locked = client.post(TOKEN, data=form(user.client_id, user.client_secret))
    assert locked.status_code == 429, locked.text
    assert int(locked.headers["retry-after"]) == 61
    engine = limited["coffer"].engine
    lockouts = list_entries(engine, action="token.lockout")
    assert {entry.target for entry in lockouts} == {
        f"client:{user.client_id}",
        "address:testclient",
    }
    refusals = list_entries(engine, action="token.refused")
    assert len(refusals) == 2
    assert all(e.address == "testclient" and e.target == user.client_id for e in refusals)


def test_rate_limiter_and_lockout_bounds() -> None:
    now = [0.0]
    limiter = RateLimiter(60, max_keys=2, clock=lambda: now[0])
    assert [limiter.take("a") for _ in range(60)] == [0.0] * 60
    assert limiter.take("a") == pytest.approx(1.0)
    now[0] += 1.0
    assert limiter.take("a") == 0.0
    limiter.take("b")
    limiter.take("c")
    assert len(limiter._buckets) == 2  # the least recently used key is forgotten
    lockout = Lockout(3, 10, clock=lambda: now[0])
    assert [lockout.failed("k") for _ in range(3)] == [False, False, True]
    assert lockout.remaining("k") == pytest.approx(10)
    now[0] += 10.5
    assert lockout.remaining("k") == 0
    assert lockout.failed("k") is False  # a fresh count after the lockout ended


def test_the_secret_gate_bounds_running_and_waiting_verifications() -> None:
    gate = SecretGate(concurrency=1, queue=1, wait_seconds=5)
    inside = threading.Event()
    release = threading.Event()
    results: list[str] = []

    def hold() -> str:
        inside.set()
        release.wait(5)
        return "first"

    first = threading.Thread(target=lambda: results.append(gate.run(hold)))
    first.start()
    assert inside.wait(5)
    second = threading.Thread(target=lambda: results.append(gate.run(lambda: "second")))
    second.start()
    for _ in range(500):  # until the second one waits
        if gate._admitted == 2:
            break
        time.sleep(0.01)
    assert gate.full()
    with pytest.raises(ServerBusy):
        gate.run(lambda: "third")  # refused at once
    release.set()
    first.join(5)
    second.join(5)
    assert sorted(results) == ["first", "second"] and gate._admitted == 0
    gate.close()


# -- request bodies -------------------------------------------------------------------------


async def _run(
    app: RequestBoundary, headers: list[tuple[bytes, bytes]], chunks: list[bytes]
) -> tuple[int, int]:
    """(status answered, body messages read)."""
    reads = 0
    sent: list[Message] = []

    async def receive() -> Message:
        nonlocal reads
        reads += 1
        more = reads < len(chunks)
        return {"type": "http.request", "body": chunks[reads - 1], "more_body": more}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": TX, "headers": headers}
    await app(scope, receive, send)
    return int(sent[0]["status"]), reads


def test_an_oversized_body_is_refused_before_it_is_read() -> None:

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        raise AssertionError("the app must not run")

    boundary = RequestBoundary(inner, max_body_bytes=1024)
    declared = [(b"content-length", b"209715200"), (b"content-type", b"application/json")]
    status, reads = run_coroutine(_run(boundary, declared, [b"x"]))
    assert (status, reads) == (413, 0)
    streamed = [(b"transfer-encoding", b"chunked")]
    status, reads = run_coroutine(_run(boundary, streamed, [b"x" * 600] * 1000))
    assert (status, reads) == (413, 2)  # stops as soon as it passes the limit


@pytest.fixture
def small(database_url: str, tmp_path: Path) -> Iterator[dict[str, Any]]:
    instance, app = make_app(database_url, tmp_path, max_body_bytes=64 * 1024)
    writer = create_client(
        instance.engine,
        "writer",
        ("ledger:read", "ledger:write", "wallets:read", "wallets:write"),
    )
    with TestClient(app) as client:
        answer = client.post(TOKEN, data=form(writer.client_id, writer.client_secret))
        headers = {"Authorization": f"Bearer {answer.json()['access_token']}"}
        yield {"client": client, "headers": headers, "coffer": instance}
    instance.close()


def test_every_route_refuses_bodies_past_the_limit(small: dict[str, Any]) -> None:
    client, headers = small["client"], small["headers"]
    big = b'{"metadata": {"k": "' + b"x" * (70 * 1024) + b'"}}'
    json_headers = {**headers, "Content-Type": "application/json"}
    for path in (TX, "/api/ledger/v2/main/_bulk", "/api/wallets/v1/transfers", CUSTOMERS):
        response = client.post(path, content=big, headers=json_headers)
        assert response.status_code == 413, (path, response.text)
    anonymous = client.post(TX, content=big, headers={"Content-Type": "application/json"})
    assert anonymous.status_code == 413
    token = client.post(
        TOKEN,
        content=b"grant_type=client_credentials&x=" + b"y" * 17_000,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert token.status_code == 413 and token.json()["error"] == "invalid_request"
    wallets = client.post(CUSTOMERS, content=big, headers=json_headers).json()
    assert wallets["error"]["code"] == "payload_too_large"


def test_lone_surrogates_are_refused_and_nothing_is_stored(small: dict[str, Any]) -> None:
    client, headers = small["client"], small["headers"]
    json_headers = {**headers, "Content-Type": "application/json"}
    posting = '{"source": "world", "destination": "users:s", "amount": 1, "asset": "USD"}'
    for body in (
        '{"postings": [' + posting + '], "metadata": {"k": "\\ud800"}}',  # the fast path
        '{"postings": [' + posting + '], "metadata": {"\\udc00": "v"}}',
        '{"script": {"plain": "send [USD 1] (source = @world destination = @a)",'
        ' "vars": {}}, "metadata": {"k": "a\\ud83d"}}',  # the route
    ):
        response = client.post(TX, content=body.encode(), headers=json_headers)
        assert response.status_code == 400, (body, response.text)
        assert response.json()["details"] == "invalid_unicode"
    raw = b'{"postings": [' + posting.encode() + b'], "metadata": {"k": "\xed\xa0\x80"}}'
    assert client.post(TX, content=raw, headers=json_headers).status_code == 400
    count = client.head(TX, headers=headers).headers["count"]
    assert count == "0"
    pair = '{"postings": [' + posting + '], "metadata": {"k": "\\ud83d\\ude00 \\\\ud800"}}'
    stored = client.post(TX, content=pair.encode(), headers=json_headers)
    assert stored.status_code == 200, stored.text
    assert stored.json()["data"]["metadata"]["k"] == "\U0001f600 \\ud800"
    customer = '{"kind": "natural", "name": "Ann \\ud800", "metadata": {"phone": "1"}}'
    refused = client.post(CUSTOMERS, content=customer.encode(), headers=json_headers)
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "invalid_unicode"
    listed = client.get(CUSTOMERS, headers=headers)
    assert listed.status_code == 200 and listed.json()["data"] == []
    assert client.get("/api/wallets/v1/transfers", headers=headers).status_code == 200


def test_lone_surrogate_detection() -> None:
    assert not lone_surrogate(b'{"a": "plain", "b": "\\u00e9 \\ud83d\\ude00"}')
    assert not lone_surrogate(b'{"a": "\\\\ud800"}')  # an escaped backslash, then text
    assert lone_surrogate(b'{"a": "\\\\\\ud800"}')  # a backslash, then the escape
    assert lone_surrogate(b'{"a": "\\ud800"}')
    assert lone_surrogate(b'{"a": "\\udfff"}')
    assert lone_surrogate(b'{"a": "\\ud800\\u0041"}')
    assert lone_surrogate(b'{"a": "\\ud800x\\udc00"}')
    assert lone_surrogate(b'{"a": "\\uDBFF\\n"}')
    assert text_problem(b'{"a": "\xff"}') is not None
    assert text_problem('{"a": "é"}'.encode()) is None
