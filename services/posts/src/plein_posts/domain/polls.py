"""The rules of a poll as it is started: its options and its closing time."""

from __future__ import annotations

from datetime import datetime

from plein_platform.errors import InvalidInput

from .text import MAX_OPTION_CHARS, clean_text

POLL_OPTIONS = (2, 10)
POLL_RESULTS = ("always", "after_close")  # when voters see the counts


def poll_closing(closes_at: datetime | None, now: datetime) -> datetime | None:
    """A poll's closing time as it will be stored: None (open until closed by its author) or
    a moment still to come, with its time zone."""
    if closes_at is None:
        return None
    if closes_at.tzinfo is None:
        raise InvalidInput("A poll's closing time needs a time zone (e.g. 2026-12-01T17:00Z).")
    if closes_at <= now:
        raise InvalidInput("A poll's closing time must be in the future.")
    return closes_at


def poll_options(options: list[str]) -> list[str]:
    low, high = POLL_OPTIONS
    cleaned = [clean_text(o, limit=MAX_OPTION_CHARS, what="A poll option") for o in options]
    if not low <= len(cleaned) <= high:
        raise InvalidInput(f"A poll has {low} to {high} options.")
    if len({o.casefold() for o in cleaned}) != len(cleaned):
        raise InvalidInput("A poll's options must differ from each other.")
    return cleaned
