"""#topic follows in the feed, against real PostgreSQL and NATS: events on the stream in, HTTP
out. A followed topic's posts come into the timeline only where the follower may see them, and
leave it when the follow, the topic or the post's visibility goes."""

from __future__ import annotations

from typing import Any

import pytest
from plein_events.identity import (
    Followed,
    GroupUpdated,
    TopicFollowed,
    TopicUnfollowed,
    UserDeactivated,
    UserReactivated,
)
from plein_events.posts import PostEdited
from plein_testdata.servers import Plein

from .test_feed_timelines import group, people, post, uid

pytestmark = pytest.mark.services("identity", "feed")


async def test_a_follow_backfills_the_topics_recent_posts_and_says_why(
    plein: Plein, stream: Any
) -> None:
    ann, bob = await people(plein, "ann", "bob")
    fiets = post(ann, "Wie fietst mee? #fietsen", topics=["fietsen"])
    other = post(ann, "Lunch? #lunch", topics=["lunch"])
    await stream.publish(fiets)
    await stream.publish(other)
    await stream.publish(TopicFollowed(follower_id=uid(bob), topic="fietsen"))
    await stream.caught_up()
    entries = (await stream.home(bob))["entries"]
    assert [e["post_id"] for e in entries] == [str(fiets.post_id)]
    assert entries[0]["reasons"] == ["topic"]
    assert (entries[0]["followed_topic"], entries[0]["why"]) == ("fietsen", "#fietsen you follow")


async def test_a_non_member_topic_follower_never_gets_a_private_groups_post(
    plein: Plein, stream: Any
) -> None:
    ann, bob, eve = await people(plein, "ann", "bob", "eve")
    board = await group(stream, "Board", ann, bob, private=True)
    await stream.publish(TopicFollowed(follower_id=uid(eve), topic="overname"))
    await stream.publish(TopicFollowed(follower_id=uid(bob), topic="overname"))
    secret = post(ann, "#overname", topics=["overname"], group_id=board, group_private=True)
    await stream.publish(secret)
    await stream.caught_up()
    assert await stream.home_ids(eve) == []
    assert await stream.home_ids(bob) == [str(secret.post_id)]
    # Following again (a backfill) does not bring it either.
    await stream.publish(TopicUnfollowed(follower_id=uid(eve), topic="overname"))
    await stream.publish(TopicFollowed(follower_id=uid(eve), topic="overname"))
    await stream.caught_up()
    assert await stream.home_ids(eve) == []


async def test_a_group_turning_private_takes_its_topic_posts_from_non_members(
    plein: Plein, stream: Any
) -> None:
    ann, bob, eve = await people(plein, "ann", "bob", "eve")
    lunch = await group(stream, "Lunch", ann, bob)
    await stream.publish(TopicFollowed(follower_id=uid(eve), topic="soep"))
    p = post(ann, "#soep", topics=["soep"], group_id=lunch)
    await stream.publish(p)
    await stream.caught_up()
    assert await stream.home_ids(eve) == [str(p.post_id)]

    await stream.publish(GroupUpdated(group_id=lunch, name="Lunch", visibility="private"))
    await stream.caught_up()
    assert await stream.home_ids(eve) == []
    assert await stream.home_ids(bob) == [str(p.post_id)]


async def test_an_edit_moves_the_post_to_the_followers_of_its_topics_now(
    plein: Plein, stream: Any
) -> None:
    ann, bob, eve = await people(plein, "ann", "bob", "eve")
    await stream.publish(TopicFollowed(follower_id=uid(bob), topic="fietsen"))
    await stream.publish(TopicFollowed(follower_id=uid(eve), topic="wandelen"))
    p = post(ann, "#fietsen", topics=["fietsen"])
    await stream.publish(p)
    await stream.caught_up()
    assert (await stream.home_ids(bob), await stream.home_ids(eve)) == ([str(p.post_id)], [])

    await stream.publish(
        PostEdited(post_id=p.post_id, editor_id=uid(ann), text="#wandelen", topics=["wandelen"])
    )
    await stream.caught_up()
    assert (await stream.home_ids(bob), await stream.home_ids(eve)) == ([], [str(p.post_id)])


async def test_unfollowing_a_topic_keeps_posts_there_for_another_reason(
    plein: Plein, stream: Any
) -> None:
    ann, bob, carol = await people(plein, "ann", "bob", "carol")
    await stream.publish(Followed(follower_id=uid(bob), followee_id=uid(ann)))
    await stream.publish(TopicFollowed(follower_id=uid(bob), topic="fietsen"))
    by_ann = post(ann, "#fietsen", topics=["fietsen"])
    by_carol = post(carol, "#fietsen", topics=["fietsen"])
    await stream.publish(by_ann)
    await stream.publish(by_carol)
    await stream.caught_up()
    assert set(await stream.home_ids(bob)) == {str(by_ann.post_id), str(by_carol.post_id)}

    await stream.publish(TopicUnfollowed(follower_id=uid(bob), topic="fietsen"))
    later = post(carol, "#fietsen again", topics=["fietsen"])
    await stream.publish(later)
    await stream.caught_up()
    assert await stream.home_ids(bob) == [str(by_ann.post_id)]  # he follows ann still


async def test_a_returning_person_gets_the_topics_they_follow_back(
    plein: Plein, stream: Any
) -> None:
    ann, bob = await people(plein, "ann", "bob")
    await stream.publish(TopicFollowed(follower_id=uid(bob), topic="fietsen"))
    await stream.publish(UserDeactivated(user_id=uid(bob)))
    p = post(ann, "#fietsen", topics=["fietsen"])
    await stream.publish(p)
    await stream.caught_up()
    await stream.publish(UserReactivated(user_id=uid(bob)))
    await stream.caught_up()
    assert await stream.home_ids(bob) == [str(p.post_id)]
