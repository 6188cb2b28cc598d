"""A copy of an old event that reaches the stream late (a relay batch re-published after the
duplicate window) never undoes what came after it."""

from __future__ import annotations

import pytest
from plein_events import Envelope
from plein_events.stream import STREAM_NAME
from plein_platform.runtime import connect_nats
from plein_testdata.servers import Plein, eventually, publish

pytestmark = pytest.mark.services("identity", "feed")


async def caught_up(plein: Plein) -> None:
    for service in plein.runtime.services:
        for runner in service.runners.values():
            assert (await runner.status())["lag"] == 0, runner.projection.name


async def test_a_late_copy_of_followed_after_its_unfollowed_does_not_bring_the_follow_back(
    plein: Plein,
) -> None:
    ann, bob = await plein.register("ann"), await plein.register("bob")
    follow = {"user_id": bob.id}
    response = await plein.http.post("/identity/me/following", headers=ann.auth, json=follow)
    assert response.status_code == 204, response.text
    await eventually(lambda: caught_up(plein))
    nc = await connect_nats(plein.nats_url, name="late-copy-test")
    try:
        js = nc.jetstream()
        followed = await js.get_last_msg(STREAM_NAME, "plein.identity.Followed")
        assert followed.data is not None
        response = await plein.http.delete(f"/identity/me/following/{bob.id}", headers=ann.auth)
        assert response.status_code == 204, response.text
        await eventually(lambda: caught_up(plein))

        # The copy: the same envelope, let in by the stream under another de-duplication id.
        copy = Envelope.model_validate_json(followed.data)
        await publish(js, copy, msg_id=f"{copy.msg_id}:after-the-window")
        await eventually(lambda: caught_up(plein))
    finally:
        await nc.close()

    response = await plein.http.get(f"/identity/users/{bob.id}/followers", headers=bob.auth)
    assert response.status_code == 200, response.text
    assert response.json()["people"] == []
    async with plein.runtime.service("feed").ctx.pool.connection() as conn:
        cur = await conn.execute("SELECT count(*) FROM follows")
        assert (await cur.fetchone()) == (0,)
        cur = await conn.execute("SELECT follower_count FROM people WHERE user_id = %s", (bob.id,))
        assert (await cur.fetchone()) == (0,)
