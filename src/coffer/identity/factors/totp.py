"""TOTP (RFC 6238, through pyotp) and recovery codes.

A code is accepted for the current 30-second step and the one before or after (clock
drift), compared in constant time, and only once: the step of the last accepted code is
stored, and a code of that step or an earlier one is refused (no replay).
Recovery codes are 12 random base32 characters (60 bits), shown once, stored as SHA-256
(their entropy makes a slow hash unnecessary), each usable once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

import pyotp

STEP_SECONDS = 30
DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, *, account: str, issuer: str) -> str:
    """The otpauth:// URI an authenticator app reads (as a QR code or typed in)."""
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)


def matching_step(secret: str, code: str, *, at: float | None = None) -> int | None:
    """The time step whose code is ``code`` (within the allowed drift), or None."""
    code = "".join(code.split())
    if not code.isdigit() or len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    now = time.time() if at is None else at
    current = int(now) // STEP_SECONDS
    found: int | None = None
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        expected = totp.generate_otp(step)
        if hmac.compare_digest(expected.encode(), code.encode()) and found is None:
            found = step  # no early exit: every candidate is compared
    return found


def new_recovery_codes(count: int = RECOVERY_CODE_COUNT) -> list[str]:
    codes = []
    for _ in range(count):
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(12))
        codes.append(f"{raw[:4]}-{raw[4:8]}-{raw[8:]}")
    return codes


def normalize_recovery_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def looks_like_recovery_code(code: str) -> bool:
    return len(normalize_recovery_code(code)) == 12


def recovery_code_hash(code: str) -> bytes:
    return hashlib.sha256(normalize_recovery_code(code).encode("ascii", "replace")).digest()
