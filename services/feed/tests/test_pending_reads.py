"""Seen reports for posts the feed has not received yet are kept, and count when the post
arrives if the reader may see it then (by the visibility rule at that moment); a report
repeated counts once, and a replay of the feed changes nothing."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest
from plein_testdata.servers import Plein, eventually

from .test_feed_timelines import _feed_events, group, people, post

pytestmark = pytest.mark.services("identity", "feed")


async def pending(plein: Plein) -> int:
    async with plein.runtime.service("feed").ctx.pool.connection() as conn:
        cur = await conn.execute("SELECT count(*) FROM pending_reads")
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def test_a_read_of_a_post_not_received_yet_counts_when_it_arrives_if_visible(
    plein: Plein, stream: Any
) -> None:
    ann, bob = await people(plein, "ann", "bob")
    board = await group(stream, "Board", ann, private=True)  # bob is not in it
    public, private = post(ann, "just written"), post(ann, "board only", group_id=board)
    late = post(ann, "arrives last")

    async def report(ids: list[Any]) -> None:
        response = await plein.http.post(
            "/feed/seen", headers=bob.auth, json={"post_ids": [str(i) for i in ids]}
        )
        assert response.status_code == 202, response.text

    # bob opened all three from links before the feed received them; twice for one of them
    await report([public.post_id])
    await report([public.post_id, private.post_id])
    await report([late.post_id])
    assert await pending(plein) == 3

    for arriving in (public, private, late):
        await stream.publish(arriving)

    async def settled() -> None:
        events = await _feed_events(stream, "PostsSeen")
        seen = sorted(i for e in events for i in e["payload"]["post_ids"])
        assert seen == sorted([str(public.post_id), str(late.post_id)])
        assert {e["payload"]["reader_id"] for e in events} == {bob.id}
        assert await pending(plein) == 0

    await eventually(settled)


async def test_a_settled_read_is_recorded_once_and_a_waiting_one_is_not_projection_state(
    plein: Plein, stream: Any
) -> None:
    (ann,) = await people(plein, "ann")
    written = post(ann, "from a link")
    response = await plein.http.post(
        "/feed/seen", headers=ann.auth, json={"post_ids": [str(written.post_id)]}
    )
    assert response.status_code == 202
    await stream.publish(written)

    async def once() -> None:
        events = await _feed_events(stream, "PostsSeen")
        assert [e["payload"]["post_ids"] for e in events] == [[str(written.post_id)]]
        assert await pending(plein) == 0

    await eventually(once)
    # A replay empties the projection's tables and applies the stream again: the waiting
    # reports are not among them (people reported them; the stream does not hold them), and
    # a settled one is gone, so a replay neither loses a waiting read nor counts one twice.
    runner = plein.runtime.service("feed").runners["feed"]
    assert "pending_reads" not in runner.projection.tables
    unseen = uuid4()
    response = await plein.http.post(
        "/feed/seen", headers=ann.auth, json={"post_ids": [str(unseen)]}
    )
    assert response.status_code == 202
    assert await pending(plein) == 1
