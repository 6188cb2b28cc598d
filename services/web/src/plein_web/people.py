"""Names and faces of the people a page mentions, read from identity's public profiles (a short
cache per process: a page with twenty replies asks identity once per author)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from cachetools import TTLCache

from .files import with_files
from .gateway import ApiProblem
from .visits import Visit

_profiles: TTLCache[str, dict[str, Any]] = TTLCache(maxsize=10_000, ttl=60)


async def profiles(visit: Visit, ids: Iterable[Any]) -> dict[str, dict[str, Any]]:
    """Profiles by id (a placeholder for someone identity no longer shows)."""
    wanted = {str(i) for i in ids if i}
    missing = [i for i in wanted if i not in _profiles]

    async def one(user_id: str) -> None:
        try:
            _profiles[user_id] = await visit.get(f"/identity/users/{user_id}")
        except ApiProblem:
            _profiles[user_id] = {"id": user_id, "display_name": "?", "photo_url": None}

    await asyncio.gather(*(one(i) for i in missing))
    return {i: _profiles.get(i) or {"id": i, "display_name": "?"} for i in wanted}


def forget(user_id: str) -> None:
    _profiles.pop(str(user_id), None)


async def with_faces(visit: Visit, page: dict[str, Any]) -> dict[str, Any]:
    """The feed page with each entry's `author_photo` (None: the page shows initials), from
    the authors' profiles, and its `files` (files.with_files)."""
    entries = [e for key in ("pinned", "raised", "entries") for e in page.get(key) or []]
    found, _ = await asyncio.gather(
        profiles(visit, {e.get("author_id") for e in entries}), with_files(visit, entries)
    )
    for e in entries:
        e["author_photo"] = found.get(str(e.get("author_id")), {}).get("photo_url")
    return page
