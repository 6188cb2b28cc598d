"""A tiny HTTP server on loopback that stands in for sites people link to (and remembers
every request it saw), for the link-preview tests."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Site:
    """What the server answers per path: (status, headers, body); and what it was asked."""

    host: str
    port: int
    pages: dict[str, tuple[int, dict[str, str], bytes]] = field(default_factory=dict)
    seen: list[tuple[str, str]] = field(default_factory=list)  # (path, Host header)
    agents: list[str] = field(default_factory=list)  # who asked (User-Agent)

    @property
    def origin(self) -> str:
        return f"http://{self.host}:{self.port}"


@contextmanager
def serving(host: str = "127.0.0.1") -> Iterator[Site]:
    site = Site(host, 0)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
            site.seen.append((self.path, self.headers.get("Host", "")))
            site.agents.append(self.headers.get("User-Agent", ""))
            status, headers, body = site.pages.get(self.path, (404, {}, b"not here"))
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer((host, 0), Handler)
    site.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()


def og_page(title: str, description: str, image: str | None = None, site: str = "") -> bytes:
    image_tag = f'<meta property="og:image" content="{image}">' if image else ""
    return (
        "<!doctype html><html><head><title>Plain title</title>"
        f'<meta property="og:title" content="{title}">'
        f'<meta property="og:description" content="{description}">'
        f'<meta property="og:site_name" content="{site}">{image_tag}'
        "</head><body>Hello</body></html>"
    ).encode()
