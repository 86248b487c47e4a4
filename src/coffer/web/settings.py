"""Settings of the web pages (console and wallet app) and of sign-in (``COFFER_WEB_*``)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from coffer.settings import CofferSettings


class WebSettings(CofferSettings):
    model_config = SettingsConfigDict(env_prefix="COFFER_WEB_")

    enabled: bool = True
    """Serve the operator console at /console and the wallet app at /app."""
    secure_cookies: Literal["auto", "always", "never"] = "auto"
    """Mark session cookies Secure (and send HSTS): `auto` when the request came over TLS (directly
    or, with uvicorn's --proxy-headers, through a proxy), `always` (behind a TLS proxy that does not
    say so), `never` (local HTTP only)."""
    hsts_seconds: Annotated[int, Field(ge=0)] = 31_536_000
    """max-age of the Strict-Transport-Security header sent over TLS. 0: none."""
    session_idle_seconds: Annotated[int, Field(ge=60, le=86_400)] = 1800
    """A session unused for this long ends (the user signs in again)."""
    session_absolute_seconds: Annotated[int, Field(ge=300, le=2_592_000)] = 43_200
    """A session ends this long after sign-in, however active it is."""
    pending_sign_in_seconds: Annotated[int, Field(ge=30, le=3600)] = 300
    """Time to complete a sign-in's second step (TOTP code or passkey) after the password was
    accepted."""
    password_min_length: Annotated[int, Field(ge=8, le=64)] = 12
    """Shortest password accepted (characters)."""
    password_min_score: Annotated[int, Field(ge=0, le=4)] = 3
    """Least zxcvbn strength (0-4) a new password needs: it rejects passwords seen in breaches,
    common words, keyboard patterns, dates and the user's own email."""
    lockout_failures: Annotated[int, Field(ge=1, le=100)] = 5
    """Failed sign-ins (password or second factor) for one account name after which it is locked for
    lockout_seconds, whether or not the account exists."""
    lockout_seconds: Annotated[int, Field(ge=10, le=86_400)] = 900
    """How long a sign-in lockout lasts."""
    sign_in_rate_per_address: Annotated[int, Field(ge=1, le=100_000)] = 30
    """Sign-in attempts per minute from one source address; beyond, the form answers 'too many
    attempts' until the minute passes."""
    rp_id: str | None = None
    """WebAuthn relying party id (the site's domain, e.g. `pay.example.com`) for passkeys. Unset:
    the host name of the request."""
    rp_name: str = "Coffer"
    """Name shown by the passkey prompt."""
    console_first_operator_email: str = "admin@coffer.local"
    """Email of the operator `coffer serve` creates on first run (an admin of the default platform;
    its password is printed once)."""
