"""What a list of posts shows of each thread so that people act in place: the posts API's cards
(reactions, poll, praise, latest replies, best answer) joined to the feed's entries, and the
names and faces of everyone a card shows, read once for the whole page."""

from __future__ import annotations

import asyncio
from typing import Any

from .files import with_files
from .gateway import ApiProblem
from .people import in_readers_language, profiles
from .visits import Visit

ENTRY_KEYS = ("pinned", "raised", "entries")


async def cards_of(
    visit: Visit, post_ids: list[str], *, every_reply: bool = False
) -> dict[str, dict[str, Any]]:
    """The cards of these threads by post id; one the reader may no longer read is missing
    (the entry then shows without its actions). `every_reply`: all replies, not the latest."""
    if not post_ids:
        return {}
    try:
        replies = "all" if every_reply else "latest"
        body = await visit.get("/posts/cards", id=post_ids, replies=replies)
    except ApiProblem:
        return {}  # the feed still reads without them
    return {str(card["id"]): card for card in body["cards"]}


def people_on(card: dict[str, Any]) -> set[str]:
    """Everyone a card names: its author, the mentioned and praised, the repliers."""
    ids = {str(card["author_id"])}
    ids.update(str(m) for m in card.get("mentions") or [])
    ids.update(str(p) for p in (card.get("praise") or {}).get("praised_ids") or [])
    for reply in [*(card.get("latest_replies") or []), card.get("best_answer_reply")]:
        if reply:
            ids.add(str(reply["author_id"]))
            if reply.get("in_reply_to"):
                ids.add(str(reply["in_reply_to"]))
            ids.update(str(m) for m in reply.get("mentions") or [])
    return ids


async def with_cards(visit: Visit, page: dict[str, Any]) -> dict[str, Any]:
    """The feed page with each entry's `card`, `author_photo` and `files`, and `people`
    (everyone the page names, by id): one cards read, one profiles read and one files read
    for the whole page."""
    entries = [e for key in ENTRY_KEYS for e in page.get(key) or []]
    wanted = list(dict.fromkeys(str(e["post_id"]) for e in entries))
    authors = {str(e.get("author_id")) for e in entries}
    cards: dict[str, dict[str, Any]]
    cards, _, _ = await asyncio.gather(
        cards_of(visit, wanted), profiles(visit, authors), with_files(visit, entries)
    )
    names = set(authors)
    for card in cards.values():
        names |= people_on(card)
    people = await profiles(visit, names)  # the authors are cached by now
    for e in entries:
        in_readers_language(e)
        e["card"] = cards.get(str(e["post_id"]))
        e["people"] = people
        e["author_photo"] = people.get(str(e.get("author_id")), {}).get("photo_url")
    return {**page, "people": people}
