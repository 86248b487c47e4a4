"""The end-user API under ``/api/me/v1``: what a signed-in customer's own app (mobile,
or a platform's front end) calls. Every route reaches only the signed-in user's own data.

Auth: sign in (``POST /sign-in``, then ``/sign-in/second-factor`` when the account has a
second factor, or ``/sign-in/passkey``) to get a session token, then send
``Authorization: Bearer <token>``. A session is a device: listed at ``GET /devices`` and
revocable there. Sensitive actions answer 403 ``step_up_required`` unless a second factor
was checked in the session within ``COFFER_APP_STEP_UP_SECONDS``
(``POST /security/step-up``). Errors have the wallets API's typed shape.
"""

from __future__ import annotations

import secrets
from typing import Annotated

import anyio.to_thread
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from coffer.errors import SignInFailed
from coffer.identity.users import Actor, SignedIn
from coffer.identity.users import schemas as U
from coffer.identity.users.repository import as_datetime
from coffer.wallets import schemas as S
from coffer.wallets.endpoints.deps import IdempotencyKey, absolute
from coffer.wallets.http_errors import WalletRoute, errors
from coffer.web.app.state import (
    REALM,
    AppState,
    actor_of,
    app_state,
    keep_challenge,
    relying_party,
    take_challenge,
)
from coffer.web.pages import client_address
from coffer.web.sessions import WebSession

PREFIX = "/api/me/v1"
AUTH = (401, 422)
bearer = HTTPBearer(auto_error=False, description="The session token of POST /sign-in.")
State = Annotated[AppState, Depends(app_state)]


def _session(
    request: Request,
    state: State,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> WebSession | None:
    if credentials is None:
        return None
    return state.sessions.load_token(credentials.credentials, REALM)


def signed_in_session(
    request: Request, session: Annotated[WebSession | None, Depends(_session)]
) -> WebSession:
    actor = actor_of(session)  # Unauthorized unless signed in
    assert session is not None
    request.state.platform_id = actor.platform_id
    return session


SessionOf = Annotated[WebSession, Depends(signed_in_session)]


def current_actor(session: SessionOf) -> Actor:
    return actor_of(session)


Me = Annotated[Actor, Depends(current_actor)]

public = APIRouter(route_class=WalletRoute)
private = APIRouter(route_class=WalletRoute, dependencies=[Depends(signed_in_session)])


def _answer(session: WebSession, methods: tuple[str, ...] = ()) -> U.Session:
    return U.Session(
        status="signed_in" if session.stage == "full" else "second_factor_required",
        token=session.token,
        methods=list(methods),  # type: ignore[arg-type]
        expires_at=as_datetime(session.expires_at),
    )


def _promote(
    request: Request,
    state: AppState,
    previous: WebSession | None,
    user: SignedIn,
    *,
    full: bool,
) -> WebSession:
    return state.sessions.promote(
        request,
        previous,
        realm=REALM,
        stage="full" if full else "pending",
        subject=user.user_id,
        platform_id=user.platform_id,
        second_factor=False,  # signing in never counts as step-up
        data={"customer_id": user.customer_id},
    )


# -- sign-up and sign-in -------------------------------------------------------------------


@public.post("/sign-up", status_code=201, responses=errors(400, 403, 409, 422, 429))
def sign_up(body: U.SignUp, request: Request, state: State) -> U.Session:
    """Create an account: a Coffer customer with a wallet in the default currency. The
    answer is a signed-in session (add a second factor at /security/totp or
    /security/passkeys)."""
    address = client_address(request)
    user = state.users.sign_up(body, address=address)
    state.users.signed_in(user, method="sign_up", address=address)
    return _answer(_promote(request, state, None, user, full=True))


@public.post("/sign-in", responses=errors(401, 422, 429))
def sign_in(body: U.SignIn, request: Request, state: State) -> U.Session:
    """Email and password. An account with a second factor answers
    ``second_factor_required`` with a token that only completes the sign-in."""
    address = client_address(request)
    user = state.users.sign_in_password(body.email, body.password, address=address)
    if not user.methods:
        state.users.signed_in(user, method="password", address=address)
        return _answer(_promote(request, state, None, user, full=True))
    session = _promote(request, state, None, user, full=False)
    session.data["email"] = user.email
    state.sessions.save_data(session)
    return _answer(session, user.methods)


@public.post("/sign-in/second-factor", responses=errors(401, 422, 429))
def sign_in_second_factor(
    body: U.SecondFactorCode,
    request: Request,
    state: State,
    session: Annotated[WebSession | None, Depends(_session)],
) -> U.Session:
    """The second step: a TOTP code (or a recovery code), with the first step's token."""
    if session is None or session.stage != "pending" or session.subject is None:
        raise SignInFailed("Sign in again: this sign-in expired.")
    address = client_address(request)
    user = state.users.pending_user(str(session.platform_id), session.subject)
    state.users.sign_in_code(user, body.code, address=address)
    state.users.signed_in(user, method="password+totp", address=address)
    return _answer(_promote(request, state, session, user, full=True))


@public.post("/sign-in/passkey/options", responses=errors(422))
def sign_in_passkey_options(request: Request, state: State) -> U.PasskeyOptions:
    """Options for signing in with a passkey alone; ``challenge_id`` goes back with the
    answer."""
    import json

    from coffer.identity.factors import passkeys as P

    rp_id, _ = relying_party(request, state.web)
    challenge = P.authentication_challenge(rp_id=rp_id, allowed=[], verify_user=True)
    anonymous = state.sessions.start_anonymous(request, REALM)
    keep_challenge(anonymous, "sign_in", challenge.challenge, "sign_in")
    state.sessions.save_data(anonymous)
    return U.PasskeyOptions(
        challenge_id=anonymous.token, options=json.loads(challenge.options_json)
    )


@public.post("/sign-in/passkey", responses=errors(401, 422))
def sign_in_passkey(body: U.PasskeyAnswer, request: Request, state: State) -> U.Session:
    anonymous = state.sessions.load_token(body.challenge_id, REALM)
    if anonymous is None or anonymous.stage != "anonymous":
        raise SignInFailed("The passkey prompt expired; start again.")
    challenge, rp_id, origin = _taken(request, anonymous, state, "sign_in", "sign_in")
    address = client_address(request)
    user = state.users.sign_in_passkey(
        body.credential, challenge=challenge, rp_id=rp_id, origin=origin, address=address
    )
    state.users.signed_in(user, method="passkey", address=address)
    return _answer(_promote(request, state, anonymous, user, full=True))


@private.post("/sign-out", status_code=204, responses=errors(*AUTH))
def sign_out(session: SessionOf, state: State) -> Response:
    """End this session (this device)."""
    state.sessions.revoke(session)
    return Response(status_code=204)


# -- the account and its security ----------------------------------------------------------


@private.get("/me", responses=errors(*AUTH))
def me(actor: Me, state: State) -> U.Me:
    return state.users.me(actor)


@private.patch("/me", responses=errors(*AUTH, 400))
def change_me(body: U.LocaleChange, actor: Me, state: State) -> U.Me:
    state.users.set_locale(actor, body.locale)
    return state.users.me(actor)


@private.post("/security/step-up", responses=errors(*AUTH, 403, 429))
def step_up(
    body: U.SecondFactorCode, request: Request, session: SessionOf, state: State
) -> U.StepUp:
    """Confirm with a TOTP or recovery code: sensitive actions are allowed in this session
    for COFFER_APP_STEP_UP_SECONDS."""
    actor = actor_of(session)
    state.users.step_up_code(actor, body.code, address=client_address(request))
    state.sessions.mark_second_factor(session)
    return state.users.me(actor_of(session)).step_up


@private.post("/security/step-up/passkey/options", responses=errors(*AUTH, 400))
def step_up_passkey_options(request: Request, session: SessionOf, state: State) -> U.PasskeyOptions:
    return _challenge(request, session, state, "step_up")


@private.post("/security/step-up/passkey", responses=errors(*AUTH, 400, 401, 403))
def step_up_passkey(
    body: U.PasskeyAnswer, request: Request, session: SessionOf, state: State
) -> U.StepUp:
    challenge, rp_id, origin = _taken(request, session, state, body.challenge_id, "step_up")
    actor = actor_of(session)
    state.users.step_up_passkey(
        actor, body.credential, challenge=challenge, rp_id=rp_id, origin=origin
    )
    state.sessions.mark_second_factor(session)
    return state.users.me(actor_of(session)).step_up


def _taken(
    request: Request, session: WebSession, state: AppState, challenge_id: str, purpose: str
) -> tuple[str, str, str]:
    """The WebAuthn challenge kept for ``purpose`` (removed: single use), the relying
    party's id and the origin a passkey answer is checked against."""
    challenge = take_challenge(session, challenge_id, purpose)
    state.sessions.save_data(session)
    return (challenge, *relying_party(request, state.web))


def _challenge(
    request: Request, session: WebSession, state: AppState, purpose: str
) -> U.PasskeyOptions:
    import json

    rp_id, _ = relying_party(request, state.web)
    actor = actor_of(session)
    if purpose == "step_up":
        challenge = state.users.passkey_challenge(actor, rp_id=rp_id)
    else:
        challenge = state.users.passkey_registration(actor, rp_id=rp_id, rp_name=state.web.rp_name)
    challenge_id = secrets.token_urlsafe(12)
    keep_challenge(session, challenge_id, challenge.challenge, purpose)
    state.sessions.save_data(session)
    return U.PasskeyOptions(challenge_id=challenge_id, options=json.loads(challenge.options_json))


@private.post("/security/password", status_code=204, responses=errors(*AUTH, 400, 403))
def change_password(body: U.PasswordChange, request: Request, actor: Me, state: State) -> Response:
    state.users.change_password(
        actor, body.current_password, body.new_password, address=client_address(request)
    )
    return Response(status_code=204)


@private.post("/security/totp", responses=errors(*AUTH, 400, 403))
def start_totp(actor: Me, state: State) -> U.TotpSetup:
    """Start setting up TOTP: type the secret into an authenticator app, then confirm with
    a code it shows."""
    return state.users.start_totp(actor)


@private.post("/security/totp/confirm", responses=errors(*AUTH, 400))
def confirm_totp(
    body: U.SecondFactorCode, request: Request, actor: Me, state: State
) -> U.RecoveryCodes:
    codes = state.users.confirm_totp(actor, body.code, address=client_address(request))
    return U.RecoveryCodes(codes=codes)


@private.delete("/security/totp", status_code=204, responses=errors(*AUTH, 403))
def remove_totp(request: Request, actor: Me, state: State) -> Response:
    state.users.remove_totp(actor, address=client_address(request))
    return Response(status_code=204)


@private.post("/security/recovery-codes", responses=errors(*AUTH, 400, 403))
def new_recovery_codes(request: Request, actor: Me, state: State) -> U.RecoveryCodes:
    return U.RecoveryCodes(
        codes=state.users.new_recovery_codes(actor, address=client_address(request))
    )


@private.get("/security/passkeys", responses=errors(*AUTH))
def list_passkeys(actor: Me, state: State) -> list[U.Passkey]:
    return state.users.passkeys(actor)


@private.post("/security/passkeys/options", responses=errors(*AUTH, 403))
def passkey_options(request: Request, session: SessionOf, state: State) -> U.PasskeyOptions:
    """Options to create a passkey on this device (navigator.credentials.create)."""
    return _challenge(request, session, state, "register")


@private.post("/security/passkeys", status_code=201, responses=errors(*AUTH, 400, 403))
def add_passkey(
    body: U.PasskeyRegistration, request: Request, session: SessionOf, state: State
) -> U.Passkey:
    challenge, rp_id, origin = _taken(request, session, state, body.challenge_id, "register")
    return state.users.add_passkey(
        actor_of(session),
        body.credential,
        challenge=challenge,
        rp_id=rp_id,
        origin=origin,
        name=body.name,
        address=client_address(request),
    )


@private.delete(
    "/security/passkeys/{passkey_id}", status_code=204, responses=errors(*AUTH, 403, 404)
)
def remove_passkey(passkey_id: str, request: Request, actor: Me, state: State) -> Response:
    state.users.remove_passkey(actor, passkey_id, address=client_address(request))
    return Response(status_code=204)


@private.get("/devices", responses=errors(*AUTH))
def devices(session: SessionOf, state: State) -> list[U.Device]:
    """The signed-in sessions of this account (this one is ``current``)."""
    return device_list(state, session)


def device_list(state: AppState, session: WebSession) -> list[U.Device]:
    with state.users.unit() as connection:
        rows = state.sessions.active(connection, str(session.subject))
    return [
        U.Device(
            id=row.public_id,
            current=row.public_id == session.public_id,
            user_agent=row.user_agent,
            address=row.address,
            created_at=as_datetime(row.created_at),
            last_seen_at=as_datetime(row.last_seen_at),
        )
        for row in rows
        if row.realm == REALM and row.stage == "full"
    ]


@private.delete("/devices/{device_id}", status_code=204, responses=errors(*AUTH, 404))
def revoke_device(device_id: str, session: SessionOf, state: State) -> Response:
    """Sign a device out (its session ends at once)."""
    revoke(state, session, device_id)
    return Response(status_code=204)


def revoke(state: AppState, session: WebSession, device_id: str) -> None:
    from coffer.errors import ResourceNotFound

    with state.users.unit() as connection:
        if not state.sessions.revoke_one(connection, str(session.subject), device_id):
            raise ResourceNotFound(f"no device {device_id!r} of yours is signed in")


# -- money ------------------------------------------------------------------------------------


@private.get("/wallets", responses=errors(*AUTH))
def wallets(actor: Me, state: State) -> list[S.Wallet]:
    """Balances per currency."""
    return state.users.wallets(actor)


@private.post("/wallets", status_code=201, responses=errors(*AUTH, 400, 409))
def open_wallet(body: U.WalletOpen, actor: Me, state: State) -> S.Wallet:
    return state.users.open_wallet(actor, body.currency)


@private.get("/wallets/{wallet_id}", responses=errors(*AUTH, 404))
def wallet(wallet_id: str, actor: Me, state: State) -> S.Wallet:
    return state.users.wallet(actor, wallet_id)


@private.get("/history", responses=errors(*AUTH, 404))
def history(
    actor: Me,
    state: State,
    wallet_id: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> list[U.HistoryLine]:
    """Movements, newest first, with the assistant's category where known."""
    return state.users.history(actor, wallet_id=wallet_id, limit=limit)


@private.post("/transfers/quote", responses=errors(*AUTH, 400, 404))
def quote(body: U.TransferQuoteRequest, actor: Me, state: State) -> U.TransferQuote:
    """The fee and what the recipient gets, before confirming. Nothing moves."""
    return state.users.quote(actor, body)


@private.post("/transfers", status_code=201, responses=errors(*AUTH, 400, 403, 404, 409))
def send(
    body: U.TransferQuoteRequest, actor: Me, state: State, key: IdempotencyKey = None
) -> S.Transfer:
    """Send money to another customer (``to_email``) or a saved beneficiary. Above the
    platform's threshold: 403 step_up_required without a fresh second factor."""
    return state.users.send(actor, body, idempotency_key=key)


@private.get("/beneficiaries", responses=errors(*AUTH))
def beneficiaries(actor: Me, state: State) -> list[U.Beneficiary]:
    return state.users.beneficiaries(actor)


@private.post("/beneficiaries", status_code=201, responses=errors(*AUTH, 400, 403, 404))
def add_beneficiary(body: U.BeneficiaryCreate, actor: Me, state: State) -> U.Beneficiary:
    """Save another customer (by email) or a bank account (IBAN). Needs a fresh second
    factor (403 step_up_required)."""
    return state.users.add_beneficiary(actor, body)


@private.delete("/beneficiaries/{beneficiary_id}", status_code=204, responses=errors(*AUTH, 404))
def delete_beneficiary(beneficiary_id: str, actor: Me, state: State) -> Response:
    state.users.delete_beneficiary(actor, beneficiary_id)
    return Response(status_code=204)


@private.post("/top-ups", status_code=201, responses=errors(*AUTH, 400, 402, 403, 404, 409))
async def top_up(
    body: U.TopUpRequest, request: Request, actor: Me, state: State, key: IdempotencyKey = None
) -> S.Payin:
    """Top up a wallet by card. ``requires_action``: open ``next_action.url`` (3-D
    Secure) in the customer's browser."""
    payin = await anyio.to_thread.run_sync(
        lambda: state.users.top_up(actor, body, idempotency_key=key)
    )
    return absolute(payin, request)


@private.get("/top-ups/{payin_id}", responses=errors(*AUTH, 404))
def top_up_status(payin_id: str, request: Request, actor: Me, state: State) -> S.Payin:
    return absolute(state.users.top_up_returned(actor, payin_id), request)


@private.get("/payouts", responses=errors(*AUTH))
def payouts(actor: Me, state: State) -> list[S.Payout]:
    return state.users.payouts(actor)


@private.post("/payouts", status_code=201, responses=errors(*AUTH, 400, 403, 404, 409))
def payout(body: U.PayoutRequest, actor: Me, state: State, key: IdempotencyKey = None) -> S.Payout:
    """Pay out to a saved bank account. Always needs a fresh second factor (403
    step_up_required)."""
    return state.users.payout(actor, body, idempotency_key=key)


@private.get("/notifications", responses=errors(*AUTH))
def notifications(
    request: Request,
    actor: Me,
    session: SessionOf,
    state: State,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> list[U.Notification]:
    """Newest first, with those the domains' events bring (money received from outside
    the app, a payout returned, a movement under review, a failed rule, an alert)."""
    from coffer.web.app.customer import Domains
    from coffer.web.app.feed import sync

    sync(Domains(request.app, state), actor, session)
    return state.users.notifications(actor, limit=limit)


@private.post("/notifications/read", responses=errors(*AUTH))
def read_all(actor: Me, state: State) -> dict[str, int]:
    return {"marked": state.users.mark_read(actor)}


@private.post("/notifications/{notification_id}/read", responses=errors(*AUTH, 404))
def read_one(notification_id: str, actor: Me, state: State) -> dict[str, int]:
    return {"marked": state.users.mark_read(actor, notification_id)}


router = APIRouter(prefix=PREFIX, tags=["me"], route_class=WalletRoute)
router.include_router(public)
router.include_router(private)

__all__ = ["PREFIX", "router"]
