"""#topics: the directory (topics of the threads I may read, with counts), a topic's page
with its threads, and following or unfollowing it."""

from __future__ import annotations

import asyncio
from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response

from .people import profiles
from .visits import Acting, Person

router = APIRouter()


def _path(topic: str) -> str:
    """`topic` as one path segment (whatever was typed: posts and identity judge it)."""
    return quote(topic.strip().removeprefix("#")[:60], safe="")


@router.get("/topics")
async def directory(visit: Person, cursor: str | None = None) -> Response:
    page = await visit.get("/posts/topics", cursor=cursor, limit=50)
    return visit.web.renderer.page(visit, "topics.html", page=page)


@router.get("/topics/{topic}")
async def topic(visit: Person, topic: str, cursor: str | None = None) -> Response:
    segment = _path(topic)
    summary, page, me = await asyncio.gather(
        visit.get(f"/posts/topics/{segment}"),
        visit.get(f"/posts/topics/{segment}/posts", cursor=cursor, limit=20),
        visit.get("/identity/me"),
    )
    threads = page.get("posts", page.get("threads", []))
    names = await profiles(visit, [t["author_id"] for t in threads])
    return visit.web.renderer.page(
        visit,
        "topic.html",
        topic=summary["topic"],
        summary=summary,
        # What I follow is identity's (current at once); the directory's count may lag.
        following=summary["topic"] in me.get("followed_topics", []),
        threads=threads,
        names=names,
        next_cursor=page.get("next_cursor"),
    )


@router.post("/topics/{topic}/follow")
async def follow(visit: Acting, topic: str) -> Response:
    await visit.api("PUT", f"/identity/me/topics/{_path(topic)}")
    return RedirectResponse(f"/topics/{_path(topic)}", status_code=303)


@router.post("/topics/{topic}/unfollow")
async def unfollow(visit: Acting, topic: str) -> Response:
    await visit.api("DELETE", f"/identity/me/topics/{_path(topic)}")
    return RedirectResponse(f"/topics/{_path(topic)}", status_code=303)
