"""Link cards' use cases: fetch the next due card (the worker), the cards a reader may see,
an author removing one, and a card's image."""

from __future__ import annotations

import hashlib
import io
import tempfile
from pathlib import Path
from typing import Any
from uuid import UUID

import structlog
from PIL import Image
from plein_platform.auth import Principal
from plein_platform.errors import Forbidden, NotFound

from ..app import Files
from . import store
from .fetcher import FetchFailed, Limits, SafeFetcher
from .guard import AllowList, Refused
from .metadata import CardText, read_page, with_oembed

log = structlog.get_logger(__name__)

THUMBNAIL = (480, 480)  # at most, kept in proportion


def image_key(url: str) -> str:
    return "link-cards/" + hashlib.sha256(url.encode()).hexdigest() + ".webp"


def thumbnail(data: bytes, max_pixels: int) -> tuple[bytes, int, int]:
    """A small WebP of an image (any metadata left behind), its width and height."""
    with Image.open(io.BytesIO(data)) as image:
        if image.width * image.height > max_pixels:
            raise FetchFailed("the image is too large")
        image.draft("RGB", THUMBNAIL)  # JPEG: decode at a reduced size
        small = image.convert("RGB")
        small.thumbnail(THUMBNAIL)
        out = io.BytesIO()
        small.save(out, "WEBP", quality=80)
        return out.getvalue(), small.width, small.height


class LinkCards:
    """Link previews over the files service's pool, storage and settings."""

    def __init__(self, files: Files, fetcher: SafeFetcher | None = None) -> None:
        self.files = files
        self._fetcher = fetcher  # tests may give one; else made from the settings each time

    def fetcher(self) -> SafeFetcher:
        if self._fetcher is not None:
            return self._fetcher
        s = self.files.settings()
        return SafeFetcher(
            AllowList.parse(s.link_preview_allow),
            Limits(
                max_page_bytes=s.link_preview_max_page_bytes,
                max_image_bytes=s.link_preview_max_image_bytes,
                timeout_s=s.link_preview_timeout_s,
            ),
        )

    # -- the worker ---------------------------------------------------------------------------

    async def fetch_next(self) -> bool:
        """Fetch one due card; False when none is due."""
        async with self.files.pool.connection() as conn, conn.transaction():
            due = await store.next_due(conn)
            if due is None:
                return False
            url = due["url"]
            outcome = await self._fetch(url)
            if due["image_key"] and not outcome.get("image_key"):
                await store.doom(conn, due["image_key"])
            await store.record(conn, url, self.files.clock(), **outcome)
            log.info("link card fetched", url=url, status=outcome["status"])
            return True

    async def _fetch(self, url: str) -> dict[str, Any]:
        fetcher = self.fetcher()
        try:
            page = await fetcher.page(url)
            card = read_page(page.body, page.url, page.charset)
            if card.oembed_url and (not card.title or not card.image_url):
                try:
                    document = await fetcher.json(card.oembed_url)
                    card = with_oembed(card, document.body, document.url)
                except (Refused, FetchFailed) as error:
                    log.info("oEmbed not used", url=card.oembed_url, reason=str(error))
        except Refused as error:
            return {"status": "refused", "reason": str(error)}
        except (FetchFailed, ValueError) as error:
            return {"status": "failed", "reason": str(error)}
        if card.empty:
            return {"status": "failed", "reason": "the page has no title or description"}
        return {"status": "ready", **self._words(card), **await self._image(fetcher, url, card)}

    @staticmethod
    def _words(card: CardText) -> dict[str, Any]:
        return {"title": card.title, "description": card.description, "site_name": card.site_name}

    async def _image(self, fetcher: SafeFetcher, url: str, card: CardText) -> dict[str, Any]:
        """The card's image, fetched the same guarded way, stored as a small WebP."""
        if not card.image_url:
            return {}
        try:
            fetched = await fetcher.image(card.image_url)
            small, width, height = thumbnail(fetched.body, self.files.settings().max_image_pixels)
        except (Refused, FetchFailed, OSError, Image.DecompressionBombError) as error:
            log.info("link card without image", url=card.image_url, reason=str(error))
            return {}
        key = image_key(url)
        self.files.staging.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=self.files.staging, prefix="card-") as scratch:
            staged = Path(scratch) / "card.webp"
            staged.write_bytes(small)
            await self.files.storage.put(key, staged)
        return {"image_key": key, "image_width": width, "image_height": height}

    # -- readers --------------------------------------------------------------------------------

    async def visible(self, caller: Principal, place_ids: list[UUID]) -> list[dict[str, Any]]:
        """The cards of those posts and replies the caller may see (others: nothing at all)."""
        async with self.files.pool.connection() as conn:
            return await store.visible_cards(conn, place_ids, self.files.access(caller))

    async def one(self, caller: Principal, place_id: UUID) -> dict[str, Any]:
        found = await self.visible(caller, [place_id])
        if not found:
            raise NotFound("This post has no link preview.")
        return found[0]

    async def remove(self, caller: Principal, place_id: UUID) -> None:
        """The post's (or reply's) author takes its card off; it stays off for that link."""
        card = await self.one(caller, place_id)
        if not card["removable"]:
            raise Forbidden("Only the author of a post may remove its link preview.")
        async with self.files.pool.connection() as conn:
            await store.remove(conn, place_id, card["url"], caller.real_user_id, self.files.clock())
