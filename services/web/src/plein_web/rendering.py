"""Pages from Jinja2 templates (auto-escaped, translated), links in user text made safe, and the
headers every answer carries (CSP without inline script, the session cookie)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import jwt
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape
from plein_events.contract import FORMER_COLLEAGUE, REMOVED_TEXT
from plein_events.text import plain_text
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import i18n, markdown
from .compose import BADGES, MAX_TEXT_CHARS, REACTIONS
from .dashboard import manages_community
from .exports import part_name
from .icons import Icons
from .people import cached_photo
from .settings import WebSettings
from .visits import ANSWER, COOKIE, CSRF_FIELD, DEVICE_COOKIE, Visit

TEMPLATES = Path(__file__).parent / "templates"

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: https:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]


def rich_text(text: str | None, mentioned: Iterable[str | Mapping[str, Any]] = ()) -> Markup:
    """User text (Markdown) as HTML through markdown.render: formatting, links made safe
    (rel="nofollow noopener"), #topics linked, each mentioned person's whole name (or @handle)
    one link to their profile (a bare name, without a profile, only marked); typed HTML shows
    as text and the sanitiser keeps only its allow-list."""
    if not text:
        return Markup("")
    if text == REMOVED_TEXT:  # the words of an erased person: the marker in the reader's language
        return Markup('<em class="removed">{}</em>').format(i18n.gettext("[removed]"))
    if isinstance(text, Markup):  # a template's own words, escaped already: the text they say
        text = text.unescape()
    return Markup(markdown.render(text, mentions(mentioned)).html)


def mentions(people: Iterable[str | Mapping[str, Any]]) -> list[markdown.Mention]:
    """What "@label" links to: each person's whole name and handle their profile (a bare name
    without a profile is only marked)."""
    labels: list[tuple[str, str | None]] = []
    for person in people:
        if isinstance(person, str):
            labels.append((person, None))
            continue
        href = f"/people/{person['id']}" if person.get("id") else None
        for label in (person.get("display_name"), person.get("handle")):
            if label:
                labels.append((str(label), href))
    return markdown.mentions_of(labels)


def mentioned(ids: Iterable[Any] | None, people: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The mentioned people's profiles (id, display_name, handle), as rich_text links them."""
    found = (people.get(str(i)) for i in ids or [])
    return [p for p in found if p and p.get("display_name") != "?"]


FOLD_CHARS = 600  # a list shows at most about this much of a post before "show more"
FOLD_LINES = 8


def folded(text: str | None, chars: int = FOLD_CHARS) -> tuple[str, str]:
    """A post's text as a list shows it: (what is shown, what "show more" opens; "" when it
    all fits), split after a whole Markdown block (so both halves render whole), a long first
    paragraph at a line break or else a space, never inside a word."""
    return markdown.fold(text or "", chars, FOLD_LINES)


def limit_attributes() -> Markup:
    """A text box's limit for feed.js's counter, with its message in the page's language
    ({count} and {max} filled in by the script)."""
    message = i18n.gettext(
        "Too long: {count} characters, at most {max} fit. Shorten it, or split it into two posts."
    )
    return Markup('data-limit="{}" data-too-long="{}"').format(MAX_TEXT_CHARS, message)


def highlighted(segments: list[dict[str, Any]] | None, fallback: str | None = None) -> Markup:
    """Search results' segments (text, match) as HTML with <mark> around the matches."""
    if not segments:
        return Markup(escape(fallback or ""))
    out = []
    for segment in segments:
        text = escape(segment.get("text", ""))
        out.append(f"<mark>{text}</mark>" if segment.get("match") else str(text))
    return Markup("".join(out))


_IDENTITY_PHOTO = re.compile(r"/api/identity/users/([0-9a-f-]{36})/photo(\?v=[0-9a-f]+)?$")


def face(photo_url: str | None) -> str | None:
    """Where the page loads a photo from: identity's photos through this service (they need
    the session's token); any other address as it is."""
    if not photo_url:
        return None
    found = _IDENTITY_PHOTO.search(photo_url)
    if found:
        return f"/people/{found.group(1)}/photo{found.group(2) or ''}"
    return photo_url if photo_url.startswith("https://") else None


def person_name(name: str | None) -> str | None:
    """A person's name as the page shows it: an erased person's placeholder in the reader's
    language (the events carry it in English), anyone else's name as it is."""
    if name == FORMER_COLLEAGUE:
        return i18n.gettext("former colleague")
    return name


def network_admin(session: Any) -> bool:
    """Whether the signed-in person's token names the network admin role: only to decide what
    a page offers (admin-only links); each service decides itself what is allowed."""
    token = getattr(session, "access_token", None)
    if not token:
        return False
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return False
    return "network_admin" in (claims.get("roles") or ())


def initials(name: str | None) -> str:
    words = [w for w in (name or "?").split() if w[:1].isalpha()]
    if not words:
        return "?"
    return (words[0][0] + (words[-1][0] if len(words) > 1 else "")).upper()


_ids = itertools.count(1)  # ids of elements a page may show twice (a post in two lists)


def _environment(time_zone: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"], default_for_string=True, default=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        # Templates ship inside the package and change only with a new release: without this,
        # every include and import (several per feed entry) stats its file on each render.
        auto_reload=False,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        lambda message: i18n.translations(i18n.current_language.get()).gettext(message),
        lambda s, p, n: i18n.translations(i18n.current_language.get()).ngettext(s, p, n),
        newstyle=True,
    )
    env.globals["icon"] = Icons(WebSettings.model_fields["node_modules"].default)
    env.filters["rich"] = rich_text
    env.filters["plain"] = plain_text  # Markdown's words without marks (titles, excerpts)
    env.filters["when"] = lambda moment: i18n.when(moment, time_zone)
    env.filters["day"] = i18n.day
    env.filters["initials"] = initials
    env.filters["person_name"] = person_name
    env.filters["face"] = face
    env.globals["highlighted"] = highlighted
    env.globals["names_of"] = lambda ids, people: [
        people.get(str(i), {}).get("display_name") for i in ids or []
    ]
    env.globals["mentioned"] = mentioned
    env.filters["fold"] = folded
    env.globals["CSRF_FIELD"] = CSRF_FIELD
    env.globals["BADGES"] = BADGES
    env.globals["REACTIONS"] = REACTIONS
    env.globals["limit"] = limit_attributes
    env.globals["unique"] = lambda prefix: f"{prefix}-{next(_ids)}"
    env.globals["manages_community"] = manages_community
    env.globals["network_admin"] = network_admin
    env.globals["part_name"] = part_name
    env.globals["my_photo"] = lambda me: face(cached_photo(me.user_id)) if me else None
    return env


class Renderer:
    def __init__(self, time_zone: str) -> None:
        self.env = _environment(time_zone)

    def page(
        self, visit: Visit | None, template: str, status_code: int = 200, **context: Any
    ) -> HTMLResponse:
        response = HTMLResponse(self.render(visit, template, **context), status_code=status_code)
        if visit and visit.request.headers.get("hx-boosted"):
            # After a redirect htmx would show the form's address; show the page's own.
            url = visit.request.url
            response.headers["HX-Push-Url"] = url.path + (f"?{url.query}" if url.query else "")
        return response

    def render(self, visit: Visit | None, template: str, **context: Any) -> str:
        request: Request | None = visit.request if visit else None
        session = visit.session if visit else None
        return self.env.get_template(template).render(
            request=request,
            path=request.url.path if request else "/",
            me=session if session and session.signed_in else None,
            csrf_token=session.csrf_token if session else "",
            language=i18n.current_language.get(),
            htmx=bool(request and request.headers.get("hx-request")),
            **context,
        )


class SecurityHeaders:
    """Pure ASGI middleware: security headers on every answer, and the session cookie when
    the request changed it (httpOnly, SameSite=Lax, Secure over https)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        answer: dict[str, Any] = {}
        token = ANSWER.set(answer)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                # A page that sets its own CSP (the embed: frame-ancestors of the allowed
                # origins) is not denied framing by X-Frame-Options either.
                skip = {b"x-frame-options"} if b"content-security-policy" in names else set()
                headers += [(k, v) for k, v in SECURITY_HEADERS if k not in names and k not in skip]
                cookie = answer.get("set_cookie")
                if cookie is not None:
                    headers.append((b"set-cookie", _cookie(scope, *cookie).encode()))
                device = answer.get("device_cookie")
                if device is not None:
                    value, max_age = device
                    set_device = _cookie(scope, value, max_age, DEVICE_COOKIE)
                    headers.append((b"set-cookie", set_device.encode()))
                if b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            ANSWER.reset(token)


def _cookie(scope: Scope, value: str, max_age: int, name: str = COOKIE) -> str:
    secure = scope.get("scheme") == "https" or _forwarded_https(scope)
    parts = [f"{name}={value}", "Path=/", "HttpOnly", "SameSite=Lax", f"Max-Age={max_age}"]
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


def _forwarded_https(scope: Scope) -> bool:
    for name, value in scope.get("headers", []):
        if name == b"x-forwarded-proto":
            return bool(value.decode().split(",")[0].strip() == "https")
    return False
