"""RFC 9457 problem details for every error a Plein service returns."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any

import structlog
from eventsourcing.persistence import IntegrityError
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Send

from .database import RETRY_AFTER_OUTAGE_S, is_database_unavailable
from .errors import DomainError

log = structlog.get_logger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"
_TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Content too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Too many requests",
    500: "Internal server error",
}


def problem(
    status: int,
    detail: str | None = None,
    *,
    title: str | None = None,
    instance: str | None = None,
    **extensions: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title or _TITLES.get(status, "Error"),
        "status": status,
    }
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    body.update(extensions)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(
        jsonable_encoder(body), status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers
    )


def problem_body(status: int, detail: str, *, instance: str | None = None) -> bytes:
    """The JSON of a problem document, for ASGI middleware that answers before FastAPI does."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    return json.dumps(body).encode()


async def send_problem(
    send: Send,
    status: int,
    detail: str,
    *,
    instance: str | None = None,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    """Answer an ASGI request with a problem document (from middleware, outside FastAPI)."""
    body = problem_body(status, detail, instance=instance)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def retry_after_s(extensions: dict[str, Any]) -> int:
    """Whole seconds to wait, from a 429's `retry_after_s` or `retry_after` (an ISO time)."""
    if "retry_after_s" in extensions:
        return max(1, math.ceil(float(extensions["retry_after_s"])))
    if "retry_after" in extensions:
        at = datetime.fromisoformat(str(extensions["retry_after"]))
        return max(1, math.ceil((at - datetime.now(UTC)).total_seconds()))
    return 1


PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "An error, as an RFC 9457 problem document",
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
    "additionalProperties": True,
}
_PROBLEM_RESPONSE = {
    "description": "An error, as an RFC 9457 problem document",
    "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
}


def with_problem_responses(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` (an OpenAPI document) saying what every operation really answers on error: a
    problem document, for 422 (FastAPI documents its own validation body, which Plein does
    not send) and for every other status (`default`: 400, 401, 403, 404, 409, 413, 429...)."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    for item in schema.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            if "422" in responses:
                responses["422"] = {**_PROBLEM_RESPONSE, "description": "Invalid input"}
            responses.setdefault("default", _PROBLEM_RESPONSE)
    return schema


def _document_problems(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = with_problem_responses(generate())
        return app.openapi_schema

    setattr(app, "openapi", openapi)  # noqa: B010 (FastAPI's documented way to customise it)


def install_problem_handlers(app: FastAPI) -> None:
    """Make every error of `app` a problem document: domain errors, HTTP errors, bad input, bugs.

    The OpenAPI document says so too (`with_problem_responses`).
    """
    _document_problems(app)

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        response = problem(
            exc.status, exc.detail, title=exc.title, instance=request.url.path, **exc.extensions
        )
        if exc.status in (429, 503):
            response.headers["Retry-After"] = str(retry_after_s(exc.extensions))
        return response

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else None
        return problem(exc.status_code, detail, instance=request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "location": list(e.get("loc", ())),
                "message": e.get("msg"),
                "type": e.get("type"),
                # the limits (max_length, ...) that clients word the message with
                "context": {
                    k: v
                    for k, v in (e.get("ctx") or {}).items()
                    if isinstance(v, (int, float, str))
                },
            }
            for e in exc.errors()
        ]
        return problem(
            422,
            "The request does not match the expected shape.",
            instance=request.url.path,
            errors=errors,
        )

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> JSONResponse:
        if is_database_unavailable(exc):
            # PostgreSQL is away (crashed, restarting, failing over): a write cannot be kept
            # now. Say so at once, and when to come back, instead of a 500 that reads as a bug.
            log.warning("database unavailable", path=request.url.path, error=repr(exc))
            response = problem(
                503,
                "The database is unavailable for a moment; try again shortly.",
                title="Service unavailable",
                instance=request.url.path,
                retry_after_s=RETRY_AFTER_OUTAGE_S,
            )
            response.headers["Retry-After"] = str(RETRY_AFTER_OUTAGE_S)
            return response
        if isinstance(exc, IntegrityError):
            # Two writes to one aggregate at once (a retried request racing its first try):
            # the event store kept the first; the second is a conflict, not a bug.
            log.warning("concurrent write refused", path=request.url.path, error=repr(exc))
            return problem(
                409,
                "Someone changed this at the same time; reload and try again.",
                instance=request.url.path,
            )
        log.exception("unhandled error", path=request.url.path)
        return problem(500, "Something went wrong on our side.", instance=request.url.path)
