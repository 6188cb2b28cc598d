"""Security headers on every response, whichever service answers.

- `X-Content-Type-Options: nosniff`: a browser never guesses a JSON answer is HTML or script.
- `Referrer-Policy: strict-origin-when-cross-origin`: addresses (ids, search terms) stay home.
- `Content-Security-Policy: frame-ancestors ...` and `X-Frame-Options`: no other site frames
  Plein (clickjacking), except the origins configured in PLEIN_FRAME_ANCESTORS (an embed).
- `Strict-Transport-Security`: when the request came over https (as the trusted proxy says).
- `Cache-Control: no-store` on API answers that set no caching of their own: they carry
  personal data and tokens, which no shared or browser cache should keep.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HSTS = "max-age=31536000; includeSubDomains"


class SecurityHeaders:
    """ASGI middleware adding the headers above to every HTTP response."""

    def __init__(self, app: ASGIApp, *, frame_ancestors: list[str]) -> None:
        self.app = app
        self.frame_ancestors = " ".join(["'self'", *frame_ancestors])
        # X-Frame-Options names no origin list: with an embed allowed, CSP alone decides.
        self.frame_options = None if frame_ancestors else "SAMEORIGIN"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        secure = scope.get("scheme") == "https"
        api = str(scope.get("path", "")).startswith("/api/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
                policy = headers.get("Content-Security-Policy")
                # A response that names its own frame ancestors (the web client's embed) has
                # decided who may frame it: no X-Frame-Options may contradict that.
                own_ancestors = policy is not None and "frame-ancestors" in policy
                if policy is None:
                    headers["Content-Security-Policy"] = f"frame-ancestors {self.frame_ancestors}"
                elif not own_ancestors:
                    headers["Content-Security-Policy"] = (
                        f"{policy}; frame-ancestors {self.frame_ancestors}"
                    )
                if self.frame_options and not own_ancestors:
                    headers.setdefault("X-Frame-Options", self.frame_options)
                if secure:
                    headers.setdefault("Strict-Transport-Security", HSTS)
                if api:
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, with_headers)
