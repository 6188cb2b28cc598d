"""Page threads: the conversation about a page outside Plein (an intranet page), keyed by the
page's canonical address. Part of the contract: posts gives a page thread this id, so anyone
(the web client's embed) finds a page's thread without asking, and starting it twice cannot
make two threads."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from uuid import NAMESPACE_URL, UUID, uuid5

MAX_PAGE_URL_CHARS = 2000
_DEFAULT_PORTS = {"http": 80, "https": 443}


def canonical_url(url: str) -> str:
    """`url` normalised: lower-case scheme and host, no user info, no default port, the path
    ("/" when empty), the query sorted, no fragment. ValueError for anything but http(s)."""
    if len(url) > MAX_PAGE_URL_CHARS:
        raise ValueError(f"A page address has at most {MAX_PAGE_URL_CHARS} characters.")
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise ValueError("A page address is an http or https address with a host.")
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"  # an IPv6 literal keeps its brackets
    port = parts.port
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


def origin_of(url: str) -> str:
    """The origin (scheme://host[:port]) of an http(s) address, normalised as above."""
    parts = urlsplit(canonical_url(url))
    return f"{parts.scheme}://{parts.netloc}"


def page_thread_id(url: str, group_id: UUID | None) -> UUID:
    """The id of the thread about `url` in `group_id` (None: company-wide)."""
    return uuid5(NAMESPACE_URL, f"plein:page:{group_id or ''}:{canonical_url(url)}")
