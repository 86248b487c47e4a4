"""Cursor paging of the Formance list endpoints (accounts, transactions, logs, ledgers,
volumes) and the HEAD count endpoints: every page is reached once through ``next``, a
cursor that does not decode or whose fields are of the wrong type is a 400, and HEAD
answers the number in the ``Count`` header."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

import coffer
from coffer import Posting
from coffer.api import create_app
from coffer.api.auth import create_client
from coffer.api.settings import ApiSettings

BASE = "/api/ledger/v2"
ACCOUNTS = 5


@pytest.fixture
def api(database_url: str, tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    instance = coffer.open(database_url)
    ledger = instance.ledger("main")
    for index in range(ACCOUNTS):
        ledger.post([Posting("world", f"users:{index}", 10 + index, "USD")])
    settings = ApiSettings(
        jwt_key_file=str(tmp_path / "jwt.keys"), run_worker=False, log_requests=False
    )
    app = create_app(instance, api_settings=settings)
    credentials = create_client(instance.engine, "pager", ("ledger:read",))
    try:
        with TestClient(app) as client:
            answer = client.post(
                "/api/auth/oauth/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": credentials.client_id,
                    "client_secret": credentials.client_secret,
                },
            )
            assert answer.status_code == 200, answer.text
            yield client, {"Authorization": f"Bearer {answer.json()['access_token']}"}
    finally:
        instance.close()


def _pages(client: TestClient, headers: dict[str, str], path: str) -> list[dict[str, Any]]:
    """Every page of ``path`` (2 per page), following ``next`` until ``hasMore`` is false."""
    pages: list[dict[str, Any]] = []
    params: dict[str, Any] = {"pageSize": 2}
    for _ in range(20):
        answer = client.get(f"{BASE}{path}", params=params, headers=headers)
        assert answer.status_code == 200, answer.text
        page = answer.json()["cursor"]
        pages.append(page)
        if not page["hasMore"]:
            return pages
        params = {"cursor": page["next"]}
    raise AssertionError("paging did not end")


@pytest.mark.parametrize(
    ("path", "key", "total"),
    [
        ("/main/accounts", "address", ACCOUNTS + 1),  # the users and world
        ("/main/transactions", "id", ACCOUNTS),
        ("/main/logs", "id", ACCOUNTS),
        ("/main/volumes", "account", ACCOUNTS + 1),
    ],
)
def test_every_object_is_on_one_page(
    api: tuple[TestClient, dict[str, str]], path: str, key: str, total: int
) -> None:
    client, headers = api
    pages = _pages(client, headers, path)
    seen = [item[key] for page in pages for item in page["data"]]
    assert len(seen) == total and len(set(seen)) == total
    assert all(page["pageSize"] == 2 for page in pages)
    assert all("next" in page for page in pages[:-1]) and "next" not in pages[-1]


def test_volumes_pages_link_back(api: tuple[TestClient, dict[str, str]]) -> None:
    client, headers = api
    pages = _pages(client, headers, "/main/volumes")
    assert "previous" not in pages[0]
    assert all("previous" in page for page in pages[1:])
    back = client.get(
        f"{BASE}/main/volumes", params={"cursor": pages[1]["previous"]}, headers=headers
    )
    assert back.json()["cursor"]["data"] == pages[0]["data"]


def test_ledgers_page(api: tuple[TestClient, dict[str, str]]) -> None:
    client, headers = api
    answer = client.get(BASE, params={"pageSize": 1}, headers=headers)
    assert answer.status_code == 200, answer.text
    assert [ledger["name"] for ledger in answer.json()["cursor"]["data"]] == ["main"]


def _cursor(state: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(state).encode()).decode()


@pytest.mark.parametrize(
    ("path", "cursor"),
    [
        ("/main/accounts", "not a cursor"),
        ("/main/accounts", _cursor({"size": "two"})),
        ("/main/accounts", _cursor({"size": 2, "after": 7})),
        ("/main/transactions", _cursor({"size": 2, "after": ["x"]})),
        ("/main/transactions", _cursor({"size": 2, "q": [1]})),
        ("/main/logs", _cursor({"size": 2, "before": "x"})),
        ("/main/volumes", _cursor({"size": 2})),  # no offset
        ("", _cursor({"size": 2, "after": 1})),
    ],
)
def test_a_bad_cursor_is_refused(
    api: tuple[TestClient, dict[str, str]], path: str, cursor: str
) -> None:
    client, headers = api
    answer = client.get(f"{BASE}{path}", params={"cursor": cursor}, headers=headers)
    assert answer.status_code == 400, answer.text
    assert "invalid cursor" in answer.json()["errorMessage"]


@pytest.mark.parametrize(
    ("path", "count"), [("accounts", ACCOUNTS + 1), ("transactions", ACCOUNTS)]
)
def test_head_counts(api: tuple[TestClient, dict[str, str]], path: str, count: int) -> None:
    client, headers = api
    answer = client.head(f"{BASE}/main/{path}", headers=headers)
    assert answer.status_code == 204
    assert answer.headers["Count"] == str(count)
