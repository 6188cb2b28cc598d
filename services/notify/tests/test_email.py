"""E-mail through a real SMTP server: what goes at once, what waits to be seen, digests over a
fake clock, unsubscribe links and preferences."""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID, uuid4

from plein_events.feed import AnnouncementAcknowledged, PostsSeen
from plein_events.identity import GroupCreated, MemberJoined, UserDeactivated
from plein_events.posts import AnnouncementPosted, PostCreated, Reacted, ReplyPosted

NotifyWorld = Any  # the `world` fixture (conftest.py)


def mention(author: Any, mentioned: Any, text: str) -> PostCreated:
    return PostCreated(
        post_id=uuid4(),
        author_id=author.id,
        real_author_id=author.id,
        text=text,
        mentions=[UUID(mentioned.id)],
    )


def plain(message: Any) -> str:
    return str(message.get_body(("plain",)).get_content())


def html(message: Any) -> str:
    return str(message.get_body(("html",)).get_content())


async def test_a_mention_is_emailed_at_once_in_text_and_html_with_an_unsubscribe_link(
    world: NotifyWorld,
) -> None:
    ann = await world.register("ann", "Ann de Vries")
    bob = await world.register("bob", "Bob Jansen")
    await world.publish(mention(ann, bob, "Bob, can you check the <budget> sheet?"))
    await world.caught_up()
    report = await world.service.scheduler.tick()
    assert report.emails_sent == 1

    [message] = world.mail.to(bob.email)
    assert message["Subject"] == "Ann de Vries mentioned you"
    assert "Bob, can you check the <budget> sheet?" in plain(message)
    assert "check the &lt;budget&gt; sheet" in html(message)  # escaped, never raw HTML
    assert str(message["List-Unsubscribe"]).startswith("<http://")
    assert "/api/notify/unsubscribe?token=" in plain(message)


async def test_the_unsubscribe_link_stops_that_kind_of_email_but_not_the_inbox(
    world: NotifyWorld,
) -> None:
    ann = await world.register("ann", "Ann")
    bob = await world.register("bob", "Bob")
    await world.publish(mention(ann, bob, "first"))
    await world.caught_up()
    await world.service.scheduler.tick()
    [message] = world.mail.to(bob.email)
    url = re.search(r"(http://\S+/api/notify/unsubscribe\?token=\S+)", plain(message))
    assert url is not None
    path = url.group(1).split("/api", 1)[1]

    page = await world.plein.http.get(path)  # a GET only asks (mail scanners follow links)
    assert page.status_code == 200 and "mentions" in page.text
    prefs = await world.plein.http.get("/notify/preferences", headers=bob.auth)
    assert prefs.json()["channels"]["mention"] == "email"
    done = await world.plein.http.post(path)
    assert done.status_code == 200
    prefs = await world.plein.http.get("/notify/preferences", headers=bob.auth)
    assert prefs.json()["channels"]["mention"] == "in_app"

    await world.publish(mention(ann, bob, "second"))
    await world.caught_up()
    await world.service.scheduler.tick()
    assert len(world.mail.to(bob.email)) == 1
    assert len((await world.inbox(bob))["entries"]) == 2  # still in the app
    forged = await world.plein.http.post("/notify/unsubscribe", params={"token": "x.y.z"})
    assert forged.status_code == 422


async def test_preferences_are_honoured_per_kind(world: NotifyWorld) -> None:
    ann = await world.register("ann", "Ann")
    bob = await world.register("bob", "Bob")
    response = await world.plein.http.patch(
        "/notify/preferences",
        headers=bob.auth,
        json={"channels": {"mention": "off", "reply": "email"}, "digest": "weekly"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["digest"] == "weekly"
    bad = await world.plein.http.patch(
        "/notify/preferences", headers=bob.auth, json={"channels": {"mention": "pigeon"}}
    )
    assert bad.status_code == 422

    await world.publish(mention(ann, bob, "ignored"))
    post_id = uuid4()
    await world.publish(
        ReplyPosted(
            reply_id=uuid4(),
            post_id=post_id,
            parent_id=post_id,
            post_author_id=bob.id,
            parent_author_id=bob.id,
            author_id=ann.id,
            real_author_id=ann.id,
            text="here is my reply",
        )
    )
    await world.caught_up()
    inbox = await world.inbox(bob)
    assert [e["kind"] for e in inbox["entries"]] == ["reply"]
    await world.service.scheduler.tick()
    [message] = world.mail.to(bob.email)
    assert message["Subject"] == "Ann replied to your post"


async def announcement(world: NotifyWorld, author: Any, group_id: UUID, **fields: Any) -> UUID:
    post_id = uuid4()
    await world.publish(
        AnnouncementPosted(
            post_id=post_id,
            author_id=author.id,
            real_author_id=author.id,
            group_id=group_id,
            text="The office is closed on Friday",
            title="Office closed",
            **fields,
        )
    )
    return post_id


async def test_an_announcement_seen_in_the_app_is_not_emailed_an_unseen_one_is_after_two_hours(
    world: NotifyWorld,
) -> None:
    ann = await world.register("ann", "Ann")
    bob = await world.register("bob", "Bob")
    cas = await world.register("cas", "Cas")
    dirk = await world.register("dirk", "Dirk")
    group_id = uuid4()
    await world.publish(GroupCreated(group_id=group_id, name="Office"))
    for person in (ann, bob, cas, dirk):
        await world.publish(MemberJoined(group_id=group_id, user_id=person.id))
    post_id = await announcement(world, ann, group_id)
    await world.caught_up()

    await world.service.scheduler.tick()
    assert world.mail.messages == []  # not at once
    world.clock.advance(hours=1)
    await world.publish(PostsSeen(reader_id=bob.id, post_ids=[post_id], seen_at=world.clock.now))
    await world.publish(AnnouncementAcknowledged(post_id=post_id, user_id=dirk.id))
    await world.caught_up()
    world.clock.advance(hours=1, minutes=1)
    await world.service.scheduler.tick()

    assert world.mail.to(bob.email) == [] and world.mail.to(dirk.email) == []
    [message] = world.mail.to(cas.email)
    assert message["Subject"] == "Ann posted an announcement"
    assert "Office closed" in plain(message)
    assert world.mail.to(ann.email) == []  # the author is not told about their own post


async def test_an_announcement_the_admin_marks_immediate_is_emailed_at_once(
    world: NotifyWorld,
) -> None:
    ann = await world.register("ann", "Ann")
    bob = await world.register("bob", "Bob")
    group_id = uuid4()
    await world.publish(GroupCreated(group_id=group_id, name="Office"))
    for person in (ann, bob):
        await world.publish(MemberJoined(group_id=group_id, user_id=person.id))
    await announcement(world, ann, group_id, email_immediately=True)
    await world.caught_up()
    await world.service.scheduler.tick()
    assert len(world.mail.to(bob.email)) == 1


async def test_daily_digest_over_a_fake_clock_at_most_once_a_day(world: NotifyWorld) -> None:
    ann = await world.register("ann", "Ann")
    people = [await world.register(h, h.title()) for h in ("bob", "cas", "dirk")]
    lonely_post, popular_post = uuid4(), uuid4()
    bob, cas, dirk = people
    await world.publish(
        Reacted(post_id=lonely_post, target_author_id=ann.id, user_id=bob.id, reaction="like")
    )
    for person in (cas, dirk):
        world.clock.advance(seconds=10)
        await world.publish(
            Reacted(
                post_id=popular_post, target_author_id=ann.id, user_id=person.id, reaction="like"
            )
        )
    await world.publish(
        ReplyPosted(
            reply_id=uuid4(),
            post_id=popular_post,
            parent_id=popular_post,
            post_author_id=ann.id,
            parent_author_id=ann.id,
            author_id=bob.id,
            real_author_id=bob.id,
            text="Nice work",
        )
    )
    await world.caught_up()
    world.clock.now = world.clock.now.replace(hour=6)
    await world.service.scheduler.tick()
    assert world.mail.to(ann.email) == []  # not the digest hour

    world.clock.now = world.clock.now.replace(hour=7, minute=5)
    report = await world.service.scheduler.tick()
    assert report.digests_sent == 1
    [digest] = world.mail.to(ann.email)
    body = plain(digest)
    assert digest["Subject"] == "Your daily Plein digest: 2 new"
    assert "Bob replied to your post" in body
    assert "Dirk and Cas reacted to your post" in body
    assert "Bob reacted" not in body  # a single reaction is not worth an e-mail
    assert "Stop e-mails about replies" in body and "Stop e-mails about reactions" in body

    await world.publish(
        Reacted(post_id=uuid4(), target_author_id=ann.id, user_id=bob.id, reaction="like")
    )
    await world.publish(
        ReplyPosted(
            reply_id=uuid4(),
            post_id=lonely_post,
            parent_id=lonely_post,
            post_author_id=ann.id,
            parent_author_id=ann.id,
            author_id=cas.id,
            real_author_id=cas.id,
            text="Later that day",
        )
    )
    await world.caught_up()
    world.clock.advance(hours=10)
    await world.service.scheduler.tick()
    assert len(world.mail.to(ann.email)) == 1  # at most one digest a day
    world.clock.advance(hours=14)  # the next morning, after the digest hour
    await world.service.scheduler.tick()
    assert len(world.mail.to(ann.email)) == 2
    assert "Cas replied to your post" in plain(world.mail.to(ann.email)[1])


async def test_a_weekly_digest_waits_a_week(world: NotifyWorld) -> None:
    ann = await world.register("ann", "Ann")
    bob = await world.register("bob", "Bob")
    await world.plein.http.patch("/notify/preferences", headers=ann.auth, json={"digest": "weekly"})
    for _ in range(2):
        await world.publish(
            ReplyPosted(
                reply_id=uuid4(),
                post_id=(post_id := uuid4()),
                parent_id=post_id,
                post_author_id=ann.id,
                parent_author_id=ann.id,
                author_id=bob.id,
                real_author_id=bob.id,
                text="hi",
            )
        )
        await world.caught_up()
        world.clock.now = world.clock.now.replace(hour=7)
        await world.service.scheduler.tick()
        world.clock.advance(days=1)
    assert len(world.mail.to(ann.email)) == 1
    world.clock.advance(days=6)
    await world.service.scheduler.tick()
    assert len(world.mail.to(ann.email)) == 2


async def test_an_all_company_announcement_reaches_every_active_person_once(
    world: NotifyWorld,
) -> None:
    ann = await world.register("ann", "Ann")
    people = [await world.register(h, h.title()) for h in ("bob", "cas", "dirk", "eef", "fay")]
    bob, cas, dirk, eef, fay = people
    off = await world.plein.http.patch(
        "/notify/preferences", headers=fay.auth, json={"channels": {"announcement": "in_app"}}
    )
    assert off.status_code == 200, off.text
    await world.publish(UserDeactivated(user_id=eef.id))
    await world.publish(
        AnnouncementPosted(
            post_id=uuid4(),
            author_id=ann.id,
            real_author_id=ann.id,
            text="The canteen opens at noon",
            title="Canteen",
        ),
        copies=2,  # a re-published event changes nothing
    )
    await world.caught_up()

    for person in (bob, cas, dirk, fay):
        [entry] = (await world.inbox(person))["entries"]
        assert entry["text"] == "Ann posted an announcement"
    assert (await world.inbox(ann))["entries"] == []  # not told of their own post
    world.clock.advance(hours=2, minutes=1)
    await world.service.scheduler.tick()
    for person in (bob, cas, dirk):
        [message] = world.mail.to(person.email)
        assert message["Subject"] == "Ann posted an announcement"
    assert world.mail.to(fay.email) == []  # in the app only, by her choice
    assert world.mail.to(eef.email) == [] and world.mail.to(ann.email) == []
