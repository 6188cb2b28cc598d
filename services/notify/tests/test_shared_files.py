"""A post or reply with files tells the people it notifies that a file was shared; never a
reader who may not see where it was shared."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from plein_events.posts import PostCreated

from .test_inbox import group, question_by, reply

NotifyWorld = Any  # the `world` fixture (conftest.py)


async def test_members_hear_a_file_was_shared_outsiders_only_that_they_were_mentioned(
    world: NotifyWorld,
) -> None:
    ann = await world.register("ann", "Ann")
    bob = await world.register("bob", "Bob")
    outsider = await world.register("olaf", "Olaf")
    group_id = await group(world, private=True, members=[ann, bob], admins=[ann])
    for mentioned in (bob, outsider):
        await world.publish(
            PostCreated(
                post_id=uuid4(),
                author_id=ann.id,
                real_author_id=ann.id,
                group_id=group_id,
                group_private=True,
                text="",
                mentions=[UUID(mentioned.id)],
                attachments=[uuid4()],
            )
        )
    question = await question_by(world, bob)
    await world.publish(reply(question, bob, ann, "", attachments=[uuid4()]))
    await world.caught_up()

    texts = {e["text"] for e in (await world.inbox(bob))["entries"]}
    assert texts == {
        "Ann shared a file and mentioned you",
        "Ann shared a file in reply to your question",
    }
    [outsider_entry] = (await world.inbox(outsider))["entries"]
    assert outsider_entry["text"] == "Ann mentioned you in a private group"
