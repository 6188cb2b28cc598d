"""Names and faces of the people a page mentions, read from identity's public profiles (a short
cache per process: a page with twenty replies asks identity once per author)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from cachetools import TTLCache
from markupsafe import escape

from .files import with_files
from .gateway import ApiProblem
from .i18n import gettext
from .visits import Visit

# The all-company group as identity names it (in English, for every organisation): shown in
# the reader's language.
ALL_COMPANY_GROUP = "Everyone"

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


def cached_photo(user_id: Any) -> str | None:
    """The photo address of a profile read in the last minute (the header's face), if any."""
    return (_profiles.get(str(user_id)) or {}).get("photo_url")


class ReadersWord(str):
    """A word of identity's data that the page says in the reader's language when it is drawn
    (so that a cached list of groups follows a change of language)."""

    def __str__(self) -> str:
        return gettext(str.__str__(self))

    def __html__(self) -> str:
        return str(escape(str(self)))


def all_company_in_readers_language(groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The groups, the all-company one named in the reader's language."""
    for group in groups:
        if group.get("is_all_company"):
            group["name"] = ReadersWord(ALL_COMPANY_GROUP)
    return groups


def in_readers_language(entry: dict[str, Any]) -> dict[str, Any]:
    """A feed entry whose group is the all-company one (identity names it `Everyone`, a
    constant, never a person's words) names it in the reader's language."""
    if entry.get("group_name") == ALL_COMPANY_GROUP:
        entry["group_name"] = ReadersWord(ALL_COMPANY_GROUP)
    return entry


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
        in_readers_language(e)
        e["author_photo"] = found.get(str(e.get("author_id")), {}).get("photo_url")
        if e.get("group_name") == ALL_COMPANY_GROUP:
            e["group_name"] = gettext(ALL_COMPANY_GROUP)
    return page
