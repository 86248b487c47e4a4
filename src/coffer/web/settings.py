"""Settings of the web pages (console and wallet app) and of sign-in (``COFFER_WEB_*``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class WebSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COFFER_WEB_", env_file=".env", extra="ignore")

    enabled: bool = Field(
        default=True,
        description="Serve the operator console at /console and the wallet app at /app.",
    )
    secure_cookies: Literal["auto", "always", "never"] = Field(
        default="auto",
        description="Mark session cookies Secure (and send HSTS): `auto` when the request "
        "came over TLS (directly or, with uvicorn's --proxy-headers, through a proxy), "
        "`always` (behind a TLS proxy that does not say so), `never` (local HTTP only).",
    )
    hsts_seconds: int = Field(
        default=31_536_000,
        ge=0,
        description="max-age of the Strict-Transport-Security header sent over TLS. 0: none.",
    )
    session_idle_seconds: int = Field(
        default=1800,
        ge=60,
        le=86_400,
        description="A session unused for this long ends (the user signs in again).",
    )
    session_absolute_seconds: int = Field(
        default=43_200,
        ge=300,
        le=2_592_000,
        description="A session ends this long after sign-in, however active it is.",
    )
    pending_sign_in_seconds: int = Field(
        default=300,
        ge=30,
        le=3600,
        description="Time to complete a sign-in's second step (TOTP code or passkey) after "
        "the password was accepted.",
    )
    password_min_length: int = Field(
        default=12, ge=8, le=64, description="Shortest password accepted (characters)."
    )
    password_min_score: int = Field(
        default=3,
        ge=0,
        le=4,
        description="Least zxcvbn strength (0-4) a new password needs: it rejects passwords "
        "seen in breaches, common words, keyboard patterns, dates and the user's own email.",
    )
    lockout_failures: int = Field(
        default=5,
        ge=1,
        le=100,
        description="Failed sign-ins (password or second factor) for one account name after "
        "which it is locked for lockout_seconds, whether or not the account exists.",
    )
    lockout_seconds: int = Field(
        default=900, ge=10, le=86_400, description="How long a sign-in lockout lasts."
    )
    sign_in_rate_per_address: int = Field(
        default=30,
        ge=1,
        le=100_000,
        description="Sign-in attempts per minute from one source address; beyond, the "
        "form answers 'too many attempts' until the minute passes.",
    )
    rp_id: str | None = Field(
        default=None,
        description="WebAuthn relying party id (the site's domain, e.g. `pay.example.com`) "
        "for passkeys. Unset: the host name of the request.",
    )
    rp_name: str = Field(default="Coffer", description="Name shown by the passkey prompt.")
    console_first_operator_email: str = Field(
        default="admin@coffer.local",
        description="Email of the operator `coffer serve` creates on first run (an admin of "
        "the default platform; its password is printed once).",
    )
