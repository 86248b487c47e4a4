"""Console sign-in and sign-out: password, then TOTP code (or recovery code) for an
operator who has TOTP, or a passkey alone; the session token is rotated at each step."""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.responses import RedirectResponse, Response

from coffer.db.engine import for_writes
from coffer.errors import CofferError, SignInFailed
from coffer.identity.factors import passkeys as webauthn_factors
from coffer.identity.factors import repository as factor_rows
from coffer.identity.factors import throttle
from coffer.identity.factors.service import check_second_factor, has_totp, now_micros
from coffer.identity.operators import service as operators
from coffer.identity.operators.service import Operator
from coffer.platforms import DEFAULT_PLATFORM_ID
from coffer.web.console.deps import PREFIX, REALM, console_router
from coffer.web.pages import (
    Redirect,
    WebState,
    client_address,
    sealer_of,
    web_state,
)
from coffer.web.security import check_csrf, safe_path
from coffer.web.sessions import WebSession
from coffer.web.templating import render

router = console_router()


def policy_of(state: WebState) -> throttle.ThrottlePolicy:
    return throttle.ThrottlePolicy(
        lockout_failures=state.settings.lockout_failures,
        lockout_seconds=state.settings.lockout_seconds,
        rate_per_minute=state.settings.sign_in_rate_per_address,
    )


async def _posted(request: Request) -> tuple[WebState, WebSession | None]:
    """The console's state and the request's session (anonymous or signed in), its CSRF
    token checked: the start of every sign-in step's form post."""
    state = web_state(request)
    session = await anyio.to_thread.run_sync(state.sessions.load, request, REALM)
    request.state.web_session = session
    await check_csrf(request, session)
    return state, session


def safe_next(value: str | None) -> str:
    """Only a path of the console itself (no open redirect)."""
    return safe_path(value, PREFIX)


def rp_id_of(request: Request, state: WebState) -> str:
    return state.settings.rp_id or (request.url.hostname or "localhost")


def origin_of(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"


def _form_text(form: Any, name: str, limit: int = 1024) -> str:
    value = form.get(name)
    return value[:limit] if isinstance(value, str) else ""


def _sign_in_page(
    request: Request,
    session: WebSession,
    *,
    error: str | None = None,
    email: str = "",
    status: int = 200,
    next_path: str = "",
) -> Response:
    return render(
        request,
        "console/sign_in.html",
        {"title": "Sign in", "error": error, "email": email, "next": next_path},
        session=session,
        status_code=status,
    )


@router.get("/sign-in")
async def sign_in_form(request: Request, next: str = "") -> Response:
    state = web_state(request)
    session = await anyio.to_thread.run_sync(state.sessions.ensure, request, REALM)
    if session.signed_in:
        return RedirectResponse(safe_next(next), status_code=303)
    request.state.web_session = session
    return _sign_in_page(request, session, next_path=safe_next(next))


@router.post("/sign-in")
async def sign_in(request: Request) -> Response:
    state, session = await _posted(request)
    assert session is not None
    form = await request.form()
    email = _form_text(form, "email", 300)
    password = _form_text(form, "password", 1024)
    next_path = safe_next(_form_text(form, "next", 500))
    address = client_address(request)

    def step() -> operators.PasswordStep:
        with for_writes(state.engine).begin() as connection:
            return operators.check_password_step(
                connection, email=email, password=password, policy=policy_of(state), address=address
            )

    result = await anyio.to_thread.run_sync(step)
    if result.operator is None:
        error = result.error or SignInFailed(operators.SIGN_IN_FAILED)
        return _sign_in_page(
            request,
            session,
            error=error.message,
            email=email,
            status=error.status,
            next_path=next_path,
        )
    operator = result.operator

    def enrolled_totp() -> bool:
        with state.engine.connect() as connection:
            return has_totp(connection, operator.id)

    enrolled = await anyio.to_thread.run_sync(enrolled_totp)
    if enrolled:
        pending = {"next": next_path}
        return await _promoted(request, state, session, operator, "pending", data=pending)
    return await _complete(
        request,
        state,
        session,
        operator,
        method="password",
        second_factor=False,
        next_path=next_path,
    )


async def _complete(
    request: Request,
    state: WebState,
    previous: WebSession | None,
    operator: Operator,
    *,
    method: str,
    second_factor: bool,
    next_path: str,
) -> Response:
    address = client_address(request)

    def audit() -> None:
        with for_writes(state.engine).begin() as connection:
            operators.signed_in(connection, operator, address=address, method=method)

    await anyio.to_thread.run_sync(audit)
    return await _promoted(
        request, state, previous, operator, "full", second_factor=second_factor, to=next_path
    )


async def _promoted(
    request: Request,
    state: WebState,
    session: WebSession | None,
    operator: Operator,
    stage: str,
    *,
    second_factor: bool = False,
    data: dict[str, str] | None = None,
    to: str = f"{PREFIX}/sign-in/code",
) -> Response:
    """The session moved to ``stage`` for ``operator`` (a new token), set as the cookie of
    a redirect to ``to`` (the second step of sign-in, or where the operator was going)."""
    promoted = await anyio.to_thread.run_sync(
        lambda: state.sessions.promote(
            request,
            session,
            realm=REALM,
            stage=stage,
            subject=operator.id,
            platform_id=operator.platform_id,
            second_factor=second_factor,
            data=data,
        )
    )
    response = RedirectResponse(to, status_code=303)
    state.sessions.set_cookie(request, response, promoted)
    return response


def _pending(request: Request, state: WebState) -> WebSession:
    """The pending session (password accepted); call from a worker thread."""
    session = state.sessions.load(request, REALM)
    request.state.web_session = session
    if session is None or session.stage != "pending" or session.subject is None:
        raise Redirect(f"{PREFIX}/sign-in")
    return session


@router.get("/sign-in/code")
async def code_form(request: Request) -> Response:
    state = web_state(request)
    session = await anyio.to_thread.run_sync(_pending, request, state)
    return render(
        request, "console/sign_in_code.html", {"title": "Two-step sign-in"}, session=session
    )


@router.post("/sign-in/code")
async def code(request: Request) -> Response:
    state = web_state(request)
    session = await anyio.to_thread.run_sync(_pending, request, state)
    await check_csrf(request, session)
    form = await request.form()
    value = _form_text(form, "code", 64)
    address = client_address(request)
    policy = policy_of(state)
    assert session.subject is not None and session.platform_id is not None
    subject, platform_id = session.subject, session.platform_id
    sealer = sealer_of(request)

    def verify() -> tuple[Operator | None, CofferError | None, str | None]:
        with for_writes(state.engine).begin() as connection:
            operator = operators.get_operator(connection, platform_id, subject)
            try:
                throttle.check(
                    connection, policy, [throttle.account_key(REALM, operator.email)], now_micros()
                )
            except CofferError as locked:
                return None, locked, None
            method = check_second_factor(connection, subject=subject, code=value, sealer=sealer)
            if method is None or operator.status != "active":
                return (
                    None,
                    operators.second_factor_failed(
                        connection, operator, policy=policy, address=address, method="code"
                    ),
                    None,
                )
            return operator, None, method

    operator, error, method = await anyio.to_thread.run_sync(verify)
    if operator is None:
        assert error is not None
        return render(
            request,
            "console/sign_in_code.html",
            {"title": "Two-step sign-in", "error": error.message},
            session=session,
            status_code=error.status,
        )
    return await _complete(
        request,
        state,
        session,
        operator,
        method=f"password+{method}",
        second_factor=True,
        next_path=safe_next(str(session.data.get("next") or "")),
    )


@router.post("/sign-in/passkey/options")
async def passkey_options(request: Request) -> Response:
    """Options for a passkey sign-in (any passkey of this site: discoverable)."""
    state, session = await _posted(request)
    assert session is not None
    challenge = webauthn_factors.authentication_challenge(
        rp_id=rp_id_of(request, state), allowed=[]
    )
    session.data["passkey_challenge"] = challenge.challenge
    await anyio.to_thread.run_sync(state.sessions.save_data, session)
    return Response(challenge.options_json, media_type="application/json")


@router.post("/sign-in/passkey")
async def passkey_sign_in(request: Request) -> Response:
    state, session = await _posted(request)
    assert session is not None
    challenge = str(session.data.pop("passkey_challenge", "") or "")
    await anyio.to_thread.run_sync(state.sessions.save_data, session)  # single use
    body = await request.body()
    address = client_address(request)
    policy = policy_of(state)
    try:
        credential = webauthn_factors.parse_credential(body.decode("utf-8", "replace"))
        if not challenge:
            raise SignInFailed("The passkey prompt expired; try again.")
        credential_id = webauthn_factors.credential_id_of(credential)

        def verify() -> Operator:
            with for_writes(state.engine).begin() as connection:
                throttle.count_attempt(
                    connection, policy, throttle.address_key(REALM, address), now_micros()
                )
                row = factor_rows.passkey_by_credential(connection, credential_id)
                if row is None or not row.subject.startswith("op_"):
                    raise SignInFailed(operators.SIGN_IN_FAILED)
                operator = operators.get_operator(connection, row.platform_id, row.subject)
                new_count = webauthn_factors.verify_authentication(
                    credential,
                    challenge=challenge,
                    rp_id=rp_id_of(request, state),
                    origin=origin_of(request),
                    public_key=row.public_key,
                    sign_count=row.sign_count,
                )
                if operator.status != "active":
                    raise SignInFailed(operators.SIGN_IN_FAILED)
                factor_rows.touch_passkey(connection, row.id, new_count, now_micros())
                return operator

        operator = await anyio.to_thread.run_sync(verify)
    except CofferError as exc:
        return JSONResponse({"error": exc.message}, status_code=exc.status)
    response = await _complete(
        request,
        state,
        session,
        operator,
        method="passkey",
        second_factor=True,
        next_path=PREFIX + "/",
    )
    # the page's script follows the location itself (a fetch does not navigate)
    json_response = JSONResponse({"location": response.headers["location"]})
    for value in response.headers.getlist("set-cookie"):
        json_response.headers.append("set-cookie", value)
    return json_response


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    state, session = await _posted(request)
    if session is not None:
        await anyio.to_thread.run_sync(state.sessions.revoke, session)
        if session.subject:
            from coffer.identity.audit import record_now

            record_now(
                state.engine,
                actor=session.subject,
                action="operator.signed_out",
                target=session.subject,
                address=client_address(request),
                details={"platform_id": session.platform_id or DEFAULT_PLATFORM_ID},
            )
    response = RedirectResponse(f"{PREFIX}/sign-in", status_code=303)
    state.sessions.clear_cookie(request, response, REALM)
    return response
