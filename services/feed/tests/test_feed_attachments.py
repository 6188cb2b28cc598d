"""Files on an opening post: the entry names them in order, and an edit's list replaces them."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest
from plein_events.posts import PostEdited
from plein_testdata.servers import Plein

from .test_feed_timelines import group, people, post, uid

pytestmark = pytest.mark.services("identity", "feed")


async def test_an_entry_names_its_files_in_order_and_an_edit_replaces_them(
    plein: Plein, stream: Any
) -> None:
    ann, bob = await people(plein, "ann", "bob")
    team = await group(stream, "Bouw", ann, bob, private=True)
    photo, plan = uuid4(), uuid4()
    shared = post(ann, text="", group_id=team, group_private=True, attachments=[plan, photo])
    plain = post(ann, text="zonder", group_id=team, group_private=True)
    await stream.publish(shared)
    await stream.publish(plain)
    await stream.caught_up()
    entries = {e["post_id"]: e for e in (await stream.home(bob))["entries"]}
    assert entries[str(shared.post_id)]["attachments"] == [str(plan), str(photo)]
    assert entries[str(plain.post_id)]["attachments"] == []

    await stream.publish(
        PostEdited(
            post_id=shared.post_id,
            editor_id=uid(ann),
            group_id=team,
            group_private=True,
            text="Het plan",
            attachments=[photo],
        )
    )
    await stream.caught_up()
    entries = {e["post_id"]: e for e in (await stream.home(bob))["entries"]}
    assert entries[str(shared.post_id)]["attachments"] == [str(photo)]
    assert entries[str(shared.post_id)]["text"] == "Het plan"
