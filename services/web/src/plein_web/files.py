"""Files as the pages show them: which attachments a page needs, how a file reads (its type,
size, length), and a refused upload told in the person's language. Pure but for `with_files`,
which asks the files service once per page."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from .gateway import ApiProblem
from .i18n import gettext
from .link_cards import with_link_cards
from .visits import Visit

# The files service's batch read takes this many ids at once.
BATCH = 100


def _messages(item: dict[str, Any], into: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A message and every reply under it (a thread's replies nest)."""
    into.append(item)
    for reply in item.get("replies") or []:
        _messages(reply, into)
    return into


def attachment_ids(items: Iterable[dict[str, Any]]) -> list[str]:
    """The file ids these entries, posts and their replies name, each once, in order."""
    seen: dict[str, None] = {}
    for item in items:
        for message in _messages(item, []):
            for file_id in message.get("attachments") or []:
                seen.setdefault(str(file_id), None)
    return list(seen)


async def with_files(visit: Visit, items: Iterable[dict[str, Any]]) -> None:
    """Give each entry, post and reply its `files` and its `link_card`, asking the files
    service once per page for each (link_cards.py for the cards)."""
    items = list(items)
    await asyncio.gather(_attachments(visit, items), with_link_cards(visit, items))


async def _attachments(visit: Visit, items: list[dict[str, Any]]) -> None:
    """Give each entry, post and reply its `files`: what the files service says of each of
    its attachments, in order. A file this reader may not read (or one deleted) is simply not
    there: the files service answers only for readable ones, whatever the page asked."""
    ids = attachment_ids(items)
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        try:
            body = await visit.get("/files/files", ids=",".join(chunk))
        except ApiProblem:
            continue  # the files service is down: the posts still read, without their files
        for meta in body.get("items") or []:
            found[str(meta["id"])] = meta
    for meta in found.values():
        labelled(meta)
    for item in items:
        for message in _messages(item, []):
            message["files"] = [
                found[str(i)] for i in message.get("attachments") or [] if str(i) in found
            ]


def size_label(size: int | None) -> str:
    """A file's size the way people read it: 980 B, 12 kB, 3.4 MB, 1.2 GB."""
    if size is None:
        return ""
    amount = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if amount < 1000 or unit == "GB":
            if unit == "B":
                return f"{int(amount)} B"
            return f"{amount:.1f} {unit}" if amount < 10 else f"{amount:.0f} {unit}"
        amount /= 1000
    return ""  # unreachable


def duration_label(seconds: float | None) -> str:
    """A video's or recording's length as m:ss (or h:mm:ss)."""
    if seconds is None:
        return ""
    total = int(round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def type_label(meta: dict[str, Any]) -> str:
    """What kind of file this is, in the reader's language, with its extension where that
    says more (a Word document, a spreadsheet...)."""
    kind = meta.get("kind") or "other"
    name = str(meta.get("name") or "")
    extension = name.rsplit(".", 1)[-1].upper() if "." in name else ""
    labels = {
        "image": gettext("Image"),
        "pdf": gettext("PDF document"),
        "document": gettext("Document"),
        "video": gettext("Video"),
        "audio": gettext("Audio"),
        "text": gettext("Text"),
        "other": gettext("File"),
    }
    label = labels.get(kind, labels["other"])
    if kind in ("document", "text", "other") and extension:
        return f"{label} ({extension})"
    return label


def labelled(meta: dict[str, Any]) -> dict[str, Any]:
    """A file's metadata with the words the page shows for it: type, size, length."""
    meta["type_label"] = type_label(meta)
    meta["size_label"] = size_label(meta.get("size"))
    meta["duration_label"] = duration_label(meta.get("duration_s"))
    return meta


def refusal(problem: ApiProblem, name: str = "") -> str:
    """Why the files service refused an upload, said to the person in their language: the
    type (415), the size or their quota (413), a damaged file (422)."""
    title = str(problem.problem.get("title") or "").lower()
    if problem.status == 415:
        return gettext(
            "Plein does not take this type of file. Share images, PDFs, office documents, "
            "text, video or audio."
        )
    if problem.status == 413 and "quota" in title:
        return gettext(
            "Your files take up all the space you have. Delete some files to share this one."
        )
    if problem.status == 413:
        limit = problem.problem.get("max_bytes")
        if isinstance(limit, int):
            return gettext("This file is too large: at most %(size)s.", size=size_label(limit))
        return gettext("This file is too large.")
    if problem.status == 422:
        return gettext("This file seems damaged: it could not be read. Nothing was stored.")
    if problem.status in (401, 403):
        return gettext("You may not share files here.")
    return gettext("The file could not be uploaded. Please try again.")
