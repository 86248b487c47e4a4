"""Console sign-in through the real forms (server side, both backends): TOTP required for
admins, second step, lockout, CSRF, session rotation and revocation, security headers."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
import sqlalchemy as sa
from tests.web.conftest import WebApp, csrf_of, sign_in_console

from coffer.identity.audit import list_entries
from coffer.identity.factors.tables import totp_factors
from coffer.identity.operators.service import create_operator
from coffer.web.tables import web_sessions

PASSWORD = "correct horse battery staple 42"


def make_operator(web: WebApp, email: str, role: str, platform_id: str = "plat_default") -> str:
    with web.coffer.engine.begin() as connection:
        operator, _ = create_operator(
            connection, email=email, role=role, platform_id=platform_id, password=PASSWORD
        )
    return operator.id


def enrol_totp(web: WebApp, client: object) -> str:
    page = client.get("/console/security")  # type: ignore[attr-defined]
    client.post("/console/security/totp/start", data={"csrf_token": csrf_of(page.text)})  # type: ignore[attr-defined]
    page = client.get("/console/security")  # type: ignore[attr-defined]
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page.text)
    assert secret, page.text
    done = client.post(  # type: ignore[attr-defined]
        "/console/security/totp/confirm",
        data={"code": pyotp.TOTP(secret.group(1)).now(), "csrf_token": csrf_of(page.text)},
    )
    assert done.status_code == 200 and "Recovery codes" in done.text
    return secret.group(1)


def test_admin_must_enrol_totp_then_signs_in_with_a_code(web: WebApp) -> None:
    make_operator(web, "admin@example.com", "admin")
    client = web.new_client()
    response = sign_in_console(client, "admin@example.com", PASSWORD)
    assert response.status_code == 303
    # an admin without TOTP is held on the security page
    assert client.get("/console/").headers["location"] == "/console/security"
    secret = enrol_totp(web, client)
    assert client.get("/console/").status_code == 200

    other = web.new_client()
    first = sign_in_console(other, "admin@example.com", PASSWORD)
    assert first.headers["location"] == "/console/sign-in/code"
    assert other.get("/console/").status_code == 303  # pending: not signed in yet
    form = other.get("/console/sign-in/code")
    wrong = other.post(
        "/console/sign-in/code", data={"code": "000000", "csrf_token": csrf_of(form.text)}
    )
    assert wrong.status_code == 401
    right = other.post(
        "/console/sign-in/code",
        data={"code": pyotp.TOTP(secret).at(time.time() + 30), "csrf_token": csrf_of(form.text)},
    )
    assert right.status_code == 303
    assert other.get("/console/").status_code == 200
    actions = [e.action for e in list_entries(web.coffer.engine, limit=50)]
    assert "operator.signed_in" in actions and "operator.sign_in_failed" in actions
    assert "operator.totp_enabled" in actions


def test_a_used_code_cannot_be_replayed(web: WebApp) -> None:
    make_operator(web, "a@example.com", "admin")
    client = web.new_client()
    sign_in_console(client, "a@example.com", PASSWORD)
    secret = enrol_totp(web, client)  # uses the current step's code
    again = web.new_client()
    sign_in_console(again, "a@example.com", PASSWORD)
    form = again.get("/console/sign-in/code")
    with web.coffer.engine.connect() as connection:
        used_step = connection.execute(sa.select(totp_factors.c.last_step)).scalar_one()
    replay = again.post(
        "/console/sign-in/code",
        data={"code": pyotp.TOTP(secret).generate_otp(used_step), "csrf_token": csrf_of(form.text)},
    )
    assert replay.status_code == 401 and "incorrect" in replay.text


def test_unknown_email_and_wrong_password_look_the_same(web: WebApp) -> None:
    make_operator(web, "viewer@example.com", "viewer")
    a = sign_in_console(web.new_client(), "viewer@example.com", "wrong password!!")
    b = sign_in_console(web.new_client(), "nobody@example.com", "wrong password!!")
    assert a.status_code == b.status_code == 401
    message = re.compile(r'id="sign-in-error">([^<]+)<')
    assert message.search(a.text).group(1) == message.search(b.text).group(1)  # type: ignore[union-attr]


def test_lockout_after_failures_even_with_the_right_password(
    web: WebApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_operator(web, "viewer@example.com", "viewer")
    limit = web.app.state.web.settings.lockout_failures
    for _ in range(limit):
        assert (
            sign_in_console(web.new_client(), "viewer@example.com", "nope nope nope").status_code
            == 401
        )
    locked = sign_in_console(web.new_client(), "viewer@example.com", PASSWORD)
    assert locked.status_code == 429 and "Try again in" in locked.text
    # an unknown name locks the same way (no enumeration through the lockout)
    for _ in range(limit):
        sign_in_console(web.new_client(), "ghost@example.com", "nope nope nope")
    assert sign_in_console(web.new_client(), "ghost@example.com", "x" * 12).status_code == 429


def test_viewer_signs_in_with_password_only_and_session_rotates(web: WebApp) -> None:
    make_operator(web, "viewer@example.com", "viewer")
    client = web.new_client()
    client.get("/console/sign-in")
    anonymous = client.cookies.get("coffer_console_session")
    assert anonymous
    response = sign_in_console(client, "viewer@example.com", PASSWORD)
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/console" in cookie
    assert "Secure" not in cookie  # plain HTTP
    signed_in = client.cookies.get("coffer_console_session")
    assert signed_in and signed_in != anonymous
    assert client.get("/console/").status_code == 200
    # the anonymous token was revoked by the rotation
    stale = web.new_client()
    stale.cookies.set("coffer_console_session", anonymous, path="/console")
    assert stale.get("/console/").status_code == 303
    # viewers cannot open the audit log
    assert client.get("/console/audit").status_code in (403, 404)


def test_forms_need_the_csrf_token(web: WebApp) -> None:
    make_operator(web, "viewer@example.com", "viewer")
    client = web.new_client()
    client.get("/console/sign-in")
    refused = client.post(
        "/console/sign-in", data={"email": "viewer@example.com", "password": PASSWORD}
    )
    assert refused.status_code == 403
    other = web.new_client()
    token = csrf_of(other.get("/console/sign-in").text)
    forged = client.post(
        "/console/sign-in",
        data={"email": "viewer@example.com", "password": PASSWORD, "csrf_token": token},
    )
    assert forged.status_code == 403
    page = client.get("/console/sign-in")
    cross_site = client.post(
        "/console/sign-in",
        data={
            "email": "viewer@example.com",
            "password": PASSWORD,
            "csrf_token": csrf_of(page.text),
        },
        headers={"Origin": "https://evil.example"},
    )
    assert cross_site.status_code == 403


def test_sign_out_and_idle_timeout_end_the_session(web: WebApp) -> None:
    make_operator(web, "viewer@example.com", "viewer")
    client = web.new_client()
    sign_in_console(client, "viewer@example.com", PASSWORD)
    page = client.get("/console/")
    assert page.status_code == 200
    token = client.cookies.get("coffer_console_session")
    client.post("/console/sign-out", data={"csrf_token": csrf_of(page.text)})
    replay = web.new_client()
    replay.cookies.set("coffer_console_session", token, path="/console")
    assert replay.get("/console/").status_code == 303

    sign_in_console(client, "viewer@example.com", PASSWORD)
    assert client.get("/console/").status_code == 200
    idle = web.app.state.web.settings.session_idle_seconds
    with web.coffer.engine.begin() as connection:
        connection.execute(
            web_sessions.update()
            .where(web_sessions.c.stage == "full", web_sessions.c.revoked_at.is_(None))
            .values(last_seen_at=web_sessions.c.last_seen_at - (idle + 1) * 1_000_000)
        )
    assert client.get("/console/").status_code == 303


def test_security_headers(web: WebApp) -> None:
    response = web.client.get("/console/sign-in")
    headers = response.headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "unsafe-inline" not in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert "strict-transport-security" not in headers  # plain HTTP
    assert "<script>" not in response.text and " on" + "click=" not in response.text
    tls = web.app.state.web  # the same app behind TLS
    client = web.new_client()
    client.base_url = "https://testserver"  # type: ignore[misc]
    secure = client.get("https://testserver/console/sign-in")
    assert secure.headers["strict-transport-security"].startswith("max-age=")
    assert "Secure" in secure.headers["set-cookie"]
    assert tls is not None
    static = web.client.get("/static/vendor/htmx-2.0.11.min.js")
    assert static.status_code == 200 and static.headers["x-content-type-options"] == "nosniff"
