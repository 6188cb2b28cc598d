"""Link previews as the pages show them: the files service's cards of a page's posts and
replies, asked for once per page (with the attachments, in `files.with_files`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .gateway import ApiProblem
from .visits import Visit

# The files service answers for this many posts at once.
BATCH = 100


def messages_by_id(item: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(id, message) of an entry or thread and every reply under it: a feed entry is known
    by its `post_id`, a thread and its replies by their `id`."""
    found: list[tuple[str, dict[str, Any]]] = []
    top = item.get("post_id") or item.get("id")
    if top:
        found.append((str(top), item))

    def replies(message: dict[str, Any]) -> None:
        for reply in message.get("replies") or []:
            if reply.get("id"):
                found.append((str(reply["id"]), reply))
            replies(reply)

    replies(item)
    return found


async def with_link_cards(visit: Visit, items: Iterable[dict[str, Any]]) -> None:
    """Give each entry, post and reply that has a card (one this reader may see) its
    `link_card`; the others get none."""
    messages = [pair for item in items for pair in messages_by_id(item)]
    if not visit.session.signed_in:
        return  # cards are read with the person's token (a signed-out embed shows none)
    # Only a message with a web address can have a card (the files service makes one for
    # the first http(s) URL of its text): most pages then ask nothing at all.
    ids = list(dict.fromkeys(i for i, message in messages if _has_address(message)))
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), BATCH):
        try:
            body = await visit.get("/files/link-cards", post_id=ids[start : start + BATCH])
        except ApiProblem:
            continue  # the files service is down: the posts still read, without their cards
        for card in body.get("items") or []:
            found[str(card["post_id"])] = card
    for message_id, message in messages:
        message["link_card"] = found.get(message_id)


def _has_address(message: dict[str, Any]) -> bool:
    text = message.get("text")
    return isinstance(text, str) and "://" in text
