"""The wallet app in a real browser (Debian's Chromium, headless, through Playwright): a
customer signs up, enrols TOTP and a passkey (Chromium's virtual authenticator, through
CDP), tops up with 3-D Secure, sends money (the fee shown first), is asked for step-up on
a payout, and sees the history; axe-core runs on every page, and the screenshots of
docs/app.md are written here."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pyotp
import pytest
from tests.web.conftest import LiveServer, check_axe, screenshot, watch_csp

from coffer.wallets import schemas as S
from coffer.wallets.endpoints import platform_for

PASSWORD = "Umbrella-Kettle-Orbit-1984!"
pytestmark = pytest.mark.browser


@pytest.fixture(params=["sqlite"])
def database_url(sqlite_database_url: str) -> str:
    """Browser tests run on SQLite (the embedded default); the end-user API's tests run on
    both backends (tests/identity/test_users_api.py)."""
    return sqlite_database_url


def virtual_authenticator(page: Any) -> Any:
    """A platform authenticator (internal transport, resident keys, user verification:
    a phone's fingerprint reader) in Chromium, through the DevTools protocol."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp


def follow(page: Any, url: str) -> None:
    """Wait for a passkey button's script to go to ``url``; fail with what it showed."""
    try:
        page.wait_for_url(url, timeout=30_000)
    except Exception:
        shown = page.text_content("#passkey-error") if page.is_visible("#passkey-error") else ""
        raise AssertionError(
            f"the passkey step did not reach {url} (at {page.url}): {shown!r}"
        ) from None


def visit(page: Any, name: str, *, shot: bool = False) -> None:
    """Check the page with axe (and write its screenshot)."""
    check_axe(page, name=name)
    if shot:
        screenshot(page, f"app-{name}")


def verify_identity(server: LiveServer, email: str) -> None:
    """The platform's KYC review (the console's job) approves the customer."""
    platform = platform_for(server.app)
    users = server.app.state.wallet_app.users
    from coffer.identity.users import repository as R
    from coffer.identity.users.base import email_digest

    with users.unit() as connection:
        row = R.user_by_email(connection, users.settings.platform_id, email_digest(email))
    assert row is not None
    document = platform.wallets.submit_kyc_document(
        row["customer_id"],
        S.KycDocumentCreate(type="identity_proof", name="passport.pdf", level="verified"),
    )
    assert document.status == "validated"  # the sandbox validates at once


def fill_sign_up(page: Any, base: str, name: str, email: str) -> None:
    """Fill and send the sign-up form (the page shows it); the home page follows."""
    page.fill("#name", name)
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("#sign-up-form button[type=submit]")
    page.wait_for_url(base + "/app/")


def sign_up_verified(page: Any, server: LiveServer, name: str, email: str) -> None:
    """A customer signs up in the browser and the platform verifies their identity."""
    page.goto(server.url + "/app/sign-up")
    fill_sign_up(page, server.url, name, email)
    verify_identity(server, email)


def test_a_customer_signs_up_secures_tops_up_sends_and_pays_out(
    live_server: LiveServer, page: Any
) -> None:
    # WebAuthn refuses an IP address as relying party id: the browser goes to localhost
    # (the same server on 127.0.0.1)
    base = live_server.url.replace("127.0.0.1", "localhost")
    csp = watch_csp(page)
    page.set_viewport_size({"width": 420, "height": 900})  # a phone: mobile first
    # a friend to send money to, signed up through the end-user API
    friend = httpx.post(
        f"{live_server.url}/api/me/v1/sign-up",
        json={"email": "bo@example.org", "password": PASSWORD, "name": "Bo Chen"},
        timeout=120,
    )
    assert friend.status_code == 201, friend.text

    page.goto(base + "/app/")
    page.wait_for_url("**/app/sign-in**")
    visit(page, "sign-in", shot=True)
    page.click("text=Create your wallet")
    page.wait_for_url("**/app/sign-up")
    visit(page, "sign-up")
    fill_sign_up(page, base, "Ana Lima", "ana@example.org")
    assert "Ana Lima" in page.text_content("h1")
    visit(page, "home-empty")
    verify_identity(live_server, "ana@example.org")

    # TOTP: the first second factor needs no step-up
    page.click("nav >> text=Security")
    page.wait_for_url("**/app/security")
    visit(page, "security-off")
    page.click("#totp-start")
    secret = page.text_content("#totp-secret")
    assert secret
    visit(page, "totp-setup")
    page.fill("#totp-code", pyotp.TOTP(secret.strip()).now())
    page.click("#totp-confirm-form button[type=submit]")
    assert page.is_visible("#recovery-codes") and page.is_visible("#totp-on")

    # a passkey: changing the second factors needs a fresh one (the TOTP code)
    page.click("#step-up-link")
    page.wait_for_url("**/app/step-up**")
    visit(page, "step-up", shot=True)
    page.fill("#code", pyotp.TOTP(secret.strip()).at(time.time() + 30))
    page.click("#step-up-form button[type=submit]")
    page.wait_for_url("**/app/security")
    virtual_authenticator(page)
    page.fill("#passkey-name", "Ana's phone")
    page.click("#passkey-register")
    follow(page, "**/app/security?passkey=added")
    assert "Ana's phone" in page.text_content("#passkey-list")
    visit(page, "security", shot=True)

    # a bank account for payouts (the step-up above is still fresh)
    page.click("nav >> text=Beneficiaries")
    page.fill("#bank-name", "My bank")
    page.fill("#holder_name", "Ana Lima")
    page.fill("#iban", "DE89 3704 0044 0532 0130 00")
    page.click("#add-bank-form button[type=submit]")
    page.wait_for_url("**/app/beneficiaries")
    assert "My bank" in page.text_content("#beneficiary-list")
    visit(page, "beneficiaries")

    # top up 120 EUR with the 3-D Secure test card: the sandbox bank's page, then back
    page.click("nav >> text=Top up")
    visit(page, "top-up", shot=True)
    page.fill("#amount", "120")
    page.fill("#card_number", "4000 0000 0000 3220")
    page.fill("#exp_month", "12")
    page.fill("#exp_year", "2035")
    page.fill("#cvc", "123")
    page.click("#top-up-form button[type=submit]")
    page.wait_for_url("**/api/wallets/v1/sandbox/3ds/**")
    screenshot(page, "app-3ds")
    page.click("text=Approve")
    page.wait_for_url("**/app/top-up/pi_*")
    assert page.get_attribute("#top-up-status", "data-status") in ("succeeded", "processing")
    visit(page, "top-up-done")

    # send 25 EUR to Bo: the fee is shown before confirming
    page.click("nav >> text=Send")
    page.fill("#to_email", "bo@example.org")
    page.fill("#amount", "25")
    page.fill("#note", "Dinner")
    visit(page, "send")
    page.click("#send-form button[type=submit]")
    page.wait_for_selector("#transfer-quote")
    assert page.text_content("#quote-recipient") == "Bo Chen"
    assert "0.13" in page.text_content("#quote-fee")  # 0.5 % of 25 EUR, rounded up
    assert "24.87" in page.text_content("#quote-credited")
    visit(page, "send-confirm", shot=True)
    page.click("#confirm-send")
    page.wait_for_url("**/app/history?sent=*")

    # sign out, then in again with the passkey alone ("biometric" sign-in)
    page.click("text=Sign out")
    page.wait_for_url("**/app/sign-in")
    page.click("#passkey-sign-in")
    follow(page, base + "/app/")
    visit(page, "home", shot=True)

    # a payout asks for step-up (a new session has none), given with the passkey
    page.click("nav >> text=Pay out")
    page.fill("#amount", "40")
    visit(page, "payout")
    page.click("#payout-form button[type=submit]")
    page.wait_for_url("**/app/step-up?next=%2Fapp%2Fpayout")
    assert page.is_visible("#step-up")
    page.click("#passkey-sign-in")  # "Confirm with a passkey"
    follow(page, "**/app/payout")
    assert page.input_value("#amount") == "40"  # the form comes back filled in
    page.click("#payout-form button[type=submit]")
    page.wait_for_url("**/app/payout?done=1")
    assert page.is_visible("#payout-done")
    visit(page, "payout-done", shot=True)

    # the history: top-up, transfer and payout, newest first
    page.click("nav >> text=History")
    lines = page.locator("#history-lines li")
    assert lines.count() == 3
    texts = [lines.nth(i).text_content() or "" for i in range(3)]
    assert "Payout" in texts[0] and "40.00" in texts[0] and "on its way" in texts[0]
    assert "Transfer" in texts[1] and "Top-up" in texts[2]
    visit(page, "history", shot=True)
    page.click("nav >> text=Notifications")
    visit(page, "notifications", shot=True)

    # Chinese, switched from the header
    page.select_option("#lang-select", "zh")
    page.click("#language-form button[type=submit]")
    page.wait_for_selector("html[lang=zh]")
    assert "通知" in page.text_content("h1")
    page.click("nav >> text=首页")
    visit(page, "home-zh", shot=True)
    assert not csp, csp
