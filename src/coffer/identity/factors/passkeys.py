"""WebAuthn passkeys (through the ``webauthn`` library): options for the browser and
verification of what it answers.

The browser side (``coffer/web/static/js/passkeys.js``) passes the options to
``PublicKeyCredential.parse*OptionsFromJSON`` and posts ``credential.toJSON()`` back.
Challenges are random, single use, and kept server-side in the caller's session.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidRegistrationResponse
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from coffer.errors import FactorInvalid, SignInFailed


@dataclass(frozen=True, slots=True)
class Challenge:
    options_json: str  # for the browser
    challenge: str  # base64url, kept in the session until the answer comes


@dataclass(frozen=True, slots=True)
class NewCredential:
    credential_id: bytes
    public_key: bytes
    sign_count: int
    transports: str


def _transports(text: str) -> list[AuthenticatorTransport] | None:
    out = []
    for name in text.split(","):
        try:
            out.append(AuthenticatorTransport(name))
        except ValueError:
            continue
    return out or None


def registration_challenge(
    *,
    rp_id: str,
    rp_name: str,
    user_handle: bytes,
    user_name: str,
    existing: list[tuple[bytes, str]],
    discoverable: bool = False,
) -> Challenge:
    """Options to create a passkey. ``discoverable``: the authenticator must keep it
    (a resident key, so that a sign-in needs no user name) and verify the user (biometrics
    or PIN), so that the passkey alone is a sign-in."""
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=rp_name,
        user_id=user_handle,
        user_name=user_name,
        user_display_name=user_name,
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=cid, transports=_transports(tr))
            for cid, tr in existing
        ],
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED
            if discoverable
            else ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.REQUIRED
            if discoverable
            else UserVerificationRequirement.PREFERRED,
        ),
    )
    return Challenge(options_to_json(options), bytes_to_base64url(options.challenge))


def _answer(credential: dict[str, Any], challenge: str, rp_id: str, origin: str) -> dict[str, Any]:
    """A passkey's answer and what it must match: our challenge, the site, the page."""
    return {
        "credential": credential,
        "expected_challenge": base64url_to_bytes(challenge),
        "expected_rp_id": rp_id,
        "expected_origin": origin,
    }


def verify_registration(
    credential: dict[str, Any], *, challenge: str, rp_id: str, origin: str
) -> NewCredential:
    try:
        verified = verify_registration_response(**_answer(credential, challenge, rp_id, origin))
    except (InvalidRegistrationResponse, ValueError, KeyError, TypeError) as exc:
        raise FactorInvalid(f"The passkey could not be registered: {exc}") from None
    response = credential.get("response") or {}
    transports = response.get("transports") if isinstance(response, dict) else None
    return NewCredential(
        credential_id=verified.credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        transports=",".join(str(t) for t in transports or [])[:200],
    )


def authentication_challenge(
    *, rp_id: str, allowed: list[tuple[bytes, str]], verify_user: bool = False
) -> Challenge:
    """Options for a sign-in; ``allowed`` empty lets the browser offer any passkey it holds
    for the site (a discoverable credential). ``verify_user``: the authenticator must
    verify the user (biometrics or PIN)."""
    options = generate_authentication_options(
        rp_id=rp_id,
        allow_credentials=[
            PublicKeyCredentialDescriptor(id=cid, transports=_transports(tr)) for cid, tr in allowed
        ],
        user_verification=UserVerificationRequirement.REQUIRED
        if verify_user
        else UserVerificationRequirement.PREFERRED,
    )
    return Challenge(options_to_json(options), bytes_to_base64url(options.challenge))


def credential_id_of(credential: dict[str, Any]) -> bytes:
    try:
        return base64url_to_bytes(str(credential["rawId"]))
    except (KeyError, ValueError, TypeError):
        raise SignInFailed("The passkey answer is not readable.") from None


def verify_authentication(
    credential: dict[str, Any],
    *,
    challenge: str,
    rp_id: str,
    origin: str,
    public_key: bytes,
    sign_count: int,
    verify_user: bool = False,
) -> int:
    """Verify a sign-in answer; returns the authenticator's new signature counter.
    ``verify_user``: refuse an answer whose authenticator did not verify the user."""
    try:
        verified = verify_authentication_response(
            **_answer(credential, challenge, rp_id, origin),
            credential_public_key=public_key,
            credential_current_sign_count=sign_count,
            require_user_verification=verify_user,
        )
    except (InvalidAuthenticationResponse, ValueError, KeyError, TypeError):
        raise SignInFailed("The passkey did not verify.") from None
    return int(verified.new_sign_count)


def parse_credential(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        raise FactorInvalid("The passkey answer is not JSON.") from None
    if not isinstance(value, dict):
        raise FactorInvalid("The passkey answer is not a JSON object.")
    return value
