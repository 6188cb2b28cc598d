"""The tokens a session keeps, sealed (Fernet: AES-128-CBC with an HMAC) under a key from the
settings, so that a copy of the web schema lets no one act as the people signed in."""

from __future__ import annotations

import structlog
from cryptography.fernet import Fernet, InvalidToken, MultiFernet

log = structlog.get_logger(__name__)


class TokenSeal:
    """Seals and opens tokens. Several keys (comma-separated): the first seals, any opens,
    so a key is rotated by putting the new one first."""

    def __init__(self, keys: str | None) -> None:
        listed = [k.strip() for k in (keys or "").split(",") if k.strip()]
        if not listed:
            # `make run` works without one; sign-ins then end when the web client restarts.
            log.warning("no PLEIN_WEB_TOKEN_KEY: a key for this process only")
            listed = [Fernet.generate_key().decode()]
        self._fernet = MultiFernet([Fernet(k.encode()) for k in listed])

    def seal(self, token: str | None) -> str | None:
        return None if token is None else self._fernet.encrypt(token.encode()).decode()

    def open(self, sealed: str | None) -> str | None:
        """The token; None when there is none or it was sealed under a key no longer held."""
        if sealed is None:
            return None
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken:
            return None
