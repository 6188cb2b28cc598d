"""Cursors of posts' lists, and search headlines as segments."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from plein_events.text import plain_text
from plein_platform.cursors import CursorCodec, CursorRank, CursorTime

TIME_CURSOR = CursorCodec[tuple[datetime, UUID]](tuple[CursorTime, UUID])
RANK_CURSOR = CursorCodec[tuple[float, UUID]](tuple[CursorRank, UUID])


def highlight_segments(headline: str, start: str, stop: str) -> list[dict[str, Any]]:
    """A search headline as text segments, the matching ones flagged: no markup to render,
    and the post's Markdown marks gone (a result reads "koffie", not "**koffie**")."""
    segments: list[dict[str, Any]] = []
    rest = plain_text(headline)
    while rest:
        before, found, after = rest.partition(start)
        if before:
            segments.append({"text": before, "match": False})
        if not found:
            break
        match, _, rest = after.partition(stop)
        if match:
            segments.append({"text": match, "match": True})
    return segments
