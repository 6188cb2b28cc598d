"""E-mail: messages in plain text and HTML, in the recipient's language, each line linking to the
web client's page it is about, with an unsubscribe link per kind, sent over SMTP."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from html import escape
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

import aiosmtplib
import jwt
from plein_platform.errors import InvalidInput
from plein_platform.settings import Settings
from prometheus_client import Counter

from .domain import Kind
from .language import Speech
from .sentences import kind_label

_UNSUBSCRIBE_AUDIENCE = "plein-notify-unsubscribe"
EMAILS_SENT = Counter("plein_notify_emails_sent", "E-mails the SMTP server accepted.")
EMAIL_FAILURES = Counter("plein_notify_email_failures", "E-mails the SMTP server did not take.")


class UnsubscribeLinks:
    """Signed links that stop e-mail about one kind for one person, without logging in."""

    def __init__(self, secret: str, base_url: str) -> None:
        self.secret = secret
        self.base_url = base_url

    def token(self, user_id: UUID, kind: Kind) -> str:
        claims = {"sub": str(user_id), "kind": kind.value, "aud": _UNSUBSCRIBE_AUDIENCE}
        return jwt.encode(claims, self.secret, algorithm="HS256")

    def url(self, user_id: UUID, kind: Kind) -> str:
        query = urlencode({"token": self.token(user_id, kind)})
        return f"{self.base_url}/api/notify/unsubscribe?{query}"

    def read(self, token: str) -> tuple[UUID, Kind]:
        try:
            claims = jwt.decode(
                token, self.secret, algorithms=["HS256"], audience=_UNSUBSCRIBE_AUDIENCE
            )
            return UUID(claims["sub"]), Kind(claims["kind"])
        except (jwt.PyJWTError, KeyError, ValueError) as error:
            raise InvalidInput("This unsubscribe link is not valid.") from error


@dataclass(frozen=True)
class Line:
    """One notification as an e-mail shows it: its sentence, when, what was said, and the web
    client's page it is about."""

    kind: Kind
    text: str
    excerpt: str | None
    at: datetime
    url: str


def page_url(base_url: str, *, post_id: UUID | None, group_id: UUID | None) -> str:
    """The web client's page a notification is about: its thread (a post's permalink page),
    else its group, else the inbox."""
    if post_id is not None:
        return f"{base_url}/posts/{post_id}"
    if group_id is not None:
        return f"{base_url}/groups/{group_id}"
    return f"{base_url}/notifications"


def _text_line(line: Line, speak: Speech) -> str:
    quoted = "".join(f"\n    > {part}" for part in (line.excerpt or "").splitlines() if part)
    return f"- {line.text} ({speak.moment(line.at)}){quoted}\n  {line.url}"


def _html_line(line: Line, speak: Speech) -> str:
    quoted = (
        f'<blockquote style="color:#555;margin:4px 0 0 8px">{escape(line.excerpt)}</blockquote>'
        if line.excerpt
        else ""
    )
    return (
        f'<li><a href="{escape(line.url)}"><strong>{escape(line.text)}</strong></a> '
        f'<span style="color:#777">{escape(speak.moment(line.at))}</span>{quoted}</li>'
    )


def compose(
    *,
    speak: Speech,
    sender: str,
    to_name: str,
    to_address: str,
    subject: str,
    intro: str,
    lines: list[Line],
    app_url: str,
    unsubscribe: dict[Kind, str],
) -> EmailMessage:
    """A multipart message (plain text first, HTML alternative) in `speak`'s language, each
    line linking to its page, with one unsubscribe link per kind it contains;
    List-Unsubscribe names the first (RFC 2369/8058). `app_url`: where "Open Plein" goes."""
    # No folding: an unsubscribe URL is one long word, and folding would encode it (RFC 2047)
    # where List-Unsubscribe needs it plain. SMTP allows 998 characters a line.
    message = EmailMessage(policy=policy.default.clone(max_line_length=998))
    message["From"] = sender
    message["To"] = formataddr((to_name, to_address))
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="plein")
    first = next(iter(unsubscribe.values()), None)
    if first:
        message["List-Unsubscribe"] = f"<{first}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    hello = speak.gettext("Hello %(name)s,", name=to_name)
    open_plein = speak.gettext("Open Plein")
    stops = [
        (speak.gettext("Stop e-mails about %(what)s", what=kind_label(kind, speak)), url)
        for kind, url in unsubscribe.items()
    ]
    text = (
        f"{hello}\n\n{intro}\n\n"
        + "\n".join(_text_line(line, speak) for line in lines)
        + f"\n\n{open_plein}: {app_url}\n\n--\n"
        + "\n".join(f"{stop}: {url}" for stop, url in stops)
        + "\n"
    )
    stop_html = "<br>".join(f'<a href="{escape(url)}">{escape(stop)}</a>' for stop, url in stops)
    html = (
        f'<html lang="{speak.language}"><body style="font-family:sans-serif">'
        f"<p>{escape(hello)}</p><p>{escape(intro)}</p>"
        f"<ul>{''.join(_html_line(line, speak) for line in lines)}</ul>"
        f'<p><a href="{escape(app_url)}">{escape(open_plein)}</a></p>'
        f'<hr><p style="font-size:small;color:#777">{stop_html}</p></body></html>'
    )
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    # After the content: setting it clears Content-* headers (RFC 3282).
    message["Content-Language"] = speak.language
    return message


class Mailer:
    """Sends through the configured SMTP server (host, port, TLS, credentials)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @property
    def configured(self) -> bool:
        return bool(self.settings.smtp_host)

    async def send(self, message: EmailMessage) -> None:
        s = self.settings
        options: dict[str, Any] = {
            "hostname": s.smtp_host,
            "port": s.smtp_port,
            "use_tls": s.smtp_tls == "tls",
            "start_tls": True if s.smtp_tls == "starttls" else False,
            "timeout": 30,
        }
        if s.smtp_username:
            options.update(username=s.smtp_username, password=s.smtp_password or "")
        with EMAIL_FAILURES.count_exceptions():
            await aiosmtplib.send(message, **options)
        EMAILS_SENT.inc()
