"""Password policy and hashing (Argon2id through argon2-cffi).

The policy refuses passwords shorter than the minimum length, longer than
:data:`MAX_PASSWORD_LENGTH`, or weaker than a zxcvbn score: zxcvbn rates a password
against lists of passwords seen in breaches, common words and names, keyboard walks,
repeats, sequences and dates, and against words of the user's own (the email).
"""

from __future__ import annotations

from collections.abc import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from zxcvbn import zxcvbn

from coffer.errors import WeakPassword

MAX_PASSWORD_LENGTH = 256
ZXCVBN_MAX_LENGTH = 72
_hasher = PasswordHasher()  # Argon2id, argon2-cffi's defaults (RFC 9106 low-memory profile)
# Verified against when an account does not exist, so a sign-in takes as long either way.
_DUMMY_HASH = _hasher.hash("coffer: no such account, this hash only spends the same time")


def check_password(
    password: str, *, min_length: int, min_score: int, user_inputs: Iterable[str] = ()
) -> None:
    """Raise :class:`WeakPassword` (saying why) unless ``password`` meets the policy."""
    if len(password) < min_length:
        raise WeakPassword(f"The password must have at least {min_length} characters.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise WeakPassword(f"The password must have at most {MAX_PASSWORD_LENGTH} characters.")
    words: list[str] = []
    for text in user_inputs:
        words.append(text)
        words.extend(part for part in text.replace("@", " ").replace(".", " ").split() if part)
    # zxcvbn rates at most ZXCVBN_MAX_LENGTH characters (it refuses longer input): the
    # rest of a longer password only adds to its strength
    result = zxcvbn(password[:ZXCVBN_MAX_LENGTH], user_inputs=words)
    if int(result["score"]) < min_score:
        feedback = result.get("feedback") or {}
        reason = str(feedback.get("warning") or "").strip()
        advice = " ".join(str(s) for s in feedback.get("suggestions") or [])
        message = "The password is too easy to guess"
        message += f": {reason}" if reason else "."
        if advice:
            message += f" {advice}"
        raise WeakPassword(message.strip())


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored_hash``; with ``None`` (no such account) it
    verifies against a dummy hash and answers False, spending the same time."""
    if len(password) > MAX_PASSWORD_LENGTH:
        password = password[:MAX_PASSWORD_LENGTH]
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)
