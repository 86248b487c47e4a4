"""The console in a real browser (Debian's Chromium, headless, through Playwright)."""

from __future__ import annotations

import time

import pyotp
import pytest
from tests.web.conftest import LiveServer, check_axe, screenshot, watch_csp

from coffer.identity.operators.service import create_operator

PASSWORD = "correct horse battery staple 42"
pytestmark = pytest.mark.browser


@pytest.fixture(params=["sqlite"])
def database_url(request: pytest.FixtureRequest, tmp_path: object) -> str:
    """Browser tests run on SQLite (the embedded default); the server-side tests of the
    same pages run on both backends."""
    return f"sqlite:///{tmp_path}/coffer.db"


def test_admin_enrols_totp_and_signs_in_again(live_server: LiveServer, page: object) -> None:
    with live_server.coffer.engine.begin() as connection:
        create_operator(connection, email="admin@example.com", role="admin", password=PASSWORD)
    csp = watch_csp(page)
    page.goto(live_server.url + "/console/")  # type: ignore[attr-defined]
    page.wait_for_url("**/console/sign-in**")  # type: ignore[attr-defined]
    check_axe(page, name="sign-in")
    screenshot(page, "console-sign-in")
    page.fill("#email", "admin@example.com")  # type: ignore[attr-defined]
    page.fill("#password", PASSWORD)  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_url("**/console/security")  # type: ignore[attr-defined]
    page.click("#totp-start")  # type: ignore[attr-defined]
    secret = page.text_content("#totp-secret")  # type: ignore[attr-defined]
    assert secret
    check_axe(page, name="security")
    page.fill("#totp-code", pyotp.TOTP(secret).now())  # type: ignore[attr-defined]
    page.click("text=Turn on TOTP")  # type: ignore[attr-defined]
    assert page.is_visible("#recovery-codes")  # type: ignore[attr-defined]
    page.click("text=Sign out")  # type: ignore[attr-defined]
    page.wait_for_url("**/console/sign-in")  # type: ignore[attr-defined]
    page.fill("#email", "admin@example.com")  # type: ignore[attr-defined]
    page.fill("#password", PASSWORD)  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_url("**/sign-in/code")  # type: ignore[attr-defined]
    check_axe(page, name="sign-in code")
    page.fill("#code", pyotp.TOTP(secret).at(time.time() + 30))  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_url("**/console/")  # type: ignore[attr-defined]
    assert page.is_visible("#test-mode-banner")  # type: ignore[attr-defined]
    check_axe(page, name="overview")
    assert not csp, csp
