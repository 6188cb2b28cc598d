"""Refuse request bodies above a size limit before anything reads them."""

from __future__ import annotations

from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .problems import send_problem


class BodySizeLimit:
    """ASGI middleware: 413 problem for bodies over `max_bytes`, declared or streamed.

    `exempt` names the requests whose route streams the body and enforces a limit of its
    own (file uploads)."""

    def __init__(
        self, app: ASGIApp, max_bytes: int, exempt: Callable[[Scope], bool] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.exempt = exempt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (self.exempt is not None and self.exempt(scope)):
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, send)
            return
        received = 0
        started = over = refused = False

        async def limited_receive() -> Message:
            # Past the limit the app is told the client went away (an exception here would
            # reach FastAPI's body parsing and come out as a 400), and the 413 is sent here,
            # unless the app has already begun its own answer.
            nonlocal received, over, refused
            if over:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    over = True
                    if not started:
                        await self._refuse(scope, send)
                        refused = True
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:
                return  # the 413 is the answer
            started = started or message["type"] == "http.response.start"
            await send(message)

        await self.app(scope, limited_receive, guarded_send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        await send_problem(
            send,
            413,
            f"Request bodies are limited to {self.max_bytes} bytes.",
            instance=scope.get("path"),
        )


class StorableUrl:
    """ASGI middleware: 422 problem for a path or query string that holds a NUL (`%00`).

    No PostgreSQL text can hold one, so a search term, a topic name or any other value read
    from the URL with a NUL in it could only fail further in, as a 500.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            query = scope.get("query_string", b"")
            if "\x00" in scope.get("path", "") or b"%00" in query or b"\x00" in query:
                await send_problem(
                    send,
                    422,
                    "The address may not contain a NUL character (%00).",
                    instance=scope.get("path"),
                )
                return
        await self.app(scope, receive, send)
