"""E-mail: messages in plain text and HTML with an unsubscribe link per kind, sent over SMTP."""

from __future__ import annotations

from dataclasses import dataclass
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

KIND_LABELS: dict[Kind, str] = {
    Kind.MENTION: "mentions",
    Kind.REPLY: "replies",
    Kind.REACTION: "reactions",
    Kind.FOLLOWER: "new followers",
    Kind.ANNOUNCEMENT: "announcements",
    Kind.PRAISE: "praise",
    Kind.ANSWER_ACCEPTED: "accepted answers",
    Kind.MEMBERSHIP_REQUEST: "membership requests",
    Kind.REPORT: "reported posts",
    Kind.ESCALATION: "unanswered posts",
    Kind.ANNOUNCEMENT_GUIDELINE: "announcement guideline notices",
}
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
    """One notification as an e-mail shows it."""

    kind: Kind
    text: str
    excerpt: str | None


def _text_line(line: Line) -> str:
    quoted = "".join(f"\n    > {part}" for part in (line.excerpt or "").splitlines() if part)
    return f"- {line.text}{quoted}"


def _html_line(line: Line) -> str:
    quoted = (
        f'<blockquote style="color:#555;margin:4px 0 0 8px">{escape(line.excerpt)}</blockquote>'
        if line.excerpt
        else ""
    )
    return f"<li><strong>{escape(line.text)}</strong>{quoted}</li>"


def compose(
    *,
    sender: str,
    to_name: str,
    to_address: str,
    subject: str,
    intro: str,
    lines: list[Line],
    app_url: str,
    unsubscribe: dict[Kind, str],
) -> EmailMessage:
    """A multipart message (plain text first, HTML alternative) with one unsubscribe link per
    kind it contains; List-Unsubscribe names the first (RFC 2369/8058)."""
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
    stop_text = "\n".join(
        f"Stop e-mails about {KIND_LABELS[kind]}: {url}" for kind, url in unsubscribe.items()
    )
    text = (
        f"Hello {to_name},\n\n{intro}\n\n"
        + "\n".join(_text_line(line) for line in lines)
        + f"\n\nOpen Plein: {app_url}\n\n--\n{stop_text}\n"
    )
    stop_html = "<br>".join(
        f'<a href="{escape(url)}">Stop e-mails about {escape(KIND_LABELS[kind])}</a>'
        for kind, url in unsubscribe.items()
    )
    html = (
        f'<html><body style="font-family:sans-serif"><p>Hello {escape(to_name)},</p>'
        f"<p>{escape(intro)}</p><ul>{''.join(_html_line(line) for line in lines)}</ul>"
        f'<p><a href="{escape(app_url)}">Open Plein</a></p>'
        f'<hr><p style="font-size:small;color:#777">{stop_html}</p></body></html>'
    )
    message.set_content(text)
    message.add_alternative(html, subtype="html")
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
