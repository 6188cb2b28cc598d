"""The live inbox: a real SSE client over HTTP sees notifications as they happen, and resumes
from Last-Event-ID without missing or repeating anything."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import jwt
import pytest
from plein_events.identity import UserDeactivated, UserErased
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


def mention_of(person: Any, author: Any) -> PostCreated:
    return PostCreated(
        post_id=uuid4(),
        author_id=author.id,
        real_author_id=author.id,
        text="@you a word",
        mentions=[UUID(person.id)],
    )


async def test_an_open_stream_ends_when_its_person_is_deactivated_or_erased(
    world: NotifyWorld,
) -> None:
    ann = await world.register("ann", "Ann")
    bob = await world.register("bob", "Bob")
    http = world.plein.http
    async with (
        http.stream("GET", "/notify/stream", headers=ann.auth) as for_ann,
        http.stream("GET", "/notify/stream", params={"access_token": bob.token}) as for_bob,
    ):
        ann_events, bob_events = SSEReader(for_ann), SSEReader(for_bob)
        assert (await ann_events.next())["event"] == "unread"
        assert (await bob_events.next())["event"] == "unread"
        await world.publish(UserDeactivated(user_id=ann.id))
        await world.publish(UserErased(user_id=bob.id))
        with pytest.raises(EOFError):
            await ann_events.next()
        with pytest.raises(EOFError):
            await bob_events.next()


async def test_an_open_stream_ends_when_its_token_expires(world: NotifyWorld) -> None:
    ann = await world.register("ann", "Ann")
    bob = await world.register("bob", "Bob")
    claims = jwt.decode(ann.token, options={"verify_signature": False})
    expires_at = datetime.fromtimestamp(claims["exp"], UTC)
    world.clock.now = expires_at - timedelta(minutes=1)
    async with world.plein.http.stream(
        "GET", "/notify/stream", params={"access_token": ann.token}
    ) as response:
        events = SSEReader(response)
        assert (await events.next())["event"] == "unread"
        await world.publish(mention_of(ann, bob))
        assert (await events.next())["data"]["text"] == "Bob mentioned you"  # still valid

        world.clock.now = expires_at + timedelta(seconds=1)
        await world.publish(mention_of(ann, bob))
        with pytest.raises(EOFError):  # ended, without the news that came after expiry
            await events.next()


async def test_an_acting_as_token_is_refused_on_the_query_form_as_on_the_header_form(
    world: NotifyWorld,
) -> None:
    ann = await world.register("ann", "Ann")
    plein = world.plein
    account_id = await plein.shared_account("HR desk", [ann])
    acting = await plein.act_as(ann, account_id)
    for revoked in (False, True):
        # Notify keeps no delegations (a shared account has no inbox): refused either way.
        async with plein.http.stream("GET", "/notify/stream", headers=acting.auth) as header:
            assert header.status_code == 403, revoked
        async with plein.http.stream(
            "GET", "/notify/stream", params={"access_token": acting.token}
        ) as query:
            assert query.status_code == 403, revoked
            assert query.headers["content-type"].startswith("application/problem+json")
        if not revoked:
            response = await plein.http.delete(
                f"/identity/shared-accounts/{account_id}/delegates/{ann.id}",
                headers=plein.network_admin.auth,
            )
            assert response.status_code == 204, response.text
