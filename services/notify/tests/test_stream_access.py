"""Who may hold a live stream open: the query form (`?access_token=`, what a browser's
EventSource sends) is checked like the header form, and a stream ends when its token expires
or its person is deactivated or erased, on the real clock."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import jwt
import pytest
from plein_events.identity import UserDeactivated, UserErased
from plein_events.posts import PostCreated
from plein_testdata.servers import (
    Plein,
    Servers,
    eventually,
    fresh_streams,
    harness_settings,
    migrated_database,
    publish,
    start_plein,
)

from .test_live import SSEReader

TOKEN_TTL_S = 4  # the short-lived token


@pytest.fixture(scope="module")
async def short_tokens(servers: Servers) -> AsyncIterator[Plein]:
    """Identity and notify on the real clock, issuing access tokens that live 4 s."""
    database_url = await migrated_database(servers)
    await fresh_streams(servers.nats_url)
    settings = harness_settings(database_url, servers.nats_url, access_token_ttl_s=TOKEN_TTL_S)
    plein = await start_plein(
        database_url, servers.nats_url, settings=settings, services=["identity", "notify"]
    )
    try:
        yield plein
    finally:
        await plein.http.aclose()
        await plein.stop()


async def known_to_notify(plein: Plein, handle: str) -> Any:
    person = await plein.register(handle)
    service = plein.runtime.service("notify")

    async def known() -> None:
        async with service.ctx.pool.connection() as conn:
            cur = await conn.execute("SELECT 1 FROM people WHERE user_id = %s", (person.id,))
            assert await cur.fetchone() is not None

    await eventually(known)
    return person


async def refused_by_standing(plein: Plein, person: Any) -> None:
    """Notify's standing read model has applied the person's deactivation or erasure."""
    service = plein.runtime.service("notify")
    async with service.ctx.pool.connection() as conn:
        cur = await conn.execute("SELECT 1 FROM inactive_people WHERE user_id = %s", (person.id,))
        assert await cur.fetchone() is not None


async def mention(plein: Plein, person: Any) -> None:
    assert plein.runtime.nc is not None
    await publish(
        plein.runtime.nc.jetstream(),
        PostCreated(
            post_id=uuid4(),
            author_id=uuid4(),
            real_author_id=uuid4(),
            text="@you a word",
            mentions=[UUID(person.id)],
        ),
    )


async def test_the_query_form_refuses_a_deactivated_or_erased_persons_token(
    short_tokens: Plein,
) -> None:
    plein = short_tokens
    ann, bob, cas = [await known_to_notify(plein, h) for h in ("ann", "bob", "cas")]
    assert plein.runtime.nc is not None
    js = plein.runtime.nc.jetstream()
    await publish(js, UserDeactivated(user_id=UUID(ann.id)))
    await publish(js, UserErased(user_id=UUID(bob.id)))
    for person in (ann, bob):
        await relogin(plein, person)  # a fresh token: refused for standing, not for age
        await eventually(lambda p=person: refused_by_standing(plein, p))  # type: ignore[misc]
        for form in ({"headers": person.auth}, {"params": {"access_token": person.token}}):
            async with plein.http.stream("GET", "/notify/stream", **form) as response:
                assert response.status_code == 401, form
                assert response.headers["content-type"].startswith("application/problem+json")
    # the control: an active person's query-form stream opens
    await relogin(plein, cas)
    async with plein.http.stream(
        "GET", "/notify/stream", params={"access_token": cas.token}
    ) as response:
        assert response.status_code == 200
        assert (await SSEReader(response).next())["event"] == "unread"


async def relogin(plein: Plein, person: Any) -> Any:
    handle = person.email.partition("@")[0]
    response = await plein.http.post(
        "/identity/tokens", json={"email": person.email, "password": f"{handle}-secret-pw"}
    )
    assert response.status_code == 200, response.text
    person.token = response.json()["access_token"]
    return person


async def test_a_stream_ends_when_its_short_token_expires_on_the_real_clock(
    short_tokens: Plein,
) -> None:
    plein = short_tokens
    dee = await relogin(plein, await known_to_notify(plein, "dee"))
    expires_at = jwt.decode(dee.token, options={"verify_signature": False})["exp"]
    delivered_after_expiry: list[float] = []
    async with plein.http.stream(
        "GET", "/notify/stream", params={"access_token": dee.token}
    ) as response:
        assert response.status_code == 200
        events = SSEReader(response)
        assert (await events.next())["event"] == "unread"
        await mention(plein, dee)
        assert (await events.next())["event"] == "notification"  # while the token is valid

        async def news_all_along() -> None:
            """A mention every fifth of a second: news keeps coming across the expiry."""
            while True:
                await mention(plein, dee)
                await asyncio.sleep(0.2)  # a load generator's pace, not a synchronisation

        news = asyncio.create_task(news_all_along())
        try:
            while True:
                try:
                    event = await events.next()
                except EOFError:
                    ended_at = time.time()
                    break
                if event["event"] == "notification" and time.time() > expires_at:
                    delivered_after_expiry.append(time.time() - expires_at)
        finally:
            news.cancel()
    print(
        f"\nstream ended {ended_at - expires_at:+.2f} s from its token's expiry "
        f"({datetime.fromtimestamp(expires_at, UTC):%H:%M:%S}); "
        f"{len(delivered_after_expiry)} notifications after it"
    )
    assert delivered_after_expiry == []


async def test_an_open_query_form_stream_ends_when_its_person_is_erased(
    short_tokens: Plein,
) -> None:
    plein = short_tokens
    eve = await known_to_notify(plein, "eve")
    # a token that outlives the test: the stream must end for the erasure, not the expiry
    claims = jwt.decode(eve.token, options={"verify_signature": False})
    key = await plein.runtime.service("identity").keys.current()  # type: ignore[attr-defined]
    claims["exp"] = int(time.time()) + 300
    eve.token = jwt.encode(claims, key.private_key, algorithm="EdDSA", headers={"kid": key.kid})
    assert plein.runtime.nc is not None
    async with plein.http.stream(
        "GET", "/notify/stream", params={"access_token": eve.token}
    ) as response:
        events = SSEReader(response)
        assert (await events.next())["event"] == "unread"
        erased_at = time.monotonic()
        await publish(plein.runtime.nc.jetstream(), UserErased(user_id=UUID(eve.id)))
        with pytest.raises(EOFError):
            while True:
                await events.next()
        print(
            f"\nstream ended {time.monotonic() - erased_at:.2f} s after the erasure was published"
        )
