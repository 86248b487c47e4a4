"""A real ``coffer serve`` (SQLite and PostgreSQL) driven only through Formance's Python SDK.

If these pass, a team using ``formance-sdk-python`` can point it at Coffer unchanged.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from formance_sdk_python import SDK
from formance_sdk_python.models import ledger as L
from formance_sdk_python.models import shared

if TYPE_CHECKING:
    from tests.api.conftest import LiveServer

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

BIG = 2**100 + 7  # beyond float and int64: must travel exactly


def sdk_for(server: LiveServer, *, reader: bool = False) -> SDK:
    client = server.reader if reader else server.writer
    return SDK(
        server_url=server.base_url,
        security=shared.Security(client_id=client.client_id, client_secret=client.client_secret),
    )


@pytest.fixture(scope="module")
def sdk(live_server: LiveServer) -> SDK:
    return sdk_for(live_server)


@pytest.fixture
def ledger(sdk: SDK) -> str:
    name = f"l{uuid.uuid4().hex[:12]}"
    sdk.ledger.v2.create_ledger(
        request={"ledger": name, "v2_create_ledger_request": {"metadata": {"team": "a"}}}
    )
    return name


def post(sdk: SDK, ledger: str, postings: list[dict[str, Any]], **extra: Any) -> Any:
    headers = extra.pop("idempotency_key", None)
    request: dict[str, Any] = {
        "ledger": ledger,
        "v2_post_transaction": {
            "metadata": extra.pop("metadata", {}),
            "postings": postings,
            **extra,
        },
    }
    if headers:
        request["idempotency_key"] = headers
    response = sdk.ledger.v2.create_transaction(request=request)
    assert response.v2_create_transaction_response is not None
    return response.v2_create_transaction_response.data


def move(source: str, destination: str, amount: int, asset: str = "USD/2") -> dict[str, Any]:
    return {"source": source, "destination": destination, "amount": amount, "asset": asset}


def error_of(call: Any) -> L.ErrorsV2ErrorResponse:
    with pytest.raises(L.ErrorsV2ErrorResponse) as caught:
        call()
    return caught.value


def test_server_info_and_ledgers(sdk: SDK, ledger: str) -> None:
    info = sdk.ledger.v2.get_info()
    assert info.v2_config_info is not None and info.v2_config_info.server == "coffer"
    got = sdk.ledger.v2.get_ledger(request={"ledger": ledger}).v2_get_ledger_response
    assert got is not None and got.data.name == ledger and got.data.metadata == {"team": "a"}
    names: list[str] = []
    cursor = None
    for _ in range(100):
        request: dict[str, Any] = {"page_size": 1, "request_body": {}}
        if cursor:
            request["cursor"] = cursor
        page = sdk.ledger.v2.list_ledgers(request=request).v2_ledger_list_response
        assert page is not None
        names += [item.name for item in page.cursor.data]
        cursor = page.cursor.next
        if not page.cursor.has_more:
            break
    assert ledger in names
    duplicate = error_of(
        lambda: sdk.ledger.v2.create_ledger(
            request={"ledger": ledger, "v2_create_ledger_request": {}}
        )
    )
    assert duplicate.status_code == 400
    assert duplicate.data.error_code == L.V2ErrorsEnum.LEDGER_ALREADY_EXISTS
    missing = error_of(lambda: sdk.ledger.v2.get_ledger(request={"ledger": "nope"}))
    assert missing.status_code == 404 and missing.data.error_code == L.V2ErrorsEnum.NOT_FOUND
    # ledger metadata
    sdk.ledger.v2.update_ledger_metadata(request={"ledger": ledger, "request_body": {"x": "1"}})
    sdk.ledger.v2.delete_ledger_metadata(request={"ledger": ledger, "key": "team"})
    got = sdk.ledger.v2.get_ledger(request={"ledger": ledger}).v2_get_ledger_response
    assert got is not None and got.data.metadata == {"x": "1"}
    stats = sdk.ledger.v2.read_stats(request={"ledger": ledger}).v2_stats_response
    assert stats is not None and stats.data.transactions == 0
    ledger_info = sdk.ledger.v2.get_ledger_info(request={"ledger": ledger})
    assert ledger_info.v2_ledger_info_response is not None


def test_postings_exact_big_amounts_and_volumes(sdk: SDK, ledger: str) -> None:
    tx = post(sdk, ledger, [move("world", "users:1:main", BIG)], metadata={"kind": "funding"})
    assert tx.postings[0].amount == BIG
    assert tx.post_commit_volumes is not None
    assert tx.post_commit_volumes["users:1:main"]["USD/2"].balance == BIG
    got = sdk.ledger.v2.get_transaction(
        request={"ledger": ledger, "id": tx.id, "expand": "volumes"}
    ).v2_get_transaction_response
    assert got is not None
    assert got.data.postings[0].amount == BIG
    assert got.data.metadata == {"kind": "funding"}
    assert got.data.post_commit_volumes is not None
    assert got.data.post_commit_volumes["world"]["USD/2"].output == BIG
    account = sdk.ledger.v2.get_account(
        request={"ledger": ledger, "address": "users:1:main", "expand": "volumes"}
    ).v2_account_response
    assert account is not None and account.data.volumes is not None
    assert account.data.volumes["USD/2"].balance == BIG


def test_script(sdk: SDK, ledger: str) -> None:
    post(sdk, ledger, [move("world", "users:alice", 1000)])
    script = """
vars {
  account $user
  monetary $amount
}
send $amount (
  source = $user
  destination = @platform:fees
)
"""
    response = sdk.ledger.v2.create_transaction(
        request={
            "ledger": ledger,
            "v2_post_transaction": {
                "metadata": {"via": "script"},
                "script": {
                    "plain": script,
                    "vars": {"user": "users:alice", "amount": "USD/2 250"},
                },
            },
        }
    ).v2_create_transaction_response
    assert response is not None
    tx = response.data
    assert [(p.source, p.destination, p.amount) for p in tx.postings] == [
        ("users:alice", "platform:fees", 250)
    ]
    balances = sdk.ledger.v2.get_balances_aggregated(
        request={"ledger": ledger, "request_body": {"$match": {"address": "users:alice"}}}
    ).v2_aggregate_balances_response
    assert balances is not None and balances.data == {"USD/2": 750}
    # a script that cannot pay fails with Formance's code
    failure = error_of(
        lambda: sdk.ledger.v2.create_transaction(
            request={
                "ledger": ledger,
                "v2_post_transaction": {
                    "metadata": {},
                    "script": {
                        "plain": script,
                        "vars": {"user": "users:alice", "amount": "USD/2 999999"},
                    },
                },
            }
        )
    )
    assert failure.status_code == 400
    assert failure.data.error_code == L.V2ErrorsEnum.INSUFFICIENT_FUND


def test_paging_transactions_and_accounts(sdk: SDK, ledger: str) -> None:
    ids = [post(sdk, ledger, [move("world", f"users:{i}", i + 1)]).id for i in range(7)]
    seen: list[int] = []
    cursor = None
    for _ in range(20):
        request: dict[str, Any] = {"ledger": ledger, "page_size": 3, "request_body": {}}
        if cursor:
            request["cursor"] = cursor
        page = sdk.ledger.v2.list_transactions(request=request).v2_transactions_cursor_response
        assert page is not None
        seen += [tx.id for tx in page.cursor.data]
        if not page.cursor.has_more:
            break
        cursor = page.cursor.next
    assert seen == sorted(ids, reverse=True)
    # reverse order, and a filter on an account
    page = sdk.ledger.v2.list_transactions(
        request={
            "ledger": ledger,
            "reverse": True,
            "request_body": {"$match": {"destination": "users:3"}},
        }
    ).v2_transactions_cursor_response
    assert page is not None and [tx.id for tx in page.cursor.data] == [ids[3]]
    count = sdk.ledger.v2.count_transactions(request={"ledger": ledger, "request_body": {}})
    assert count.headers["count"] == ["7"]
    accounts: list[str] = []
    cursor = None
    for _ in range(20):
        request = {
            "ledger": ledger,
            "page_size": 2,
            "request_body": {"$match": {"address": "users:"}},
        }
        if cursor:
            request["cursor"] = cursor
        apage = sdk.ledger.v2.list_accounts(request=request).v2_accounts_cursor_response
        assert apage is not None
        accounts += [a.address for a in apage.cursor.data]
        if not apage.cursor.has_more:
            break
        cursor = apage.cursor.next
    assert accounts == sorted(f"users:{i}" for i in range(7))
    counted = sdk.ledger.v2.count_accounts(request={"ledger": ledger, "request_body": {}})
    assert counted.headers["count"] == ["8"]  # with world


def test_aggregate_balances_now_and_in_the_past(sdk: SDK, ledger: str) -> None:
    past = datetime.now(UTC) - timedelta(days=2)
    post(sdk, ledger, [move("world", "shops:1", 100)], timestamp=past)
    post(sdk, ledger, [move("world", "shops:2", 40)], timestamp=past + timedelta(days=1))
    now = sdk.ledger.v2.get_balances_aggregated(
        request={"ledger": ledger, "request_body": {"$match": {"address": "shops:"}}}
    ).v2_aggregate_balances_response
    assert now is not None and now.data == {"USD/2": 140}
    then = sdk.ledger.v2.get_balances_aggregated(
        request={
            "ledger": ledger,
            "pit": past + timedelta(hours=1),
            "request_body": {"$match": {"address": "shops:"}},
        }
    ).v2_aggregate_balances_response
    assert then is not None and then.data == {"USD/2": 100}
    volumes = sdk.ledger.v2.get_volumes_with_balances(
        request={"ledger": ledger, "request_body": {"$match": {"address": "shops:"}}}
    ).v2_volumes_with_balance_cursor_response
    assert volumes is not None
    assert [(v.account, v.balance) for v in volumes.cursor.data] == [
        ("shops:1", 100),
        ("shops:2", 40),
    ]


def test_metadata(sdk: SDK, ledger: str) -> None:
    tx = post(sdk, ledger, [move("world", "users:m", 5)])
    sdk.ledger.v2.add_metadata_on_transaction(
        request={"ledger": ledger, "id": tx.id, "request_body": {"a": "1", "b": "2"}}
    )
    sdk.ledger.v2.delete_transaction_metadata(request={"ledger": ledger, "id": tx.id, "key": "a"})
    got = sdk.ledger.v2.get_transaction(request={"ledger": ledger, "id": tx.id})
    assert got.v2_get_transaction_response is not None
    assert got.v2_get_transaction_response.data.metadata == {"b": "2"}
    sdk.ledger.v2.add_metadata_to_account(
        request={"ledger": ledger, "address": "users:m", "request_body": {"tier": "gold", "x": "y"}}
    )
    sdk.ledger.v2.delete_account_metadata(
        request={"ledger": ledger, "address": "users:m", "key": "x"}
    )
    account = sdk.ledger.v2.get_account(request={"ledger": ledger, "address": "users:m"})
    assert account.v2_account_response is not None
    assert account.v2_account_response.data.metadata == {"tier": "gold"}
    found = sdk.ledger.v2.list_accounts(
        request={"ledger": ledger, "request_body": {"$match": {"metadata[tier]": "gold"}}}
    ).v2_accounts_cursor_response
    assert found is not None and [a.address for a in found.cursor.data] == ["users:m"]
    txs = sdk.ledger.v2.list_transactions(
        request={"ledger": ledger, "request_body": {"$match": {"metadata[b]": "2"}}}
    ).v2_transactions_cursor_response
    assert txs is not None and [t.id for t in txs.cursor.data] == [tx.id]


def test_revert(sdk: SDK, ledger: str) -> None:
    tx = post(sdk, ledger, [move("world", "users:r", 300)])
    reverted = sdk.ledger.v2.revert_transaction(request={"ledger": ledger, "id": tx.id})
    assert reverted.v2_create_transaction_response is not None
    back = reverted.v2_create_transaction_response.data
    assert [(p.source, p.destination, p.amount) for p in back.postings] == [
        ("users:r", "world", 300)
    ]
    got = sdk.ledger.v2.get_transaction(request={"ledger": ledger, "id": tx.id})
    assert got.v2_get_transaction_response is not None
    assert got.v2_get_transaction_response.data.reverted is True
    again = error_of(
        lambda: sdk.ledger.v2.revert_transaction(request={"ledger": ledger, "id": tx.id})
    )
    assert again.status_code == 400 and again.data.error_code == L.V2ErrorsEnum.ALREADY_REVERT
    missing = error_of(
        lambda: sdk.ledger.v2.revert_transaction(request={"ledger": ledger, "id": 999})
    )
    assert missing.status_code == 404


def test_bulk(sdk: SDK, ledger: str) -> None:
    elements = [
        {
            "action": "CREATE_TRANSACTION",
            "data": {"metadata": {}, "postings": [move("world", f"bulk:{i}", 10 + i)]},
        }
        for i in range(5)
    ]
    elements.append(
        {
            "action": "ADD_METADATA",
            "data": {"targetType": "ACCOUNT", "targetId": "bulk:0", "metadata": {"k": "v"}},
        }
    )
    response = sdk.ledger.v2.create_bulk(
        request={"ledger": ledger, "atomic": False, "request_body": elements}
    )
    assert response.status_code == 200
    assert response.v2_bulk_response is not None and response.v2_bulk_response.data is not None
    kinds = [item.response_type for item in response.v2_bulk_response.data]
    assert kinds == ["CREATE_TRANSACTION"] * 5 + ["ADD_METADATA"]
    atomic = sdk.ledger.v2.create_bulk(
        request={
            "ledger": ledger,
            "atomic": True,
            "request_body": [
                {
                    "action": "CREATE_TRANSACTION",
                    "data": {"metadata": {}, "postings": [move("bulk:0", "x", 5)]},
                },
                {
                    "action": "CREATE_TRANSACTION",
                    "data": {"metadata": {}, "postings": [move("bulk:1", "x", 10**6)]},
                },
            ],
        }
    )
    assert atomic.status_code == 400
    assert atomic.v2_bulk_response is not None and atomic.v2_bulk_response.data is not None
    assert any(item.response_type == "ERROR" for item in atomic.v2_bulk_response.data)
    balances = sdk.ledger.v2.get_balances_aggregated(
        request={"ledger": ledger, "request_body": {"$match": {"address": "bulk:0"}}}
    ).v2_aggregate_balances_response
    assert balances is not None and balances.data == {"USD/2": 10}  # nothing of the atomic bulk


def test_error_codes(sdk: SDK, ledger: str) -> None:
    post(sdk, ledger, [move("world", "users:e", 100)], reference="ref-1")
    poor = error_of(lambda: post(sdk, ledger, [move("users:e", "shop", 200)]))
    assert poor.status_code == 400 and poor.data.error_code == L.V2ErrorsEnum.INSUFFICIENT_FUND
    duplicate = error_of(
        lambda: post(sdk, ledger, [move("world", "users:e", 1)], reference="ref-1")
    )
    assert duplicate.status_code == 409 and duplicate.data.error_code == L.V2ErrorsEnum.CONFLICT
    first = post(sdk, ledger, [move("world", "users:e", 7)], idempotency_key="ik-1")
    replay = post(sdk, ledger, [move("world", "users:e", 7)], idempotency_key="ik-1")
    assert replay.id == first.id
    conflict = error_of(
        lambda: post(sdk, ledger, [move("world", "users:e", 8)], idempotency_key="ik-1")
    )
    assert conflict.status_code == 400 and conflict.data.error_code == L.V2ErrorsEnum.VALIDATION
    balances = sdk.ledger.v2.get_balances_aggregated(
        request={"ledger": ledger, "request_body": {"$match": {"address": "users:e"}}}
    ).v2_aggregate_balances_response
    assert balances is not None and balances.data == {"USD/2": 107}


def test_read_only_client_cannot_write(live_server: LiveServer, sdk: SDK, ledger: str) -> None:
    reader = sdk_for(live_server, reader=True)
    listed = reader.ledger.v2.list_transactions(request={"ledger": ledger, "request_body": {}})
    assert listed.status_code == 200
    # the SDK asks for ledger:write, which the client lacks: invalid_scope (RFC 6749 5.2)
    with pytest.raises(Exception, match="400 from token endpoint"):
        post(reader, ledger, [move("world", "users:x", 1)])
    count = sdk.ledger.v2.count_transactions(request={"ledger": ledger, "request_body": {}})
    assert count.headers["count"] == ["0"]


def test_logs(sdk: SDK, ledger: str) -> None:
    tx = post(sdk, ledger, [move("world", "users:l", 1)])
    sdk.ledger.v2.add_metadata_on_transaction(
        request={"ledger": ledger, "id": tx.id, "request_body": {"a": "1"}}
    )
    logs = sdk.ledger.v2.list_logs(request={"ledger": ledger, "request_body": {}})
    assert logs.v2_logs_cursor_response is not None
    types = [log.type for log in logs.v2_logs_cursor_response.cursor.data]
    assert [t.value if hasattr(t, "value") else t for t in types] == [
        "SET_METADATA",
        "NEW_TRANSACTION",
    ]
    export = sdk.ledger.v2.export_logs(request={"ledger": ledger})
    assert export.status_code == 200


def test_logs_with_holds_stay_readable(live_server: LiveServer, sdk: SDK, ledger: str) -> None:
    """Holds live only in Coffer's journal: the Formance logs leave them out (the SDK's
    log type enum does not know them), Coffer's /journal lists them."""
    import httpx

    post(sdk, ledger, [move("world", "users:h", 10)])
    form = {
        "grant_type": "client_credentials",
        "client_id": live_server.writer.client_id,
        "client_secret": live_server.writer.client_secret,
    }
    access = httpx.post(f"{live_server.base_url}/api/auth/oauth/token", data=form).json()
    headers = {"Authorization": f"Bearer {access['access_token']}"}
    base = f"{live_server.base_url}/api/ledger/v2/{ledger}"
    hold = httpx.post(
        f"{base}/holds", headers=headers, json={"postings": [move("users:h", "shop", 4)]}
    )
    assert hold.status_code == 201
    assert (
        httpx.post(f"{base}/holds/{hold.json()['data']['id']}/void", headers=headers).status_code
        == 200
    )
    logs = sdk.ledger.v2.list_logs(request={"ledger": ledger, "request_body": {}})
    assert logs.v2_logs_cursor_response is not None
    types = [log.type for log in logs.v2_logs_cursor_response.cursor.data]
    assert [t.value if hasattr(t, "value") else t for t in types] == ["NEW_TRANSACTION"]
    journal = httpx.get(f"{base}/journal", headers=headers).json()["data"]
    assert [entry["type"] for entry in journal] == ["NEW_TRANSACTION", "NEW_HOLD", "VOID_HOLD"]
