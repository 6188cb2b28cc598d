"""Erasure by crypto-shredding: personal fields are sealed at rest and on the stream; once the
person's key is destroyed every replay shows "former colleague"."""

from __future__ import annotations

from typing import Any

import pytest
from nats.js.errors import KeyNotFoundError
from plein_events import FORMER_COLLEAGUE
from plein_events.personal import PERSON_KEYS_BUCKET, SEALED_PREFIX
from plein_events.stream import STREAM_NAME
from plein_platform.cli import replay_projection
from plein_testdata.servers import Plein, eventually
from psycopg import sql

pytestmark = pytest.mark.services("identity", "feed")

NAME = "Bob Bijzonder-Ñame"


async def stored_event_states(plein: Plein) -> list[bytes]:
    """Every stored event in identity's event store, raw."""
    identity = plein.runtime.service("identity")
    async with identity.ctx.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT table_name FROM information_schema.columns "
            "WHERE table_schema = 'identity' AND column_name = 'state'"
        )
        states: list[bytes] = []
        for (table,) in await cur.fetchall():
            rows = await conn.execute(sql.SQL("SELECT state FROM {}").format(sql.Identifier(table)))
            states += [bytes(row[0]) for row in await rows.fetchall()]
    return states


async def stream_bodies(plein: Plein) -> list[bytes]:
    js = plein.runtime.nc.jetstream()  # type: ignore[union-attr]
    info = await js.stream_info(STREAM_NAME)
    bodies = []
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        bodies.append((await js.get_msg(STREAM_NAME, seq)).data or b"")
    return bodies


async def feed_name(plein: Plein, user_id: str) -> Any:
    feed = plein.runtime.service("feed")
    async with feed.ctx.pool.connection() as conn:
        cur = await conn.execute("SELECT display_name FROM people WHERE user_id = %s", (user_id,))
        row = await cur.fetchone()
    return row[0] if row else None


async def test_personal_fields_are_sealed_at_rest_and_on_the_stream(plein: Plein) -> None:
    await plein.register("ann")
    bob = await plein.register("bob", NAME, job_title="Geheim agent")
    await plein.http.patch("/identity/me", headers=bob.auth, json={"bio": "Houdt van kaas"})
    await eventually(_feed_knows(plein, bob.id, NAME))
    stored, published = await stored_event_states(plein), await stream_bodies(plein)
    for raw in stored + published:
        for secret in ("Bijzonder", "bob@example.com", "Geheim", "kaas"):
            assert secret.encode() not in raw
    # Both were looked at (a renamed table would leave nothing to look at), and sealed.
    assert any(SEALED_PREFIX.encode() in raw for raw in stored)
    assert any(SEALED_PREFIX.encode() in raw for raw in published)
    # ...and yet every reader sees the real values.
    profile = (await plein.http.get(f"/identity/users/{bob.id}", headers=bob.auth)).json()
    assert profile["display_name"] == NAME and profile["bio"] == "Houdt van kaas"


def _feed_knows(plein: Plein, user_id: str, name: str) -> Any:
    async def check() -> None:
        assert await feed_name(plein, user_id) == name

    return check


async def test_an_erased_person_is_a_former_colleague_in_every_replay(plein: Plein) -> None:
    ann = await plein.register("ann", "Ann")
    bob = await plein.register("bob", NAME)
    chloe = await plein.register("chloe", "Chloé")
    await plein.http.post("/identity/me/following", headers=ann.auth, json={"user_id": bob.id})
    await plein.http.post("/identity/me/following", headers=bob.auth, json={"user_id": chloe.id})
    await eventually(_feed_knows(plein, bob.id, NAME))

    colleague = await plein.http.delete(f"/identity/users/{bob.id}", headers=chloe.auth)
    assert colleague.status_code == 403
    erased = await plein.http.delete(f"/identity/users/{bob.id}", headers=bob.auth)
    assert erased.status_code == 204

    # Identity has forgotten him at once.
    assert (await plein.http.get(f"/identity/users/{bob.id}", headers=ann.auth)).status_code == 404
    search = await plein.http.get("/identity/people", params={"q": "Bijzonder"}, headers=ann.auth)
    assert search.json()["people"] == []
    followers = await plein.http.get(f"/identity/users/{chloe.id}/followers", headers=ann.auth)
    assert followers.json()["people"] == []
    login = await plein.http.post(
        "/identity/tokens", json={"email": bob.email, "password": "bob-secret-pw"}
    )
    assert login.status_code == 401
    again = await plein.http.post(
        "/identity/users",
        json={"email": "someone@example.com", "password": "long-enough", "display_name": "X"},
    )
    assert again.status_code == 201
    # His key is gone from the KV bucket that consumers read keys from.
    js = plein.runtime.nc.jetstream()  # type: ignore[union-attr]
    kv = await js.key_value(PERSON_KEYS_BUCKET)

    async def key_purged() -> None:
        try:
            await kv.get(bob.id)
        except KeyNotFoundError:
            return
        raise AssertionError("key still shared")

    await eventually(key_purged)

    # Rebuild read models from the start of the stream: the stream still holds his sealed
    # events, and they now open as "former colleague".
    identity = plein.runtime.service("identity")

    async def directory_caught_up() -> None:
        assert (await identity.runners["identity-directory"].status())["lag"] == 0

    await eventually(directory_caught_up)
    await plein.runtime.stop_workers()
    for projection in ("feed", "identity-directory"):
        await replay_projection(plein.settings, projection, plein.database_url, plein.nats_url)
    assert await feed_name(plein, bob.id) == FORMER_COLLEAGUE
    assert await feed_name(plein, chloe.id) == "Chloé"
    async with identity.ctx.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT display_name, email, erased FROM people WHERE user_id = %s", (bob.id,)
        )
        assert await cur.fetchone() == (FORMER_COLLEAGUE, None, True)
        cur = await conn.execute(
            "SELECT display_name, email FROM people WHERE user_id = %s", (ann.id,)
        )
        assert await cur.fetchone() == ("Ann", "ann@example.com")
    # The event store reads him back as a former colleague too.
    app = identity.application  # type: ignore[attr-defined]
    user = app.repository.get(bob.id)
    assert user.display_name == FORMER_COLLEAGUE and user.email == FORMER_COLLEAGUE
    assert user.password_hash is None
