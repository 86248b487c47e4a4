"""The signed-in operator's own security: TOTP (with recovery codes), passkeys, password,
and active sessions."""

from __future__ import annotations

from typing import Annotated, Any

import anyio.to_thread
import segno
from fastapi import Depends, Request
from fastapi.responses import JSONResponse
from starlette.responses import Response

from coffer.db.engine import for_writes
from coffer.errors import CofferError, FactorInvalid
from coffer.identity.audit import record
from coffer.identity.factors import passkeys as webauthn_factors
from coffer.identity.factors import repository as factor_rows
from coffer.identity.factors import service as factors
from coffer.identity.factors import totp
from coffer.identity.operators import service as operators
from coffer.web.console.auth import origin_of, rp_id_of
from coffer.web.console.deps import ConsoleContext, console_context, console_router
from coffer.web.console.views import page, redirect
from coffer.web.pages import sealer_of

router = console_router()
Ctx = Annotated[ConsoleContext, Depends(console_context(allow_enrolment=True))]
ACTIVE = "/console/security"


def _state(ctx: ConsoleContext, **extra: Any) -> dict[str, Any]:
    with ctx.state.engine.connect() as connection:
        subject = ctx.operator.id
        pending = factors.pending_totp_secret(connection, subject, sealer=sealer_of(ctx.request))
        values: dict[str, Any] = {
            "has_totp": factors.has_totp(connection, subject),
            "pending_secret": pending,
            "recovery_left": factors.remaining_recovery_codes(connection, subject),
            "passkeys": factor_rows.passkeys_of(connection, subject),
            "sessions": ctx.state.sessions.active(connection, subject),
        }
    if pending:
        uri = totp.provisioning_uri(pending, account=ctx.operator.email, issuer="Coffer console")
        values["otpauth_uri"] = uri
        values["qr_data_uri"] = segno.make(uri, error="m").svg_data_uri(scale=4)
    values.update(extra)
    return values


def _show(ctx: ConsoleContext, status_code: int = 200, **extra: Any) -> Response:
    return page(
        ctx,
        "console/security.html",
        _state(ctx, **extra),
        title="My security",
        active=ACTIVE,
        status_code=status_code,
    )


@router.get("/security")
def security(ctx: Ctx) -> Response:
    return _show(ctx)


@router.post("/security/totp/start")
def totp_start(ctx: Ctx) -> Response:
    with for_writes(ctx.state.engine).begin() as connection:
        factors.start_totp(
            connection,
            subject=ctx.operator.id,
            platform_id=ctx.operator.platform_id,
            sealer=sealer_of(ctx.request),
        )
    return _show(ctx)


@router.post("/security/totp/confirm")
async def totp_confirm(request: Request, ctx: Ctx) -> Response:
    form = await request.form()
    code = str(form.get("code") or "")[:20]

    def run() -> Response:
        try:
            with for_writes(ctx.state.engine).begin() as connection:
                codes = factors.confirm_totp(
                    connection, subject=ctx.operator.id, code=code, sealer=sealer_of(ctx.request)
                )
                record(
                    connection,
                    actor=ctx.actor,
                    action="operator.totp_enabled",
                    target=ctx.operator.id,
                    details={"platform_id": ctx.operator.platform_id},
                )
        except FactorInvalid as exc:
            return _show(ctx, status_code=400, totp_error=exc.message)
        ctx.state.sessions.mark_second_factor(ctx.session)
        return _show(ctx, recovery_codes=codes, must_enrol_done=True)

    return await anyio.to_thread.run_sync(run)


@router.post("/security/recovery-codes")
def recovery_codes(ctx: Ctx) -> Response:
    with for_writes(ctx.state.engine).begin() as connection:
        if not factors.has_totp(connection, ctx.operator.id):
            raise FactorInvalid("Set up TOTP first.")
        codes = factors.new_recovery_codes(
            connection, subject=ctx.operator.id, platform_id=ctx.operator.platform_id
        )
        record(
            connection,
            actor=ctx.actor,
            action="operator.recovery_codes_renewed",
            target=ctx.operator.id,
        )
    return _show(ctx, recovery_codes=codes)


@router.post("/security/password")
async def password(request: Request, ctx: Ctx) -> Response:
    form = await request.form()
    current = str(form.get("current_password") or "")[:1024]
    new = str(form.get("new_password") or "")[:1024]
    settings = ctx.state.settings

    def run() -> Response:
        try:
            with for_writes(ctx.state.engine).begin() as connection:
                operators.change_password(
                    connection,
                    ctx.operator,
                    current=current,
                    new=new,
                    min_length=settings.password_min_length,
                    min_score=settings.password_min_score,
                )
        except CofferError as exc:
            return _show(ctx, status_code=exc.status, password_error=exc.message)
        return _show(ctx, password_changed=True)

    return await anyio.to_thread.run_sync(run)


@router.post("/security/sessions/revoke")
async def revoke_session(request: Request, ctx: Ctx) -> Response:
    form = await request.form()
    public_id = str(form.get("session") or "")[:40]

    def run() -> None:
        with for_writes(ctx.state.engine).begin() as connection:
            if ctx.state.sessions.revoke_one(connection, ctx.operator.id, public_id):
                record(
                    connection, actor=ctx.actor, action="operator.session_revoked", target=public_id
                )

    await anyio.to_thread.run_sync(run)
    return redirect(ACTIVE)


@router.post("/security/passkeys/options")
async def passkey_options(request: Request, ctx: Ctx) -> Response:
    def existing_passkeys() -> list[tuple[bytes, str]]:
        with ctx.state.engine.connect() as connection:
            rows = factor_rows.passkeys_of(connection, ctx.operator.id)
        return [(p.credential_id, p.transports) for p in rows]

    existing = await anyio.to_thread.run_sync(existing_passkeys)
    challenge = webauthn_factors.registration_challenge(
        rp_id=rp_id_of(request, ctx.state),
        rp_name=ctx.state.settings.rp_name,
        user_handle=ctx.operator.id.encode(),
        user_name=ctx.operator.email,
        existing=existing,
    )
    ctx.session.data["passkey_registration"] = challenge.challenge
    await anyio.to_thread.run_sync(ctx.state.sessions.save_data, ctx.session)
    return Response(challenge.options_json, media_type="application/json")


@router.post("/security/passkeys")
async def passkey_add(request: Request, ctx: Ctx) -> Response:
    challenge = str(ctx.session.data.pop("passkey_registration", "") or "")
    await anyio.to_thread.run_sync(ctx.state.sessions.save_data, ctx.session)
    body = await request.body()
    try:
        payload = webauthn_factors.parse_credential(body.decode("utf-8", "replace"))
        credential = payload.get("credential")
        if not challenge or not isinstance(credential, dict):
            raise FactorInvalid("The passkey prompt expired; add the passkey again.")
        new = webauthn_factors.verify_registration(
            credential,
            challenge=challenge,
            rp_id=rp_id_of(request, ctx.state),
            origin=origin_of(request),
        )
        name = str(payload.get("name") or "").strip()[:100] or "Passkey"

        def store() -> None:
            with for_writes(ctx.state.engine).begin() as connection:
                passkey_id = factors.new_passkey_id()
                factor_rows.add_passkey(
                    connection,
                    factor_rows.PasskeyRow(
                        id=passkey_id,
                        subject=ctx.operator.id,
                        platform_id=ctx.operator.platform_id,
                        credential_id=new.credential_id,
                        public_key=new.public_key,
                        sign_count=new.sign_count,
                        transports=new.transports,
                        name=name,
                        created_at=factors.now_micros(),
                        last_used_at=None,
                    ),
                )
                record(
                    connection,
                    actor=ctx.actor,
                    action="operator.passkey_added",
                    target=passkey_id,
                    details={"name": name, "platform_id": ctx.operator.platform_id},
                )

        await anyio.to_thread.run_sync(store)
    except CofferError as exc:
        return JSONResponse({"error": exc.message}, status_code=exc.status)
    return JSONResponse({"location": ACTIVE})


@router.post("/security/passkeys/delete")
async def passkey_delete(request: Request, ctx: Ctx) -> Response:
    form = await request.form()
    passkey_id = str(form.get("passkey") or "")[:40]
    with for_writes(ctx.state.engine).begin() as connection:
        if factor_rows.delete_passkey(connection, ctx.operator.id, passkey_id):
            record(
                connection, actor=ctx.actor, action="operator.passkey_removed", target=passkey_id
            )
    return redirect(ACTIVE)
