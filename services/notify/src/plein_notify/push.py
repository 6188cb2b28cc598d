"""Web Push rules, pure: which endpoints a device may give, what a device is called, what a
push says (as little as will do), and how long a failed push waits. No I/O (the worker that
sends is plein_notify.pusher)."""

from __future__ import annotations

import ipaddress
import re
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from plein_platform.addresses import public

MAX_ATTEMPTS = 6


def endpoint_host(endpoint: str) -> str:
    try:
        return (urlsplit(endpoint).hostname or "").lower()
    except ValueError:  # a malformed address (endpoint_refusal says so)
        return ""


def endpoint_form_refusal(endpoint: str, allowed: set[str]) -> str | None:
    """Why an endpoint is refused by its form alone (a URL, https unless its host is
    allow-listed), or None."""
    if any(ord(c) <= 32 or ord(c) == 127 for c in endpoint):
        return "The push endpoint is not a URL."  # spaces, control characters, NUL
    try:
        parts = urlsplit(endpoint)
        host = (parts.hostname or "").lower()
    except ValueError:
        host = ""
    if not host:
        return "The push endpoint is not a URL."
    if host not in allowed and parts.scheme != "https":
        return "A push endpoint must be https."
    return None


def endpoint_refusal(endpoint: str, addresses: list[str], allowed: set[str]) -> str | None:
    """Why a push endpoint is refused, or None: it must be https and resolve only to public
    addresses (`addresses`, what its host resolves to), unless its host is allow-listed
    (`allowed`: hosts, for tests and intranet push services)."""
    refusal = endpoint_form_refusal(endpoint, allowed)
    if refusal or endpoint_host(endpoint) in allowed:
        return refusal
    if not addresses:
        return "The push endpoint's host does not resolve."
    for address in addresses:
        if not public(ipaddress.ip_address(address.split("%")[0])):
            return "A push endpoint must not be a private, loopback or link-local address."
    return None


_BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def device_name(user_agent: str) -> str:
    """A name a person recognises their device by, from its browser's user agent
    ("Firefox on Windows"); the first known browser and system named win."""
    browser = next((name for mark, name in _BROWSERS if mark in user_agent), None)
    system = next((name for mark, name in _SYSTEMS if mark in user_agent), None)
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or re.sub(r"\s+", " ", user_agent)[:60] or "Browser"


def payload(
    view: dict[str, Any], *, url: str, group_private: bool, private_previews: bool
) -> dict[str, Any]:
    """What a push says about an inbox entry (`view`, as its recipient may see it now): its
    kind, its sentence as title, the page it opens and its id; the post's text only when it is
    not from a private group, or its person lets pushes show those."""
    body = view.get("excerpt")
    if group_private and not private_previews:
        body = None
    out: dict[str, Any] = {
        "kind": view["kind"],
        "title": view["text"],
        "url": url,
        "id": str(view["id"]),
    }
    if body:
        out["body"] = body
    return out


def retry_after(attempts: int) -> timedelta:
    """How long a push waits after its `attempts`-th failure: 30 s, 1 min, 2 min, ..."""
    return timedelta(seconds=30 * 2 ** max(0, attempts - 1))
