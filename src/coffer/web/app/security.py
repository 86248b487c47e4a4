"""The wallet app's security pages: password, TOTP (with recovery codes), passkeys,
devices (signed-in sessions), and the step-up page a sensitive action sends the user to."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from starlette.responses import RedirectResponse, Response

from coffer.errors import CofferError, FactorInvalid
from coffer.identity.factors import passkeys as webauthn_factors
from coffer.web.app import api
from coffer.web.app.deps import PREFIX, AppContext, app_context, form_text, safe_next
from coffer.web.app.state import relying_party
from coffer.web.pages import WebRoute, client_address

router = APIRouter(prefix=PREFIX, route_class=WebRoute, include_in_schema=False)
Signed = Annotated[AppContext, Depends(app_context())]


def _security_page(ctx: AppContext, status: int = 200, **extra: Any) -> Response:
    users = ctx.state.users
    ctx.me = users.me(ctx.user)  # as it is after the change this request made
    return ctx.page(
        "app/security.html", "Security", status,
        passkeys=users.passkeys(ctx.user), devices=api.device_list(ctx.state, ctx.session),
        totp_setup=users.pending_totp(ctx.user), **extra,
    )  # fmt: skip


@router.get("/security")
def security(ctx: Signed) -> Response:
    return _security_page(ctx)


def _attempt(ctx: AppContext, action: Callable[[str | None], Any], success: str) -> Response:
    """Run a security change (``action`` is given the client's address, for the audit
    log); a missing step-up sends to the step-up page, another refusal shows the page
    with the message."""
    from coffer.errors import StepUpRequired

    try:
        result = action(client_address(ctx.request))
    except StepUpRequired:
        return RedirectResponse(f"{PREFIX}/step-up?next={PREFIX}/security", 303)
    except CofferError as error:
        return _security_page(ctx, error.status, error=ctx._(error.message))
    if isinstance(result, list):  # recovery codes: shown once, now
        return _security_page(ctx, recovery_codes=result, notice=ctx._(success))
    return _security_page(ctx, notice=ctx._(success))


@router.post("/security/password")
async def change_password(ctx: Signed) -> Response:
    form = await ctx.request.form()
    current, new = form_text(form, "current_password"), form_text(form, "new_password")
    return await anyio.to_thread.run_sync(
        lambda: _attempt(
            ctx,
            lambda at: ctx.state.users.change_password(ctx.user, current, new, address=at),
            "Your password was changed.",
        )
    )


@router.post("/security/totp")
def start_totp(ctx: Signed) -> Response:
    return _attempt(
        ctx,
        lambda _: ctx.state.users.start_totp(ctx.user),
        "Add this key to your authenticator app, then enter a code it shows.",
    )


@router.post("/security/totp/confirm")
async def confirm_totp(ctx: Signed) -> Response:
    form = await ctx.request.form()
    code = form_text(form, "code", 20)
    return await anyio.to_thread.run_sync(
        lambda: _attempt(
            ctx,
            lambda at: ctx.state.users.confirm_totp(ctx.user, code, address=at),
            "Two-step sign-in is on. Keep these recovery codes somewhere safe.",
        )
    )


@router.post("/security/totp/remove")
def remove_totp(ctx: Signed) -> Response:
    remove = ctx.state.users.remove_totp
    return _attempt(
        ctx, lambda at: remove(ctx.user, address=at), "The authenticator app was removed."
    )


@router.post("/security/recovery-codes")
def recovery_codes(ctx: Signed) -> Response:
    renew = ctx.state.users.new_recovery_codes
    message = "New recovery codes: the old ones no longer work."
    return _attempt(ctx, lambda at: renew(ctx.user, address=at), message)


@router.post("/security/passkeys/options")
def passkey_options(ctx: Signed) -> Response:
    """Options to create a passkey with this device's authenticator (JSON, for the
    page's script)."""
    rp_name = ctx.state.web.rp_name
    return _passkey_options(
        ctx,
        "passkey_registration",
        lambda rp_id: ctx.state.users.passkey_registration(ctx.user, rp_id=rp_id, rp_name=rp_name),
    )


def _passkey_options(ctx: AppContext, key: str, challenge_for: Callable[[str], Any]) -> Response:
    """A WebAuthn prompt's options (JSON, for the page's script); its challenge is kept in
    the session under ``key`` until the answer comes."""
    rp_id, _ = relying_party(ctx.request, ctx.state.web)
    try:
        challenge = challenge_for(rp_id)
    except CofferError as error:
        return JSONResponse({"error": ctx._(error.message)}, status_code=error.status)
    ctx.session.data[key] = challenge.challenge
    ctx.state.sessions.save_data(ctx.session)
    return Response(challenge.options_json, media_type="application/json")


@router.post("/security/passkeys")
async def add_passkey(ctx: Signed) -> Response:
    challenge = str(ctx.session.data.pop("passkey_registration", "") or "")
    await anyio.to_thread.run_sync(ctx.state.sessions.save_data, ctx.session)
    body = await ctx.request.body()
    rp_id, origin = relying_party(ctx.request, ctx.state.web)
    address = client_address(ctx.request)
    try:
        payload = webauthn_factors.parse_credential(body.decode("utf-8", "replace"))
        credential = payload.get("credential")
        if not challenge or not isinstance(credential, dict):
            raise FactorInvalid("The passkey prompt expired; start again.")
        name = str(payload.get("name") or "").strip()[:100] or ctx._("Passkey")
        await anyio.to_thread.run_sync(
            lambda: ctx.state.users.add_passkey(
                ctx.user,
                credential,
                challenge=challenge,
                rp_id=rp_id,
                origin=origin,
                name=name,
                address=address,
            )
        )
    except CofferError as error:
        return JSONResponse({"error": ctx._(error.message)}, status_code=error.status)
    return JSONResponse({"location": f"{PREFIX}/security?passkey=added"})


@router.post("/security/passkeys/{passkey_id}/remove")
def remove_passkey(passkey_id: str, ctx: Signed) -> Response:
    remove = ctx.state.users.remove_passkey
    return _attempt(
        ctx, lambda at: remove(ctx.user, passkey_id, address=at), "The passkey was removed."
    )


@router.post("/devices/{device_id}/revoke")
def revoke_device(device_id: str, ctx: Signed) -> Response:
    api.revoke(ctx.state, ctx.session, device_id)
    if device_id == ctx.session.public_id:
        return RedirectResponse(f"{PREFIX}/sign-in", 303)
    return RedirectResponse(f"{PREFIX}/security", 303)


# -- step-up ----------------------------------------------------------------------------------


@router.get("/step-up")
def step_up_form(ctx: Signed, next: str = "") -> Response:
    assert ctx.me is not None
    return ctx.page("app/step_up.html", "Confirm it is you", next=safe_next(next))


@router.post("/step-up")
async def step_up(ctx: Signed) -> Response:
    form = await ctx.request.form()
    code = form_text(form, "code", 20)
    next_path = safe_next(form_text(form, "next", 500))
    address = client_address(ctx.request)

    def run() -> Response:
        try:
            ctx.state.users.step_up_code(ctx.user, code, address=address)
        except CofferError as error:
            return ctx.page(
                "app/step_up.html", "Confirm it is you", error.status, next=next_path,
                error=ctx._(error.message) if error.status != 429 else error.message,
            )  # fmt: skip
        ctx.state.sessions.mark_second_factor(ctx.session)
        return RedirectResponse(next_path, 303)

    return await anyio.to_thread.run_sync(run)


@router.post("/step-up/passkey/options")
def step_up_passkey_options(ctx: Signed) -> Response:
    challenge = ctx.state.users.passkey_challenge
    return _passkey_options(ctx, "passkey_step_up", lambda rp_id: challenge(ctx.user, rp_id=rp_id))


@router.post("/step-up/passkey")
async def step_up_passkey(ctx: Signed, next: str = "") -> Response:
    challenge = str(ctx.session.data.pop("passkey_step_up", "") or "")
    await anyio.to_thread.run_sync(ctx.state.sessions.save_data, ctx.session)
    body = await ctx.request.body()
    rp_id, origin = relying_party(ctx.request, ctx.state.web)
    try:
        credential = webauthn_factors.parse_credential(body.decode("utf-8", "replace"))
        if not challenge:
            raise FactorInvalid("The passkey prompt expired; start again.")
        await anyio.to_thread.run_sync(
            lambda: ctx.state.users.step_up_passkey(
                ctx.user, credential, challenge=challenge, rp_id=rp_id, origin=origin
            )
        )
    except CofferError as error:
        return JSONResponse({"error": ctx._(error.message)}, status_code=error.status)
    await anyio.to_thread.run_sync(ctx.state.sessions.mark_second_factor, ctx.session)
    return JSONResponse({"location": safe_next(next)})
