"""The feed's rules against real PostgreSQL and NATS: events on the stream in, HTTP out."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from plein_events import FORMER_COLLEAGUE
from plein_events.feed import AnnouncementAcknowledged, PostsSeen
from plein_events.identity import (
    Followed,
    GroupCreated,
    GroupUpdated,
    MemberJoined,
    MemberLeft,
    MemberRemoved,
    Unfollowed,
    UserDeactivated,
    UserErased,
    UserReactivated,
    Visibility,
)
from plein_events.posts import (
    AnnouncementPosted,
    AnswerAccepted,
    PostCreated,
    PostDeleted,
    PostEdited,
    PostHidden,
    PostUnhidden,
    PraiseGiven,
    Reacted,
    ReplyPosted,
)
from plein_testdata.servers import Person, Plein, eventually

pytestmark = pytest.mark.services("identity", "feed")


def uid(person: Person) -> UUID:
    return UUID(person.id)


def post(author: Person, text: str = "hallo", **kw: Any) -> PostCreated:
    return PostCreated(
        post_id=uuid4(), author_id=uid(author), real_author_id=uid(author), text=text, **kw
    )


async def group(stream: Any, name: str, *members: Person, private: bool = False) -> UUID:
    group_id = uuid4()
    visibility: Visibility = "private" if private else "public"
    await stream.publish(GroupCreated(group_id=group_id, name=name, visibility=visibility))
    for member in members:
        await stream.publish(MemberJoined(group_id=group_id, user_id=uid(member)))
    return group_id


async def people(plein: Plein, *handles: str) -> list[Person]:
    return [await plein.register(h, h.title()) for h in handles]


async def timeline_rows(plein: Plein, post_id: UUID) -> int:
    async with plein.runtime.service("feed").ctx.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT count(*) FROM timeline_entries WHERE post_id = %s", (post_id,)
        )
        row = await cur.fetchone()
        return int(row[0]) if row else 0


# -- audiences and reasons -----------------------------------------------------------------


async def test_group_members_see_a_group_post_with_the_group_as_reason(
    plein: Plein, stream: Any
) -> None:
    ann, bob, chloe = await people(plein, "ann", "bob", "chloe")
    marketing = await group(stream, "Marketing", ann, bob)
    p = post(ann, group_id=marketing)
    await stream.publish(p)
    await stream.caught_up()

    page = await stream.home(bob)
    assert [e["post_id"] for e in page["entries"]] == [str(p.post_id)]
    assert page["entries"][0]["why"] == "in Marketing"
    assert page["entries"][0]["group_name"] == "Marketing"
    assert await stream.home_ids(chloe) == []
    assert (await stream.home(ann))["entries"][0]["why"] == "You posted this"


async def test_a_mentioned_person_sees_the_post_and_why(plein: Plein, stream: Any) -> None:
    ann, bob = await people(plein, "ann", "bob")
    p = post(ann, "@bob kijk even", mentions=[uid(bob)])
    await stream.publish(p)
    await stream.caught_up()
    entry = (await stream.home(bob))["entries"][0]
    assert entry["post_id"] == str(p.post_id)
    assert entry["why"] == "mentions you"
    assert entry["reasons"] == ["mention"]


async def test_an_edit_moves_the_post_to_whom_it_now_mentions(plein: Plein, stream: Any) -> None:
    ann, bob, chloe, dave, eve = await people(plein, "ann", "bob", "chloe", "dave", "eve")
    await stream.publish(Followed(follower_id=uid(eve), followee_id=uid(ann)))
    p = post(ann, "@bob @chloe kijk even", mentions=[uid(bob), uid(chloe)])
    await stream.publish(p)
    # chloe is no longer mentioned, dave now is; eve (a follower) is mentioned too now
    await stream.publish(
        PostEdited(
            post_id=p.post_id,
            editor_id=uid(ann),
            text="@bob @dave @eve kijk even",
            mentions=[uid(bob), uid(dave), uid(eve)],
        )
    )
    await stream.caught_up()
    for person, sees in ((bob, True), (chloe, False), (dave, True), (eve, True), (ann, True)):
        assert (await stream.home_ids(person) == [str(p.post_id)]) is sees, person.name
    assert await timeline_rows(plein, p.post_id) == 4  # ann, bob, dave, eve

    # A deletion finds every holder, whatever brought the post to them.
    await stream.publish(PostDeleted(post_id=p.post_id, deleted_by=uid(ann)))
    await stream.caught_up()
    assert await timeline_rows(plein, p.post_id) == 0


async def test_the_praised_see_their_praise(plein: Plein, stream: Any) -> None:
    ann, bob = await people(plein, "ann", "bob")
    praise = PraiseGiven(
        post_id=uuid4(),
        author_id=uid(ann),
        real_author_id=uid(ann),
        text="Thanks for the launch!",
        praised_ids=[uid(bob)],
        badge="team-player",
    )
    await stream.publish(praise)
    await stream.caught_up()
    assert await stream.home_ids(bob) == [str(praise.post_id)]


async def test_an_erased_author_shows_as_a_former_colleague(plein: Plein, stream: Any) -> None:
    ann, bob = await people(plein, "ann", "bob")
    await stream.publish(Followed(follower_id=uid(bob), followee_id=uid(ann)))
    await stream.publish(post(ann))
    await eventually(lambda: _registered_name(plein, ann, "Ann"))
    await stream.publish(UserErased(user_id=uid(ann)))
    await stream.caught_up()
    entry = (await stream.home(bob))["entries"][0]
    assert entry["author_name"] == FORMER_COLLEAGUE
    assert "Ann" not in entry["why"]


async def test_an_erased_follower_gets_no_timeline_entries_written_any_more(
    plein: Plein, stream: Any
) -> None:
    ann, bob = await people(plein, "ann", "bob")
    team = await group(stream, "Team", ann, bob)
    await stream.publish(Followed(follower_id=uid(bob), followee_id=uid(ann)))
    before = post(ann, "before", group_id=team)
    await stream.publish(before)
    await stream.caught_up()
    assert await timeline_rows(plein, before.post_id) == 2  # ann's and bob's

    await stream.publish(UserErased(user_id=uid(bob)))
    after = post(ann, "after", group_id=team, mentions=[uid(bob)])
    await stream.publish(after)
    await stream.caught_up()
    # Follower, member and mentioned: still nothing is written for an erased person, and
    # what had been shown to them is gone.
    assert await timeline_rows(plein, after.post_id) == 1  # ann's own entry only
    assert await timeline_rows(plein, before.post_id) == 1
    assert await stream.home_ids(ann) == [str(after.post_id), str(before.post_id)]


async def test_feeds_show_a_shared_account_never_the_person_behind_it(
    plein: Plein, stream: Any
) -> None:
    ann, hr, cees = await people(plein, "ann", "hr", "cees")
    team = await group(stream, "Team", cees)
    await stream.publish(Followed(follower_id=uid(cees), followee_id=uid(hr)))
    news = PostCreated(
        post_id=uuid4(),
        author_id=uid(hr),
        real_author_id=uid(ann),
        text="Nieuw beleid",
        group_id=team,
    )
    await stream.publish(news)
    await stream.caught_up()
    for path in ("/feed/home", f"/feed/groups/{team}", f"/feed/people/{hr.id}"):
        response = await plein.http.get(path, headers=cees.auth)
        assert response.status_code == 200, (path, response.text)
        assert [e["post_id"] for e in response.json()["entries"]] == [str(news.post_id)]
        assert response.json()["entries"][0]["author_id"] == hr.id
        assert ann.id not in response.text and "Ann" not in response.text, path


async def _registered_name(plein: Plein, person: Person, name: str) -> None:
    async with plein.runtime.service("feed").ctx.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT display_name FROM people WHERE user_id = %s", (UUID(person.id),)
        )
        assert await cur.fetchone() == (name,)


# -- privacy -------------------------------------------------------------------------------


async def test_non_member_never_sees_private_post(plein: Plein, stream: Any) -> None:
    ann, bob, eve = await people(plein, "ann", "bob", "eve")
    board = await group(stream, "Board", ann, bob, private=True)
    # eve follows the author and is even mentioned: still a non-member.
    await stream.publish(Followed(follower_id=uid(eve), followee_id=uid(ann)))
    secret = post(ann, "secret @eve", group_id=board, group_private=True, mentions=[uid(eve)])
    await stream.publish(secret)
    await stream.caught_up()

    assert await stream.home_ids(bob) == [str(secret.post_id)]
    assert await stream.home_ids(eve) == []
    assert await stream.home_ids(eve, order="relevant") == []
    response = await plein.http.get(f"/feed/groups/{board}", headers=eve.auth)
    assert response.status_code == 404
    response = await plein.http.get(f"/feed/people/{ann.id}", headers=eve.auth)
    assert response.json()["entries"] == []
    response = await plein.http.get(f"/feed/people/{ann.id}", headers=bob.auth)
    assert [e["post_id"] for e in response.json()["entries"]] == [str(secret.post_id)]


async def test_a_private_group_post_stays_private_even_if_the_event_says_otherwise(
    plein: Plein, stream: Any
) -> None:
    ann, eve = await people(plein, "ann", "eve")
    board = await group(stream, "Board", ann, private=True)
    await stream.publish(Followed(follower_id=uid(eve), followee_id=uid(ann)))
    leaked = post(ann, group_id=board, group_private=False)  # the group says private
    await stream.publish(leaked)
    await stream.caught_up()
    assert await stream.home_ids(eve) == []


async def test_a_post_arriving_after_leave_never_reaches_the_former_member(
    plein: Plein, stream: Any
) -> None:
    ann, bob = await people(plein, "ann", "bob")
    board = await group(stream, "Board", ann, bob, private=True)
    before = post(ann, "before", group_id=board, group_private=True)
    await stream.publish(before)
    # leave, a post while away, a removal racing a rejoin: in stream order.
    await stream.publish(MemberLeft(group_id=board, user_id=uid(bob)))
    while_away = post(ann, "while away", group_id=board, group_private=True)
    await stream.publish(while_away)
    await stream.caught_up()
    assert await stream.home_ids(bob) == []

    await stream.publish(MemberJoined(group_id=board, user_id=uid(bob)))
    await stream.publish(MemberRemoved(group_id=board, user_id=uid(bob), removed_by=uid(ann)))
    after_removal = post(ann, "after removal", group_id=board, group_private=True)
    await stream.publish(after_removal)
    await stream.caught_up()
    assert await stream.home_ids(bob) == []
    assert await timeline_rows(plein, after_removal.post_id) == 1  # ann's own entry only

    await stream.publish(MemberJoined(group_id=board, user_id=uid(bob)))
    await stream.caught_up()
    # A member again: the group's history is theirs to read.
    assert set(await stream.home_ids(bob)) == {
        str(before.post_id),
        str(while_away.post_id),
        str(after_removal.post_id),
    }


async def test_a_group_turning_private_removes_its_posts_from_non_members_at_once(
    plein: Plein, stream: Any
) -> None:
    ann, bob, eve = await people(plein, "ann", "bob", "eve")
    lunch = await group(stream, "Lunch", ann, bob)
    await stream.publish(Followed(follower_id=uid(eve), followee_id=uid(ann)))
    p = post(ann, group_id=lunch)
    await stream.publish(p)
    await stream.caught_up()
    assert await stream.home_ids(eve) == [str(p.post_id)]  # public: a follower sees it

    await stream.publish(GroupUpdated(group_id=lunch, name="Lunch", visibility="private"))
    await stream.caught_up()
    assert await stream.home_ids(eve) == []
    assert await stream.home_ids(bob) == [str(p.post_id)]
    response = await plein.http.get(f"/feed/people/{ann.id}", headers=eve.auth)
    assert response.json()["entries"] == []


# -- follows, backfill and removal ---------------------------------------------------------


async def test_follow_backfills_and_unfollow_removes(plein: Plein, stream: Any) -> None:
    ann, bob = await people(plein, "ann", "bob")
    posts = [post(ann, f"p{i}") for i in range(3)]
    for p in posts:
        await stream.publish(p)
    await stream.publish(Followed(follower_id=uid(bob), followee_id=uid(ann)))
    await stream.caught_up()
    assert await stream.home_ids(bob) == [str(p.post_id) for p in reversed(posts)]

    await stream.publish(Unfollowed(follower_id=uid(bob), followee_id=uid(ann)))
    await stream.caught_up()
    assert await stream.home_ids(bob) == []


async def test_unfollow_keeps_posts_that_are_there_for_another_reason(
    plein: Plein, stream: Any
) -> None:
    ann, bob = await people(plein, "ann", "bob")
    team = await group(stream, "Team", ann, bob)
    await stream.publish(Followed(follower_id=uid(bob), followee_id=uid(ann)))
    in_team, on_profile = post(ann, group_id=team), post(ann)
    await stream.publish(in_team)
    await stream.publish(on_profile)
    await stream.publish(Unfollowed(follower_id=uid(bob), followee_id=uid(ann)))
    await stream.caught_up()
    assert await stream.home_ids(bob) == [str(in_team.post_id)]


async def test_join_backfills_the_groups_recent_posts(plein: Plein, stream: Any) -> None:
    ann, bob = await people(plein, "ann", "bob")
    team = await group(stream, "Team", ann)
    p = post(ann, group_id=team)
    await stream.publish(p)
    await stream.publish(MemberJoined(group_id=team, user_id=uid(bob)))
    await stream.caught_up()
    assert await stream.home_ids(bob) == [str(p.post_id)]


async def test_delete_and_hide_remove_at_once_and_unhide_restores(
    plein: Plein, stream: Any
) -> None:
    ann, bob = await people(plein, "ann", "bob")
    team = await group(stream, "Team", ann, bob)
    gone, hidden = post(ann, "gone", group_id=team), post(ann, "hidden", group_id=team)
    await stream.publish(gone)
    await stream.publish(hidden)
    await stream.publish(PostDeleted(post_id=gone.post_id, deleted_by=uid(ann), group_id=team))
    await stream.publish(PostHidden(post_id=hidden.post_id, hidden_by=uid(ann), group_id=team))
    await stream.caught_up()
    assert await stream.home_ids(bob) == []
    response = await plein.http.get(f"/feed/groups/{team}", headers=bob.auth)
    assert response.json()["entries"] == []

    await stream.publish(PostUnhidden(post_id=hidden.post_id, unhidden_by=uid(ann)))
    await stream.caught_up()
    assert await stream.home_ids(bob) == [str(hidden.post_id)]


# -- scale: fan-out on read, trimming ------------------------------------------------------


async def test_large_audiences_are_merged_at_read_time_not_written(
    plein: Plein, stream: Any
) -> None:
    stream.settings(fanout_threshold=2)
    ann, bob, chloe, eve = await people(plein, "ann", "bob", "chloe", "eve")
    everyone = uuid4()
    await stream.publish(GroupCreated(group_id=everyone, name="Everyone", is_all_company=True))
    for person in (ann, bob):
        await stream.publish(MemberJoined(group_id=everyone, user_id=uid(person)))
    big = await group(stream, "Big", ann, bob, chloe)  # 3 members > threshold 2
    star = await plein.register("star", "Star")
    for fan in (bob, chloe, eve):
        await stream.publish(Followed(follower_id=uid(fan), followee_id=uid(star)))

    company_post = post(ann, "all hands", group_id=everyone)
    big_post = post(ann, "big group", group_id=big)
    star_post = post(star, "hello fans")
    for p in (company_post, big_post, star_post):
        await stream.publish(p)
    await stream.caught_up()

    for p in (company_post, big_post, star_post):
        assert await timeline_rows(plein, p.post_id) == 1  # only the author's own entry
    assert await stream.home_ids(bob) == [
        str(star_post.post_id),
        str(big_post.post_id),
        str(company_post.post_id),
    ]
    assert (await stream.home(bob))["entries"][2]["why"] == "in Everyone"
    assert await stream.home_ids(chloe) == [str(star_post.post_id), str(big_post.post_id)]
    assert await stream.home_ids(eve) == [str(star_post.post_id)]

    await stream.publish(MemberLeft(group_id=big, user_id=uid(chloe)))
    await stream.caught_up()
    assert await stream.home_ids(chloe) == [str(star_post.post_id)]


async def test_timelines_are_trimmed_to_the_configured_length(plein: Plein, stream: Any) -> None:
    stream.settings(timeline_max_entries=10, trim_slack_entries=2)
    ann, bob, chloe = await people(plein, "ann", "bob", "chloe")
    await stream.publish(Followed(follower_id=uid(bob), followee_id=uid(ann)))
    await stream.publish(Followed(follower_id=uid(chloe), followee_id=uid(ann)))
    posts = [post(ann, f"p{i}") for i in range(15)]
    start = datetime.now(UTC) - timedelta(hours=1)
    for i, p in enumerate(posts[:12]):
        await stream.publish(p, at=start + timedelta(minutes=i))
    await stream.publish(Unfollowed(follower_id=uid(chloe), followee_id=uid(ann)))
    for i, p in enumerate(posts[12:], start=12):
        await stream.publish(p, at=start + timedelta(minutes=i))
    await stream.caught_up()
    newest_first = [str(p.post_id) for p in reversed(posts)]
    assert await stream.home_ids(bob) == newest_first  # longer than its length for a while
    first_page = [e["post_id"] for e in (await stream.home(bob, limit=10))["entries"]]
    trimmer = plein.runtime.service("feed").trimmer()  # type: ignore[attr-defined]

    report = await trimmer.trim()

    # Over the length by more than the slack: ann (15, her own) and bob (15); chloe holds none.
    assert (report.timelines, report.entries_deleted) == (2, 10)
    assert await stream.home_ids(bob) == first_page == newest_first[:10]
    assert await _all_pages(plein, bob, "/feed/home", _nothing) == newest_first[:10]
    assert (await trimmer.trim()).timelines == 0  # nothing over the length is left


# -- paging --------------------------------------------------------------------------------


async def _nothing() -> None:
    pass


async def _all_pages(plein: Plein, person: Person, path: str, between: Any) -> list[str]:
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 4}
        if cursor:
            params["cursor"] = cursor
        response = await plein.http.get(path, headers=person.auth, params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        seen += [e["post_id"] for e in page["entries"]]
        cursor = page["next_cursor"]
        if not cursor:
            return seen
        await between()


async def test_pages_have_no_duplicates_and_no_gaps_while_posts_arrive(
    plein: Plein, stream: Any
) -> None:
    ann, bob = await people(plein, "ann", "bob")
    team = await group(stream, "Team", ann, bob)
    await stream.publish(Followed(follower_id=uid(bob), followee_id=uid(ann)))
    start = datetime.now(UTC) - timedelta(hours=2)
    existing = [post(ann, f"p{i}", group_id=team) for i in range(14)]
    # Two posts share a timestamp: the post id breaks the tie.
    for i, p in enumerate(existing):
        await stream.publish(p, at=start + timedelta(minutes=i // 2 * 2))
    await stream.caught_up()

    async def insert_more() -> None:
        await stream.publish(post(ann, "late", group_id=team))
        await stream.caught_up()

    wanted = {str(p.post_id) for p in existing}
    for path in ("/feed/home", f"/feed/groups/{team}", f"/feed/people/{ann.id}"):
        pages = await _all_pages(plein, bob, path, insert_more)
        assert len(pages) == len(set(pages)), path
        assert wanted <= set(pages), path


async def test_a_bad_cursor_is_a_problem_document(plein: Plein, stream: Any) -> None:
    (ann,) = await people(plein, "ann")
    for order in ("latest", "relevant"):
        response = await plein.http.get(
            "/feed/home", headers=ann.auth, params={"cursor": "bogus", "order": order}
        )
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("application/problem+json")


# -- relevant order ------------------------------------------------------------------------


async def test_relevant_order_ranks_and_explains(plein: Plein, stream: Any) -> None:
    boss = await plein.register("boss", "Boss")
    me = await plein.register("me", "Me", manager_id=boss.id)
    ann, bob = await people(plein, "ann", "bob")
    team = await group(stream, "Team", me, ann, bob)
    now = datetime.now(UTC)
    await eventually(lambda: _registered(plein, me))
    plain = post(ann, "plain, newest", group_id=team)
    question = post(bob, "who knows?", group_id=team, kind="question")
    from_boss = post(boss, "from my manager", mentions=[uid(me)])
    await stream.publish(from_boss, at=now - timedelta(hours=3))
    await stream.publish(question, at=now - timedelta(hours=2))
    await stream.publish(plain, at=now - timedelta(minutes=5))
    await stream.caught_up()

    latest = await stream.home_ids(me)
    assert latest == [str(plain.post_id), str(question.post_id), str(from_boss.post_id)]
    page = await stream.home(me, order="relevant", explain="true")
    ranked = [e["post_id"] for e in page["entries"]]
    assert ranked == [str(from_boss.post_id), str(question.post_id), str(plain.post_id)]
    parts = page["entries"][0]["score_parts"]
    assert parts["by_my_manager"] > 0 and parts["mentions_me"] > 0 and 0 < parts["recency"] < 1
    assert page["entries"][1]["score_parts"]["unanswered_question"] > 0
    assert "score_parts" not in (await stream.home(me, order="relevant"))["entries"][0]

    # Affinity: replying to and reacting on ann's posts raises her next post.
    for _ in range(3):
        await stream.publish(
            ReplyPosted(
                reply_id=uuid4(),
                post_id=plain.post_id,
                parent_id=plain.post_id,
                post_author_id=uid(ann),
                parent_author_id=uid(ann),
                author_id=uid(me),
                real_author_id=uid(me),
                group_id=team,
                text="yes",
            )
        )
    await stream.publish(
        Reacted(
            post_id=plain.post_id,
            target_author_id=uid(ann),
            user_id=uid(me),
            reaction="like",
            group_id=team,
        )
    )
    await stream.caught_up()
    entry = next(
        e
        for e in (await stream.home(me, order="relevant", explain="true"))["entries"]
        if e["post_id"] == str(plain.post_id)
    )
    assert entry["score_parts"]["author_affinity"] > 0
    assert entry["reply_count"] == 3 and entry["reaction_count"] == 1


async def _registered(plein: Plein, person: Person) -> None:
    async with plein.runtime.service("feed").ctx.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT manager_id FROM people WHERE user_id = %s", (UUID(person.id),)
        )
        row = await cur.fetchone()
        assert row is not None and row[0] is not None


async def test_relevant_pages_do_not_repeat_entries(plein: Plein, stream: Any) -> None:
    ann, bob = await people(plein, "ann", "bob")
    await stream.publish(Followed(follower_id=uid(bob), followee_id=uid(ann)))
    for i in range(9):
        await stream.publish(post(ann, f"p{i}"))
    await stream.caught_up()
    seen: list[str] = []
    params: dict[str, Any] = {"order": "relevant", "limit": 4}
    while True:
        page = await stream.home(bob, **params)
        seen += [e["post_id"] for e in page["entries"]]
        await stream.publish(post(ann, "late"))
        if not page["next_cursor"]:
            break
        params["cursor"] = page["next_cursor"]
    assert len(seen) == len(set(seen)) == 9


# -- never let the important sink ----------------------------------------------------------


async def test_announcement_is_pinned_until_acknowledged(plein: Plein, stream: Any) -> None:
    ann, bob, eve = await people(plein, "ann", "bob", "eve")
    team = await group(stream, "Team", ann, bob)
    news = AnnouncementPosted(
        post_id=uuid4(),
        author_id=uid(ann),
        real_author_id=uid(ann),
        group_id=team,
        title="New office",
        text="We move in March",
    )
    await stream.publish(news)
    await stream.publish(post(ann, "newer"))
    await stream.caught_up()

    page = await stream.home(bob)
    assert [e["post_id"] for e in page["pinned"]] == [str(news.post_id)]
    assert page["pinned"][0]["why"] == "Announcement in Team"
    assert (await stream.home(eve))["pinned"] == []
    response = await plein.http.post(
        f"/feed/announcements/{news.post_id}/acknowledgement", headers=eve.auth
    )
    assert response.status_code == 404

    response = await plein.http.post(
        f"/feed/announcements/{news.post_id}/acknowledgement", headers=bob.auth
    )
    assert response.status_code == 204

    async def unpinned() -> None:
        page = await stream.home(bob)
        assert page["pinned"] == []
        assert str(news.post_id) in [e["post_id"] for e in page["entries"]]

    await eventually(unpinned)
    events = await _feed_events(stream, "AnnouncementAcknowledged")
    assert [AnnouncementAcknowledged(**e["payload"]).post_id for e in events] == [news.post_id]
    # Acknowledging again records nothing new. Looked for once a later event of bob's reader
    # is on the stream: the relay publishes in order, so a second acknowledgement would be too.
    response = await plein.http.post(
        f"/feed/announcements/{news.post_id}/acknowledgement", headers=bob.auth
    )
    assert response.status_code == 204
    response = await plein.http.post(
        "/feed/seen", headers=bob.auth, json={"post_ids": [str(news.post_id)]}
    )
    assert response.status_code == 202

    async def seen_published() -> None:
        assert len(await _feed_events(stream, "PostsSeen")) == 1

    await eventually(seen_published)
    assert len(await _feed_events(stream, "AnnouncementAcknowledged")) == 1


async def test_a_company_wide_announcement_reaches_everyone(plein: Plein, stream: Any) -> None:
    ann, bob = await people(plein, "ann", "bob")
    news = AnnouncementPosted(
        post_id=uuid4(), author_id=uid(ann), real_author_id=uid(ann), text="Office closed"
    )
    await stream.publish(news)
    await stream.caught_up()
    page = await stream.home(bob)  # bob neither follows ann nor shares a group with her
    assert [e["post_id"] for e in page["pinned"]] == [str(news.post_id)]
    assert page["pinned"][0]["why"] == "Announcement"
    assert [e["post_id"] for e in page["entries"]] == [str(news.post_id)]


async def _feed_events(stream: Any, type_name: str) -> list[dict[str, Any]]:
    import json

    from nats.js.api import DeliverPolicy

    sub = await stream.js.subscribe(
        f"plein.feed.{type_name}", ordered_consumer=True, deliver_policy=DeliverPolicy.ALL
    )
    found: list[dict[str, Any]] = []
    try:
        while True:
            try:
                msg = await sub.next_msg(timeout=0.5)
            except Exception:
                return found
            found.append(json.loads(msg.data))
    finally:
        await sub.unsubscribe()


async def test_an_unanswered_post_is_raised_in_group_members_feeds(
    plein: Plein, stream: Any
) -> None:
    stream.settings(raise_after_hours=24)
    ann, bob, eve = await people(plein, "ann", "bob", "eve")
    team = await group(stream, "Team", ann, bob)
    now = datetime.now(UTC)
    waiting = post(ann, "anyone?", group_id=team, kind="question")
    answered = post(ann, "solved", group_id=team, kind="question")
    fresh = post(ann, "just now", group_id=team)
    await stream.publish(waiting, at=now - timedelta(hours=30))
    await stream.publish(answered, at=now - timedelta(hours=30))
    await stream.publish(fresh, at=now - timedelta(hours=1))
    await stream.publish(
        AnswerAccepted(
            post_id=answered.post_id,
            reply_id=uuid4(),
            reply_author_id=uid(bob),
            question_author_id=uid(ann),
            accepted_by=uid(ann),
        )
    )
    await stream.caught_up()

    page = await stream.home(bob)
    assert [e["post_id"] for e in page["raised"]] == [str(waiting.post_id)]
    assert page["raised"][0]["why"] == "Still unanswered in Team"
    assert (await stream.home(ann))["raised"] == []  # the asker is not nagged
    assert (await stream.home(eve))["raised"] == []

    await stream.publish(
        ReplyPosted(
            reply_id=uuid4(),
            post_id=waiting.post_id,
            parent_id=waiting.post_id,
            post_author_id=uid(ann),
            parent_author_id=uid(ann),
            author_id=uid(bob),
            real_author_id=uid(bob),
            group_id=team,
            text="me!",
        )
    )
    await stream.caught_up()
    assert (await stream.home(bob))["raised"] == []


# -- seen tracking -------------------------------------------------------------------------


async def test_seen_posts_are_published_and_mark_what_is_new(plein: Plein, stream: Any) -> None:
    ann, bob = await people(plein, "ann", "bob")
    await stream.publish(Followed(follower_id=uid(bob), followee_id=uid(ann)))
    first = post(ann, "first")
    await stream.publish(first, at=datetime.now(UTC) - timedelta(minutes=5))
    await stream.caught_up()
    assert [e["new"] for e in (await stream.home(bob))["entries"]] == [True]

    response = await plein.http.post(
        "/feed/seen", headers=bob.auth, json={"post_ids": [str(first.post_id)]}
    )
    assert response.status_code == 202

    async def published() -> None:
        events = await _feed_events(stream, "PostsSeen")
        assert len(events) == 1
        seen = PostsSeen(**events[0]["payload"])
        assert seen.reader_id == uid(bob) and seen.post_ids == [first.post_id]
        assert (await stream.home(bob))["last_seen_at"] is not None

    await eventually(published)
    second = post(ann, "second")
    await stream.publish(second, at=datetime.now(UTC) + timedelta(seconds=1))
    await stream.caught_up()
    entries = (await stream.home(bob))["entries"]
    assert [(e["post_id"], e["new"]) for e in entries] == [
        (str(second.post_id), True),
        (str(first.post_id), False),
    ]


async def test_a_readers_reports_arriving_at_once_are_all_recorded(
    plein: Plein, stream: Any
) -> None:
    """Two tabs (or a page and its "Mark as read") report at the same moment: each append to
    the reader's history races the other, and none may end in a 500 or be lost."""
    ann, bob = await people(plein, "ann", "bob")
    await stream.publish(Followed(follower_id=uid(bob), followee_id=uid(ann)))
    posts = [post(ann, f"post {i}") for i in range(8)]
    for each in posts:
        await stream.publish(each)
    await stream.caught_up()

    responses = await asyncio.gather(
        *(
            plein.http.post("/feed/seen", headers=bob.auth, json={"post_ids": [str(p.post_id)]})
            for p in posts
        )
    )
    assert [r.status_code for r in responses] == [202] * len(posts), [r.text for r in responses]

    async def every_report_published() -> None:
        events = await _feed_events(stream, "PostsSeen")
        seen = sorted(id for e in events for id in e["payload"]["post_ids"])
        assert seen == sorted(str(p.post_id) for p in posts)

    await eventually(every_report_published)


async def test_only_posts_the_reader_may_see_count_as_seen_with_the_same_answer_for_all(
    plein: Plein, stream: Any
) -> None:
    ann, bob = await people(plein, "ann", "bob")
    board = await group(stream, "Board", ann, private=True)
    public, private = post(ann, "open to all"), post(ann, "board only", group_id=board)
    await stream.publish(public)
    await stream.publish(private)
    await stream.caught_up()
    # the same answer for a private post, one that does not exist (yet) and a mix: accepted,
    # and only what bob may see counts (the unknown one waits for its post: see
    # test_pending_reads.py)
    for ids in ([uuid4()], [private.post_id], [public.post_id, private.post_id]):
        response = await plein.http.post(
            "/feed/seen", headers=bob.auth, json={"post_ids": [str(i) for i in ids]}
        )
        assert response.status_code == 202, response.text
    response = await plein.http.post(
        "/feed/seen", headers=ann.auth, json={"post_ids": [str(private.post_id)]}
    )
    assert response.status_code == 202

    async def only_the_visible_reports_published() -> None:
        events = await _feed_events(stream, "PostsSeen")
        reported = sorted((e["payload"]["reader_id"], e["payload"]["post_ids"]) for e in events)
        assert reported == sorted(
            [(ann.id, [str(private.post_id)]), (bob.id, [str(public.post_id)])]
        )

    await eventually(only_the_visible_reports_published)


async def test_a_seen_report_must_name_between_one_and_200_posts(plein: Plein, stream: Any) -> None:
    (bob,) = await people(plein, "bob")
    for ids in ([], [str(uuid4()) for _ in range(201)], ["not-a-uuid"]):
        response = await plein.http.post("/feed/seen", headers=bob.auth, json={"post_ids": ids})
        assert response.status_code == 422
    response = await plein.http.post("/feed/seen", json={"post_ids": [str(uuid4())]})
    assert response.status_code == 401


async def test_a_deactivated_account_gets_nothing_and_its_timeline_returns_with_it(
    plein: Plein, stream: Any
) -> None:
    ann, bob, chloe = await people(plein, "ann", "bob", "chloe")
    team = await group(stream, "Team", ann, bob)
    await stream.publish(Followed(follower_id=uid(bob), followee_id=uid(chloe)))
    before, by_chloe = post(ann, "before", group_id=team), post(chloe, "by chloe")
    await stream.publish(before)
    await stream.publish(by_chloe)
    await stream.publish(UserDeactivated(user_id=uid(bob)))
    during = post(ann, "during", group_id=team)
    await stream.publish(during)
    await stream.caught_up()
    # bob is refused at once (his token is still valid), and his timeline is gone
    assert (await plein.http.get("/feed/home", headers=bob.auth)).status_code == 401
    async with plein.runtime.service("feed").ctx.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT count(*) FROM timeline_entries WHERE owner_id = %s", (uid(bob),)
        )
        assert await cur.fetchone() == (0,)
    assert await timeline_rows(plein, during.post_id) == 1  # ann's own entry only
    assert await stream.home_ids(ann) == [str(during.post_id), str(before.post_id)]

    await stream.publish(UserReactivated(user_id=uid(bob)))
    await stream.caught_up()
    expected = [during, by_chloe, before]
    assert await stream.home_ids(bob) == [str(p.post_id) for p in expected]
