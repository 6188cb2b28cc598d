"""What a card says, read from a page: pure functions over text and HTML.

The title comes from og:title, twitter:title or <title>; the description from
og:description, twitter:description or the description meta tag; the site from og:site_name
(else the host); the image from og:image or twitter:image. A page that names an oEmbed
document (<link rel="alternate" type="application/json+oembed">) fills what is missing from it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup

MAX_TITLE = 300
MAX_DESCRIPTION = 600
MAX_SITE = 100
MAX_URL = 2000

# A link as people type it: up to whitespace or a character that ends it in prose or Markdown.
# (An IPv6 host keeps its brackets.)
_URL = re.compile(r"""https?://(?:\[[0-9a-f:.]+\])?[^\s<>"'`()\[\]{}]*""", re.IGNORECASE)


def first_url(text: str) -> str | None:
    """The first http(s) link in a post's text, without the punctuation that ends a sentence."""
    for match in _URL.finditer(text or ""):
        url = match.group(0).rstrip(".,;:!?*_~")
        if len(url) <= MAX_URL and urlsplit(url).hostname:
            return url
    return None


@dataclass(frozen=True)
class CardText:
    """A card's words and where its image and oEmbed document are (absolute URLs)."""

    title: str = ""
    description: str = ""
    site_name: str = ""
    image_url: str | None = None
    oembed_url: str | None = None

    @property
    def empty(self) -> bool:
        return not self.title and not self.description


def _clean(text: str | None, limit: int) -> str:
    words = " ".join((text or "").split())
    return words if len(words) <= limit else words[: limit - 1].rstrip() + "…"


def _absolute(base: str, url: str | None) -> str | None:
    if not url or not url.strip():
        return None
    absolute = urljoin(base, url.strip())
    return absolute if absolute.lower().startswith(("http://", "https://")) else None


def read_page(html: bytes, url: str, charset: str | None = None) -> CardText:
    """The card of the page at `url` whose bytes are `html`."""
    soup = BeautifulSoup(html, "html.parser", from_encoding=charset)
    meta: dict[str, str] = {}
    for tag in soup.find_all("meta"):
        key = str(tag.get("property") or tag.get("name") or "").strip().lower()
        content = tag.get("content")
        if key and isinstance(content, str) and key not in meta:
            meta[key] = content
    title_tag = soup.find("title")
    oembed = None
    for link in soup.find_all("link"):
        if str(link.get("type", "")).lower() == "application/json+oembed":
            href = link.get("href")
            oembed = _absolute(url, href if isinstance(href, str) else None)
            break

    def first(*keys: str) -> str | None:
        return next((meta[k] for k in keys if meta.get(k, "").strip()), None)

    return CardText(
        title=_clean(
            first("og:title", "twitter:title") or (title_tag.get_text() if title_tag else ""),
            MAX_TITLE,
        ),
        description=_clean(
            first("og:description", "twitter:description", "description"), MAX_DESCRIPTION
        ),
        site_name=_clean(first("og:site_name") or urlsplit(url).hostname or "", MAX_SITE),
        image_url=_absolute(
            url, first("og:image:secure_url", "og:image", "og:image:url", "twitter:image")
        ),
        oembed_url=oembed,
    )


def with_oembed(card: CardText, document: bytes, url: str) -> CardText:
    """`card` with what it lacks taken from an oEmbed answer (title, provider, thumbnail)."""
    try:
        found: Any = json.loads(document)
    except ValueError:
        return card
    if not isinstance(found, dict):
        return card

    def text(key: str) -> str:
        value = found.get(key)
        return value if isinstance(value, str) else ""

    return replace(
        card,
        title=card.title or _clean(text("title"), MAX_TITLE),
        site_name=_clean(text("provider_name"), MAX_SITE) or card.site_name,
        image_url=card.image_url or _absolute(url, text("thumbnail_url")),
    )
