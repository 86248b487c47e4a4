"""Fixtures of the web tests (console, wallet app).

- ``web`` : a :class:`WebApp` on a fresh database of each backend (``database_url``): the
  Coffer instance, the FastAPI app and an HTTP client (starlette's TestClient) for
  server-side tests of pages and forms.
- ``live_server``: the same app served by uvicorn on 127.0.0.1 (a free port) in a
  thread, for browser tests; ``live_server.url`` is its base URL (``http://localhost:PORT``:
  passkeys need a host name, WebAuthn refuses IP addresses).
- ``page`` (pytest-playwright): a page of Debian's Chromium (/usr/bin/chromium, headless,
  --no-sandbox), launched by the ``browser_type_launch_args`` override below. Mark
  browser tests ``@pytest.mark.browser`` (they are also ``slow``).
- :func:`check_axe`: runs axe-core (vendored, served at /static) in the page and fails on
  any serious or critical violation; :func:`watch_csp` collects CSP violations.
- :func:`sign_in_console`: signs an operator in through the real forms (TestClient).
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient

import coffer
from coffer.core import Coffer

CHROMIUM = os.environ.get("COFFER_TEST_CHROMIUM", "/usr/bin/chromium")
AXE_URL = "/static/vendor/axe-4.11.4.min.js"
SCREENSHOTS = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "img")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("browser") is not None:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict[str, Any]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run ./dev (it installs Debian's chromium)")
    return {"executable_path": CHROMIUM, "headless": True, "args": ["--no-sandbox"]}


@dataclass
class WebApp:
    coffer: Coffer
    app: FastAPI
    client: TestClient
    url: str = "http://testserver"
    extra: dict[str, Any] = field(default_factory=dict)

    def new_client(self) -> TestClient:
        return TestClient(self.app, base_url=self.url, follow_redirects=False)


@pytest.fixture
def web(database_url: str) -> Iterator[WebApp]:
    from coffer.api import create_app
    from coffer.api.settings import ApiSettings

    with coffer.open(database_url) as instance:
        app = create_app(instance, api_settings=ApiSettings(run_worker=False))
        with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
            yield WebApp(instance, app, client)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    coffer: Coffer
    app: FastAPI


@pytest.fixture
def live_server(database_url: str) -> Iterator[LiveServer]:
    import uvicorn

    from coffer.api import create_app
    from coffer.api.settings import ApiSettings

    port = _free_port()
    with coffer.open(database_url) as instance:
        app = create_app(instance, api_settings=ApiSettings(run_worker=False))
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False)
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                pytest.fail("the live server did not start")
            time.sleep(0.05)
        try:
            # "localhost" (a name, still the loopback address): WebAuthn refuses IP addresses
            yield LiveServer(f"http://localhost:{port}", instance, app)
        finally:
            server.should_exit = True
            thread.join(timeout=20)


def watch_csp(page: Any) -> list[str]:
    """A list that fills with the page's Content-Security-Policy violations."""
    violations: list[str] = []

    def on_console(message: Any) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            violations.append(message.text)

    page.on("console", on_console)
    return violations


def check_axe(page: Any, *, name: str = "") -> None:
    """Run axe-core on the page; fail on serious or critical violations."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(url=AXE_URL)
    result = page.evaluate(
        "async () => { const r = await axe.run(document, {resultTypes: ['violations']});"
        " return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})); }"
    )
    bad = [v for v in result if v["impact"] in ("serious", "critical")]
    assert not bad, f"axe on {name or page.url}: {bad}"


def screenshot(page: Any, name: str) -> None:
    """Write docs/img/<name>.png (the docs show them)."""
    os.makedirs(SCREENSHOTS, exist_ok=True)
    page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=False)


_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "no csrf_token in the page"
    return match.group(1)


def sign_in_console(
    client: TestClient, email: str, password: str, *, totp_secret: str | None = None
) -> Any:
    """Sign in through the forms; returns the last response (a redirect when it worked;
    to /console/sign-in/code when the operator has TOTP and no ``totp_secret`` was given)."""
    import pyotp

    page = client.get("/console/sign-in")
    response = client.post(
        "/console/sign-in",
        data={"email": email, "password": password, "csrf_token": csrf_of(page.text)},
    )
    pending = response.status_code == 303 and response.headers["location"].endswith("/code")
    if pending and totp_secret is not None:
        form = client.get("/console/sign-in/code")
        response = client.post(
            "/console/sign-in/code",
            # the next step's code (allowed drift): the current one may be used already
            data={
                "code": pyotp.TOTP(totp_secret).at(time.time() + 30),
                "csrf_token": csrf_of(form.text),
            },
        )
    return response
