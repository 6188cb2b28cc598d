"""The live inbox: a real SSE client over HTTP sees notifications as they happen, and resumes
from Last-Event-ID without missing or repeating anything."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from uuid import UUID, uuid4

from plein_events.posts import PostCreated, ReplyPosted

NotifyWorld = Any  # the `world` fixture (conftest.py)


class SSEReader:
    """Parses a text/event-stream response into events (dicts of id, event, data)."""

    def __init__(self, response: Any) -> None:
        self.lines = response.aiter_lines()

    async def next(self, timeout_s: float = 15.0) -> dict[str, Any]:
        return await asyncio.wait_for(self._next(), timeout_s)

    async def _next(self) -> dict[str, Any]:
        event: dict[str, Any] = {}
        async for line in self.lines:
            if line == "":
                if event:
                    if "data" in event:
                        event["data"] = json.loads(event["data"])
                    return event
                continue
            if line.startswith(":"):
                continue  # a keep-alive comment
            name, _, value = line.partition(":")
            event[name] = value.removeprefix(" ")
        raise EOFError("the stream ended")


def reply(post_id: UUID, ann: Any, author: Any, text: str) -> ReplyPosted:
    return ReplyPosted(
        reply_id=uuid4(),
        post_id=post_id,
        parent_id=post_id,
        post_author_id=ann.id,
        parent_author_id=ann.id,
        author_id=author.id,
        real_author_id=author.id,
        post_kind="question",
        text=text,
    )


async def test_an_open_stream_receives_notifications_and_resumes_from_last_event_id(
    world: NotifyWorld,
) -> None:
    ann = await world.register("ann", "Ann")
    bob = await world.register("bob", "Bob")
    cas = await world.register("cas", "Cas")
    post_id = uuid4()
    http = world.plein.http

    async with http.stream("GET", "/notify/stream", headers=ann.auth) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = SSEReader(response)
        hello = await events.next()
        assert hello["event"] == "unread" and hello["data"] == {"unread_count": 0}

        await world.publish(reply(post_id, ann, bob, "Try the wiki"))
        live = await events.next()
        assert live["event"] == "notification"
        assert live["data"]["text"] == "Bob replied to your question"
        assert live["data"]["unread_count"] == 1
        last_id = live["id"]

    # While Ann's page is closed: the entry is updated, and a mention arrives.
    world.clock.advance(minutes=1)
    await world.publish(reply(post_id, ann, cas, "Or ask IT"))
    await world.publish(
        PostCreated(
            post_id=uuid4(),
            author_id=cas.id,
            real_author_id=cas.id,
            text="@ann lunch?",
            mentions=[UUID(ann.id)],
        )
    )
    await world.caught_up()

    headers = {**ann.auth, "Last-Event-ID": last_id}
    async with http.stream("GET", "/notify/stream", headers=headers) as response:
        events = SSEReader(response)
        hello = await events.next()
        assert hello["data"] == {"unread_count": 2}
        missed = [await events.next(), await events.next()]
        assert [e["data"]["text"] for e in missed] == [
            "Cas and Bob replied to your question",
            "Cas mentioned you",
        ]
        assert all(int(e["id"]) > int(last_id) for e in missed)

        # Reading in another tab shows up here too.
        entry_id = missed[1]["data"]["id"]
        await http.post(f"/notify/inbox/{entry_id}/read", headers=ann.auth)
        update = await events.next()
        assert update["data"]["id"] == entry_id and update["data"]["unread"] is False
        assert update["data"]["unread_count"] == 1


async def test_a_stream_needs_a_token_and_accepts_one_in_the_query(world: NotifyWorld) -> None:
    ann = await world.register("ann", "Ann")
    http = world.plein.http
    response = await http.get("/notify/stream")
    assert response.status_code == 401
    async with http.stream("GET", "/notify/stream", params={"access_token": ann.token}) as response:
        assert response.status_code == 200
        hello = await SSEReader(response).next()
        assert hello["event"] == "unread"
