"""Passwords: which are acceptable (NIST SP 800-63B, zxcvbn) and hashing with argon2
(argon2-cffi's recommended parameters)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

_hasher = PasswordHasher()
# Verifying against this when the e-mail is unknown keeps both answers equally slow.
_DUMMY_HASH = _hasher.hash("plein-dummy-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


# NIST SP 800-63B (5.1.1.2): at least 8 characters, no composition rules, and no password
# found in lists of common, breached or context-specific ones. zxcvbn estimates how guessable
# a password is from such lists (common passwords, words, names, keyboard patterns, dates,
# repeats) and the person's own details; score 2 means more than 10^6 guesses are needed.
MIN_PASSWORD_CHARS = 8
MIN_STRENGTH = 2
_CHECKED_CHARS = 64  # zxcvbn's cost grows with length; a strong prefix makes a strong whole


def weak_password(password: str, *, email: str) -> str | None:
    """Why `password` is refused for the person with `email`, or None when it is acceptable."""
    if len(password) < MIN_PASSWORD_CHARS:
        return f"A password needs at least {MIN_PASSWORD_CHARS} characters."
    local, _, domain = email.lower().partition("@")
    if password.strip().lower() in {email.lower(), local}:
        return "A password may not be your e-mail address."
    result = zxcvbn(password[:_CHECKED_CHARS], user_inputs=[email, local, *domain.split(".")])
    if result["score"] >= MIN_STRENGTH:
        return None
    warning = result["feedback"].get("warning") or "It is too easy to guess."
    return (
        f"This password is too easy to guess: {warning.rstrip('.')}. A few unrelated words "
        "or a longer phrase work well; no special characters are required."
    )
