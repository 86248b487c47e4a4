"""The audit log: hash-chained entries, verified by `coffer verify`, read through the API
and `coffer audit`."""

from __future__ import annotations

import threading
from pathlib import Path

import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import coffer
from coffer.api import create_app
from coffer.api.auth import create_client
from coffer.api.settings import ApiSettings
from coffer.cli.main import app as cli
from coffer.identity.audit import list_entries, record_now, verify_audit_chain
from coffer.identity.audit.tables import audit_head, audit_log


def cli_url(instance: coffer.Coffer) -> str:
    return instance.url.render_as_string(hide_password=False).replace("+psycopg", "")


def fill(engine: sa.Engine, count: int) -> None:
    for n in range(count):
        record_now(
            engine,
            actor=f"cl_{n % 3}",
            action="client.created" if n % 2 else "wallet.frozen",
            target=f"t{n}",
            address="203.0.113.7",
            details={"n": n, "note": "é"},
        )


def test_the_chain_verifies_and_an_edited_row_is_found(database_url: str) -> None:
    with coffer.open(database_url) as instance:
        engine = instance.engine
        fill(engine, 6)
        report = verify_audit_chain(engine)
        assert report.ok and report.entries == 6, report
        with engine.begin() as connection:
            connection.execute(
                audit_log.update().where(audit_log.c.seq == 3).values(details='{"n":99}')
            )
        broken = verify_audit_chain(engine)
        assert not broken.ok and broken.first_broken_seq == 3, broken
        result = CliRunner().invoke(cli, ["verify", "--database", cli_url(instance)])
        assert result.exit_code == 1
        assert "audit log TAMPERED at entry 3" in result.output


def test_deleted_entries_are_found(database_url: str) -> None:
    with coffer.open(database_url) as instance:
        engine = instance.engine
        fill(engine, 5)
        with engine.begin() as connection:
            connection.execute(audit_log.delete().where(audit_log.c.seq == 5))
        tail = verify_audit_chain(engine)
        assert not tail.ok and tail.first_broken_seq == 5, tail
        with engine.begin() as connection:
            connection.execute(audit_log.delete().where(audit_log.c.seq == 2))
        middle = verify_audit_chain(engine)
        assert not middle.ok and middle.first_broken_seq == 2, middle


def test_an_intact_log_passes_coffer_verify(database_url: str) -> None:
    with coffer.open(database_url) as instance:
        # real clients: verify checks the api_clients rows against their entries
        for name in ("a", "b", "c"):
            create_client(instance.engine, name, ("ledger:read",))
        result = CliRunner().invoke(cli, ["verify", "--database", cli_url(instance)])
        assert result.exit_code == 0, result.output
        assert "audit log intact (3 entries)" in result.output


def test_concurrent_records_stay_one_gapless_chain(database_url: str) -> None:
    with coffer.open(database_url) as instance:
        engine = instance.engine
        threads = [threading.Thread(target=fill, args=(engine, 10)) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        report = verify_audit_chain(engine)
        assert report.ok and report.entries == 40, report
        with engine.connect() as connection:
            assert connection.execute(sa.select(audit_head.c.next_seq)).scalar_one() == 41


def test_the_admin_api_pages_and_filters(database_url: str, tmp_path: Path) -> None:
    with coffer.open(database_url) as instance:
        engine = instance.engine
        admin = create_client(engine, "auditor", ("admin",))
        reader = create_client(engine, "reader", ("ledger:read",))
        fill(engine, 7)  # seq 3..9 (the two clients are entries 1 and 2)
        settings = ApiSettings(jwt_key_file=str(tmp_path / "jwt.keys"), run_worker=False)
        with TestClient(create_app(instance, api_settings=settings)) as client:

            def token(credentials: object) -> dict[str, str]:
                answer = client.post(
                    "/api/auth/oauth/token",
                    data={
                        "grant_type": "client_credentials",
                        "client_id": credentials.client_id,  # type: ignore[attr-defined]
                        "client_secret": credentials.client_secret,  # type: ignore[attr-defined]
                    },
                )
                assert answer.status_code == 200, answer.text
                return {"Authorization": f"Bearer {answer.json()['access_token']}"}

            headers = token(admin)
            url = "/api/admin/v1/audit"
            assert client.get(url).status_code == 401
            assert client.get(url, headers=token(reader)).status_code == 403
            first = client.get(url, params={"limit": 4}, headers=headers).json()
            assert [e["seq"] for e in first["data"]] == [9, 8, 7, 6] and first["has_more"]
            second = client.get(
                url, params={"limit": 4, "cursor": first["next_cursor"]}, headers=headers
            ).json()
            assert [e["seq"] for e in second["data"]] == [5, 4, 3, 2]
            frozen = client.get(url, params={"action": "wallet.frozen"}, headers=headers).json()
            assert [e["target"] for e in frozen["data"]] == ["t6", "t4", "t2", "t0"]
            by_actor = client.get(
                url, params={"actor": "cl_1", "action": "client.*"}, headers=headers
            ).json()
            assert [e["target"] for e in by_actor["data"]] == ["t1"]
            entry = frozen["data"][0]
            assert entry["address"] == "203.0.113.7" and entry["details"] == {"n": 6, "note": "é"}
            assert len(entry["hash"]) == 64
            assert client.get(url, params={"cursor": "x"}, headers=headers).status_code == 400
        listed = CliRunner().invoke(
            cli,
            ["audit", "--action", "wallet.frozen", "--limit", "2", "--database", cli_url(instance)],
        )
        assert listed.exit_code == 0
        assert listed.output.count("wallet.frozen") == 2 and "t6" in listed.output
        assert len(list_entries(engine, action="client.created")) == 5
