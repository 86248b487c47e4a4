"""The wallet app's pages, server side, on both backends: sign-up and sign-in through the
forms, the anti-forgery token on every form, step-up sending a payout to the step-up page
and the form coming back filled in, the language (Accept-Language, the switch), and a
Chinese translation for every text of the pages."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pyotp
from starlette.testclient import TestClient
from tests.web.conftest import WebApp, csrf_of

from coffer.web.app.i18n import LOCALE_DIR, Texts, from_accept_language, translations

PASSWORD = "Umbrella-Kettle-Orbit-1984!"
TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "coffer" / "web" / "templates" / "app"
APP_CODE = Path(__file__).resolve().parents[2] / "src" / "coffer" / "web" / "app"


def sign_up(client: TestClient, email: str = "ana@example.org", name: str = "Ana Lima") -> None:
    form = client.get("/app/sign-up")
    answer = client.post(
        "/app/sign-up",
        data={"name": name, "email": email, "password": PASSWORD, "csrf_token": csrf_of(form.text)},
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/app/", answer.text


def post(client: TestClient, path: str, data: dict[str, str], page: str) -> object:
    token = csrf_of(client.get(page).text)
    return client.post(path, data={**data, "csrf_token": token})


def test_sign_up_sign_in_and_every_page_renders(web: WebApp) -> None:
    client = web.new_client()
    assert client.get("/app/").headers["location"].startswith("/app/sign-in")
    sign_up(client)
    for path in ("/app/", "/app/history", "/app/send", "/app/top-up", "/app/payout",
                 "/app/beneficiaries", "/app/security", "/app/notifications"):  # fmt: skip
        page = client.get(path)
        assert page.status_code == 200, (path, page.text)
        assert "Content-Security-Policy" in page.headers and "<script>" not in page.text
    assert "Ana Lima" in client.get("/app/").text
    # a form without the session's token is refused, and changes nothing
    refused = client.post("/app/wallets", data={"currency": "USD"})
    assert refused.status_code == 403
    assert "USD" not in client.get("/app/history").text
    opened = post(client, "/app/wallets", {"currency": "USD"}, "/app/")
    assert opened.status_code == 303  # type: ignore[attr-defined]
    assert 'id="balance-USD"' in client.get("/app/").text
    # sign out, then in again with the wrong and the right password
    post(client, "/app/sign-out", {}, "/app/")
    assert client.get("/app/").status_code == 303
    wrong = post(
        client, "/app/sign-in", {"email": "ana@example.org", "password": "x"}, "/app/sign-in"
    )
    assert wrong.status_code == 401  # type: ignore[attr-defined]
    assert "Email, password or code is incorrect." in wrong.text  # type: ignore[attr-defined]
    good = post(client, "/app/sign-in", {"email": "ana@example.org", "password": PASSWORD},
                "/app/sign-in")  # fmt: skip
    assert good.headers["location"] == "/app/"  # type: ignore[attr-defined]


def test_a_payout_asks_for_step_up_and_the_form_comes_back(web: WebApp) -> None:
    client = web.new_client()
    sign_up(client)
    security = client.get("/app/security").text
    assert 'id="totp-start"' in security
    post(client, "/app/security/totp", {}, "/app/security")
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', client.get("/app/security").text)
    assert secret is not None
    confirmed = post(client, "/app/security/totp/confirm",
                     {"code": pyotp.TOTP(secret.group(1)).now()}, "/app/security")  # fmt: skip
    assert 'id="recovery-codes"' in confirmed.text  # type: ignore[attr-defined]
    # adding a bank account: step-up first, then the form comes back filled in
    bank = {"kind": "bank_account", "name": "My bank", "holder_name": "Ana Lima",
            "iban": "DE89370400440532013000"}  # fmt: skip
    asked = post(client, "/app/beneficiaries", bank, "/app/beneficiaries")
    assert asked.headers["location"] == "/app/step-up?next=%2Fapp%2Fbeneficiaries"  # type: ignore[attr-defined]
    step_up_page = client.get("/app/step-up?next=/app/beneficiaries")
    assert 'id="step-up-form"' in step_up_page.text
    wrong = post(client, "/app/step-up", {"code": "000000", "next": "/app/beneficiaries"},
                 "/app/step-up")  # fmt: skip
    assert wrong.status_code == 403  # type: ignore[attr-defined]
    code = pyotp.TOTP(secret.group(1)).at(time.time() + 30)
    done = post(client, "/app/step-up", {"code": code, "next": "/app/beneficiaries"},
                "/app/step-up")  # fmt: skip
    assert done.headers["location"] == "/app/beneficiaries"  # type: ignore[attr-defined]
    refilled = client.get("/app/beneficiaries").text
    assert 'value="DE89370400440532013000"' in refilled
    added = post(client, "/app/beneficiaries", bank, "/app/beneficiaries")
    assert added.headers["location"] == "/app/beneficiaries"  # type: ignore[attr-defined]
    assert "3000" in client.get("/app/beneficiaries").text
    # an open redirect is refused: next must be a path of the app
    other = post(client, "/app/step-up", {"code": "123456", "next": "https://evil.example/"},
                 "/app/step-up")  # fmt: skip
    assert "evil" not in other.headers.get("location", "")  # type: ignore[attr-defined]


def test_language_from_the_browser_and_the_switch(web: WebApp) -> None:
    client = web.new_client()
    page = client.get("/app/sign-in", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"})
    assert '<html lang="zh">' in page.text and "登录" in page.text
    page = client.get("/app/sign-in", headers={"Accept-Language": "fr-FR, en;q=0.5"})
    assert '<html lang="en">' in page.text
    switched = client.post(
        "/app/language",
        data={"lang": "zh", "next": "/app/sign-in", "csrf_token": csrf_of(page.text)},
    )
    assert switched.status_code == 303
    assert "登录" in client.get("/app/sign-in").text  # the cookie now decides


def test_accept_language_negotiation() -> None:
    assert from_accept_language("zh-TW") == "zh"
    assert from_accept_language("de, zh;q=0.1") == "zh"
    assert from_accept_language("en-GB,zh;q=0.9") == "en"
    assert from_accept_language("zh;q=0, en") == "en"
    assert from_accept_language("fr") is None
    assert from_accept_language(None) is None


def test_money_and_dates_are_written_for_the_language() -> None:
    assert Texts("en").money(123456, "EUR") == "€1,234.56"
    assert Texts("en").money(-500, "JPY") == "-¥500"
    assert "1,234.56" in Texts("zh").money(123456, "EUR")


def _page_texts() -> set[str]:
    """Every text the app's pages translate: _("...") in the templates and the page code."""
    found: set[str] = set()
    for template in TEMPLATES.glob("*.html"):
        text = template.read_text(encoding="utf-8")
        found |= set(re.findall(r'_\(\s*"((?:[^"\\]|\\.)*)"', text))
        found |= set(re.findall(r"_\(\s*'((?:[^'\\]|\\.)*)'", text))
        # the labels the macros translate (movement types)
        found |= set(re.findall(r'"[a-z_]+": "([A-Z][a-z -]+)"', text))
    for module in APP_CODE.glob("*.py"):
        text = module.read_text(encoding="utf-8")
        found |= set(re.findall(r'ctx\._\(\s*"((?:[^"\\]|\\.)*)"', text))
        found |= set(re.findall(r'ctx\.page\(\s*"app/\w+\.html",\s*"([^"]+)"', text))
        found |= set(re.findall(r'(?:\(|,)\s*"([A-Z][^"]{2,})",\s*\)', text))
    from coffer.web.app.deps import NAV

    found |= {label for _, label in NAV}
    return found


def test_every_text_of_the_pages_has_a_chinese_translation() -> None:
    assert (LOCALE_DIR / "zh" / "LC_MESSAGES" / "messages.po").exists()
    chinese = translations("zh")
    texts = _page_texts()
    assert len(texts) > 100
    missing = sorted(t for t in texts if chinese.gettext(t) == t)
    assert not missing, f"no Chinese for: {missing}"
    # and the placeholders survive the translation
    for text in texts:
        assert set(re.findall(r"\{(\w+)\}", text)) == set(
            re.findall(r"\{(\w+)\}", chinese.gettext(text))
        ), text
