"""The wallet app's sign-up, sign-in (password then TOTP code, or a passkey alone),
sign-out and language switch. The session token is rotated at each step."""

from __future__ import annotations

from typing import Annotated

import anyio.to_thread
from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from starlette.responses import RedirectResponse, Response

from coffer.errors import CofferError, SignInFailed
from coffer.identity.factors import passkeys as webauthn_factors
from coffer.identity.users import SignedIn
from coffer.identity.users import schemas as U
from coffer.web.app.deps import PREFIX, AppContext, app_context, form_text, safe_next
from coffer.web.app.i18n import COOKIE, LANGUAGES
from coffer.web.app.state import REALM, relying_party
from coffer.web.pages import WebRoute, client_address
from coffer.web.sessions import WebSession

router = APIRouter(prefix=PREFIX, route_class=WebRoute, include_in_schema=False)
Visitor = Annotated[AppContext, Depends(app_context(signed_in=False))]
LANGUAGE_COOKIE_SECONDS = 365 * 24 * 3600


def _complete(
    ctx: AppContext, user: SignedIn, previous: WebSession | None, *, method: str, next_path: str
) -> Response:
    """Finish a sign-in: record it, rotate the session to ``full``, go to ``next_path``."""
    state = ctx.state
    state.users.signed_in(user, method=method, address=client_address(ctx.request))
    full = state.sessions.promote(
        ctx.request, previous, realm=REALM, stage="full", subject=user.user_id,
        platform_id=user.platform_id, second_factor=False,
        data={"customer_id": user.customer_id},
    )  # fmt: skip
    response = RedirectResponse(next_path, status_code=303)
    state.sessions.set_cookie(ctx.request, response, full)
    return response


# -- sign-up ---------------------------------------------------------------------------------


@router.get("/sign-up")
def sign_up_form(ctx: Visitor) -> Response:
    if ctx.session.signed_in:
        return RedirectResponse(f"{PREFIX}/", status_code=303)
    return ctx.page("app/sign_up.html", "Create your wallet", values={})


@router.post("/sign-up")
async def sign_up(ctx: Visitor) -> Response:
    form = await ctx.request.form()
    values = {name: form_text(form, name, 300) for name in ("email", "name")}
    password = form_text(form, "password", 1024)
    try:
        body = U.SignUp(
            email=values["email"],
            name=values["name"],
            password=password,
            locale=ctx.texts.language,  # type: ignore[arg-type]
        )
    except ValueError:
        return ctx.page(
            "app/sign_up.html", "Create your wallet", 400, values=values,
            error=ctx._("Enter your name, a valid email and a password."),
        )  # fmt: skip

    def create() -> SignedIn:
        return ctx.state.users.sign_up(body, address=client_address(ctx.request))

    try:
        user = await anyio.to_thread.run_sync(create)
    except CofferError as error:
        return ctx.page(
            "app/sign_up.html", "Create your wallet", error.status, values=values,
            error=ctx._(error.message),
        )  # fmt: skip
    return await anyio.to_thread.run_sync(
        lambda: _complete(ctx, user, ctx.session, method="sign_up", next_path=f"{PREFIX}/")
    )


# -- sign-in ---------------------------------------------------------------------------------


@router.get("/sign-in")
def sign_in_form(ctx: Visitor, next: str = "") -> Response:
    if ctx.session.signed_in:
        return RedirectResponse(safe_next(next), status_code=303)
    return ctx.page("app/sign_in.html", "Sign in", email="", next=safe_next(next))


@router.post("/sign-in")
async def sign_in(ctx: Visitor) -> Response:
    form = await ctx.request.form()
    email = form_text(form, "email", 300)
    password = form_text(form, "password", 1024)
    next_path = safe_next(form_text(form, "next", 500))
    state = ctx.state
    address = client_address(ctx.request)
    try:
        user = await anyio.to_thread.run_sync(
            lambda: state.users.sign_in_password(email, password, address=address)
        )
    except CofferError as error:
        return ctx.page(
            "app/sign_in.html", "Sign in", error.status, email=email, next=next_path,
            error=ctx._(error.message) if error.status != 429 else error.message,
        )  # fmt: skip
    if not user.methods:
        return await anyio.to_thread.run_sync(
            lambda: _complete(ctx, user, ctx.session, method="password", next_path=next_path)
        )
    pending = state.sessions.promote(
        ctx.request, ctx.session, realm=REALM, stage="pending", subject=user.user_id,
        platform_id=user.platform_id, second_factor=False,
        data={"next": next_path, "methods": list(user.methods)},
    )  # fmt: skip
    response = RedirectResponse(f"{PREFIX}/sign-in/code", status_code=303)
    state.sessions.set_cookie(ctx.request, response, pending)
    return response


def _pending(ctx: AppContext) -> WebSession:
    session = ctx.session
    if session.stage != "pending" or session.subject is None:
        from coffer.web.pages import Redirect

        raise Redirect(f"{PREFIX}/sign-in")
    return session


@router.get("/sign-in/code")
def code_form(ctx: Visitor) -> Response:
    session = _pending(ctx)
    return ctx.page(
        "app/sign_in_code.html", "Two-step sign-in",
        passkey="passkey" in (session.data.get("methods") or []),
    )  # fmt: skip


@router.post("/sign-in/code")
async def code(ctx: Visitor) -> Response:
    session = _pending(ctx)
    form = await ctx.request.form()
    value = form_text(form, "code", 64)
    state = ctx.state
    address = client_address(ctx.request)
    assert session.subject is not None and session.platform_id is not None
    subject, platform_id = session.subject, session.platform_id

    def verify() -> SignedIn:
        user = state.users.pending_user(platform_id, subject)
        state.users.sign_in_code(user, value, address=address)
        return user

    try:
        user = await anyio.to_thread.run_sync(verify)
    except CofferError as error:
        return ctx.page(
            "app/sign_in_code.html", "Two-step sign-in", error.status,
            error=ctx._(error.message) if error.status != 429 else error.message,
            passkey="passkey" in (session.data.get("methods") or []),
        )  # fmt: skip
    next_path = safe_next(str(session.data.get("next") or ""))
    return await anyio.to_thread.run_sync(
        lambda: _complete(ctx, user, session, method="password+totp", next_path=next_path)
    )


@router.post("/sign-in/passkey/options")
def passkey_options(ctx: Visitor) -> Response:
    """Options for a passkey sign-in (any passkey this site holds: discoverable)."""
    rp_id, _ = relying_party(ctx.request, ctx.state.web)
    challenge = webauthn_factors.authentication_challenge(rp_id=rp_id, allowed=[], verify_user=True)
    ctx.session.data["passkey_challenge"] = challenge.challenge
    ctx.state.sessions.save_data(ctx.session)
    return Response(challenge.options_json, media_type="application/json")


@router.post("/sign-in/passkey")
async def passkey_sign_in(ctx: Visitor) -> Response:
    state = ctx.state
    session = ctx.session
    challenge = str(session.data.pop("passkey_challenge", "") or "")
    await anyio.to_thread.run_sync(state.sessions.save_data, session)  # single use
    body = await ctx.request.body()
    rp_id, origin = relying_party(ctx.request, state.web)
    address = client_address(ctx.request)
    next_path = safe_next(str(session.data.get("next") or ""))
    try:
        credential = webauthn_factors.parse_credential(body.decode("utf-8", "replace"))
        if not challenge:
            raise SignInFailed("The passkey prompt expired; start again.")
        user = await anyio.to_thread.run_sync(
            lambda: state.users.sign_in_passkey(
                credential, challenge=challenge, rp_id=rp_id, origin=origin, address=address
            )
        )
        response = await anyio.to_thread.run_sync(
            lambda: _complete(ctx, user, session, method="passkey", next_path=next_path)
        )
    except CofferError as error:
        return JSONResponse({"error": ctx._(error.message)}, status_code=error.status)
    # the page's script follows the location itself (a fetch does not navigate)
    answer = JSONResponse({"location": response.headers["location"]})
    for value in response.headers.getlist("set-cookie"):
        answer.headers.append("set-cookie", value)
    return answer


@router.post("/sign-out")
def sign_out(ctx: Visitor) -> Response:
    if ctx.session.signed_in:
        ctx.state.sessions.revoke(ctx.session)
    response = RedirectResponse(f"{PREFIX}/sign-in", status_code=303)
    ctx.state.sessions.clear_cookie(ctx.request, response, REALM)
    return response


# -- language --------------------------------------------------------------------------------


@router.post("/language")
async def language(ctx: Visitor) -> Response:
    """Switch the language (kept in a cookie, and as the user's own when signed in)."""
    form = await ctx.request.form()
    chosen = form_text(form, "lang", 8)
    back = safe_next(form_text(form, "next", 500))
    response = RedirectResponse(back, status_code=303)
    if chosen in LANGUAGES:
        response.set_cookie(
            COOKIE, chosen, max_age=LANGUAGE_COOKIE_SECONDS, path=PREFIX, samesite="lax",
            httponly=True,
        )  # fmt: skip
        if ctx.actor is not None:
            actor = ctx.actor
            await anyio.to_thread.run_sync(lambda: ctx.state.users.set_locale(actor, chosen))
    return response
