"""HTTP for link previews, through the SSRF guard.

Each hop (the link, then at most `max_redirects` redirects) is checked before it is fetched:
scheme and port, then the host is resolved once and every answer checked, and the request is
sent to that checked address, with the Host header and TLS SNI (and certificate check) of the
name. A resolver that answers a public address for the check and a private one later (DNS
rebinding) is never asked twice. Bodies are read up to a size limit, the whole fetch under one
time limit, and only the expected types are taken.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urljoin

import filetype
import httpx

from .guard import AllowList, Refused, choose_address, target

Resolver = Callable[[str, int], Awaitable[list[str]]]
USER_AGENT = "Plein link preview (+https://plein.example/docs/services/files/)"
IMAGE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp"}


class FetchFailed(Exception):
    """The page or image could not be had (status, size, type, time)."""


async def system_resolver(host: str, port: int) -> list[str]:
    """The addresses the system resolver gives for `host`, in its order."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


@dataclass(frozen=True)
class Limits:
    max_page_bytes: int = 1_000_000
    max_image_bytes: int = 5_000_000
    timeout_s: float = 5.0
    max_redirects: int = 3


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    media_type: str
    charset: str | None
    body: bytes


class SafeFetcher:
    """GETs what a person linked to, never anything the SSRF rules refuse."""

    def __init__(
        self,
        allow: AllowList,
        limits: Limits | None = None,
        resolver: Resolver = system_resolver,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.allow = allow
        self.limits = limits or Limits()
        self.resolver = resolver
        self.transport = transport

    async def page(self, url: str) -> Fetched:
        """An HTML page (text/html only)."""
        fetched = await self.get(url, self.limits.max_page_bytes, "text/html")
        if fetched.media_type not in ("text/html", "application/xhtml+xml"):
            raise FetchFailed(f"not a page: {fetched.media_type}")
        return fetched

    async def json(self, url: str) -> Fetched:
        """A JSON document (an oEmbed answer)."""
        fetched = await self.get(url, self.limits.max_page_bytes, "application/json")
        if not fetched.media_type.endswith(("/json", "+json")):
            raise FetchFailed(f"not JSON: {fetched.media_type}")
        return fetched

    async def image(self, url: str) -> Fetched:
        """An image, its type read from its bytes (JPEG, PNG, GIF or WebP)."""
        fetched = await self.get(url, self.limits.max_image_bytes, "image/*")
        sniffed = filetype.guess_mime(fetched.body)
        if sniffed not in IMAGE_TYPES:
            raise FetchFailed(f"not an image: {sniffed or 'unknown bytes'}")
        return Fetched(fetched.url, sniffed, None, fetched.body)

    async def get(self, url: str, max_bytes: int, accept: str) -> Fetched:
        """The body at `url` (redirects followed and re-checked), within the limits."""
        try:
            async with asyncio.timeout(self.limits.timeout_s):
                async with httpx.AsyncClient(
                    transport=self.transport, follow_redirects=False, trust_env=False
                ) as client:
                    for _ in range(self.limits.max_redirects + 1):
                        response = await self._send(client, url, accept)
                        try:
                            if response.is_redirect:
                                url = urljoin(url, response.headers.get("location", ""))
                                continue
                            return await self._body(url, response, max_bytes)
                        finally:
                            await response.aclose()
        except TimeoutError as error:
            raise FetchFailed(f"took longer than {self.limits.timeout_s} s") from error
        except httpx.HTTPError as error:
            raise FetchFailed(f"{type(error).__name__}: {error}") from error
        raise Refused(f"more than {self.limits.max_redirects} redirects")

    async def _send(self, client: httpx.AsyncClient, url: str, accept: str) -> httpx.Response:
        where = target(url, self.allow)
        answers = await self.resolver(where.host, where.port)  # asked once per hop
        address = choose_address(where.host, answers, self.allow)
        default_port = where.port == (443 if where.scheme == "https" else 80)
        name = httpx.URL(url).raw_host.decode("ascii")  # IDNA form, as on the wire
        host_header = _bracketed(name) + ("" if default_port else f":{where.port}")
        # The request goes to the checked address; the name stays in Host and in TLS.
        at_address = httpx.URL(url).copy_with(host=str(address), port=where.port)
        extensions = {"sni_hostname": name} if where.scheme == "https" else {}
        request = client.build_request(
            "GET",
            at_address,
            headers={"Host": host_header, "Accept": accept, "User-Agent": USER_AGENT},
            extensions=extensions,
        )
        return await client.send(request, stream=True)

    async def _body(self, url: str, response: httpx.Response, max_bytes: int) -> Fetched:
        if response.status_code != 200:
            raise FetchFailed(f"answered {response.status_code}")
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise FetchFailed(f"larger than {max_bytes} bytes")
        body = bytearray()
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) > max_bytes:
                raise FetchFailed(f"larger than {max_bytes} bytes")
        content_type = response.headers.get("content-type", "")
        media_type = content_type.split(";", 1)[0].strip().lower()
        charset = None
        for param in content_type.split(";")[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "charset":
                charset = value.strip().strip('"') or None
        return Fetched(url, media_type, charset, bytes(body))


def _bracketed(host: str) -> str:
    try:
        return f"[{host}]" if ipaddress.ip_address(host).version == 6 else host
    except ValueError:
        return host
