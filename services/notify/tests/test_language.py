"""Notify speaks the recipient's language: the profile's (from identity's events), in e-mails
read from the real SMTP server and in inbox sentences; a client may ask for its pages' one."""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID, uuid4

from plein_events.posts import PostCreated, ReplyPosted
from plein_testdata.servers import eventually

NotifyWorld = Any  # the `world` fixture (conftest.py)


def plain(message: Any) -> str:
    return str(message.get_body(("plain",)).get_content())


def html(message: Any) -> str:
    return str(message.get_body(("html",)).get_content())


def mention(author: Any, *mentioned: Any) -> PostCreated:
    return PostCreated(
        post_id=uuid4(),
        author_id=author.id,
        real_author_id=author.id,
        text="Kijk even naar het plan / have a look at the plan",
        mentions=[UUID(m.id) for m in mentioned],
    )


async def test_a_dutch_recipient_gets_dutch_email_and_inbox_and_an_english_one_english(
    world: NotifyWorld,
) -> None:
    cas = await world.register("cas", "Cas Bakker")
    ann = await world.register("ann", "Ann de Vries", languages=["nl", "en"])
    bob = await world.register("bob", "Bob Smith", languages=["en"])
    await world.publish(mention(cas, ann, bob))
    await world.caught_up()
    report = await world.service.scheduler.tick()
    assert report.emails_sent == 2

    [dutch] = world.mail.to(ann.email)
    assert dutch["Subject"] == "Cas Bakker noemde je"
    assert dutch["Content-Language"] == "nl"
    assert "Hallo Ann de Vries," in plain(dutch)
    assert "Dit gebeurde er op Plein:" in plain(dutch)
    assert "25 november 2026 om 10:00" in plain(dutch)  # 09:00 UTC, in Amsterdam
    assert "Geen e-mails meer over vermeldingen" in plain(dutch)
    assert '<html lang="nl"' in html(dutch) and "Open Plein" in html(dutch)

    [english] = world.mail.to(bob.email)
    assert english["Subject"] == "Cas Bakker mentioned you"
    assert "Hello Bob Smith," in plain(english)
    assert "November 25, 2026, 10:00" in plain(english)
    assert "Stop e-mails about mentions" in plain(english)

    assert [e["text"] for e in (await world.inbox(ann))["entries"]] == ["Cas Bakker noemde je"]
    assert [e["text"] for e in (await world.inbox(bob))["entries"]] == ["Cas Bakker mentioned you"]


async def test_a_client_may_ask_for_its_pages_language_in_the_inbox_and_the_stream(
    world: NotifyWorld,
) -> None:
    cas = await world.register("cas", "Cas")
    bob = await world.register("bob", "Bob", languages=["en"])
    await world.publish(mention(cas, bob))
    await world.caught_up()
    response = await world.plein.http.get(
        "/notify/inbox", headers={**bob.auth, "Accept-Language": "nl-NL,nl;q=0.9"}
    )
    assert [e["text"] for e in response.json()["entries"]] == ["Cas noemde je"]
    first = ""
    async with world.plein.http.stream(
        "GET",
        "/notify/stream",
        headers={**bob.auth, "Accept-Language": "nl", "Last-Event-ID": "0"},
    ) as stream:
        async for line in stream.aiter_lines():
            if line.startswith("data:") and '"text"' in line:
                first = line
                break
    assert "Cas noemde je" in first


async def test_a_changed_profile_language_is_the_language_of_what_comes_next(
    world: NotifyWorld,
) -> None:
    cas = await world.register("cas", "Cas")
    ann = await world.register("ann", "Ann")  # no language: English, the default
    await world.publish(mention(cas, ann))
    await world.caught_up()
    assert (await world.inbox(ann))["entries"][0]["text"] == "Cas mentioned you"

    response = await world.plein.http.patch(
        "/identity/me", headers=ann.auth, json={"languages": ["nl"]}
    )
    assert response.status_code == 200, response.text

    async def dutch() -> None:
        assert (await world.inbox(ann))["entries"][0]["text"] == "Cas noemde je"

    await eventually(dutch)


async def test_a_dutch_digest_and_its_unsubscribe_page_are_in_dutch(world: NotifyWorld) -> None:
    cas = await world.register("cas", "Cas")
    ann = await world.register("ann", "Ann", languages=["nl"])
    post_id = uuid4()
    dirk = await world.register("dirk", "Dirk")
    for replier in (cas, dirk):
        world.clock.advance(minutes=1)  # Dirk replies last: his name comes first
        await world.publish(
            ReplyPosted(
                reply_id=uuid4(),
                post_id=post_id,
                parent_id=post_id,
                post_author_id=ann.id,
                parent_author_id=ann.id,
                author_id=replier.id,
                real_author_id=replier.id,
                text="een antwoord",
            )
        )
    await world.caught_up()
    world.clock.advance(hours=21, minutes=58)  # Thursday 07:00 UTC: the digest hour
    await world.service.scheduler.tick()  # (Cas gets one too: Dirk replied after him)

    [digest] = world.mail.to(ann.email)
    assert digest["Subject"] == "Je dagelijkse Plein-overzicht: 1 nieuw"
    assert "Wat er gebeurde sinds je vorige dagelijkse overzicht:" in plain(digest)
    assert "Dirk en Cas reageerden op je bericht" in plain(digest)
    base = world.plein.settings.base_url
    assert f"{base}/posts/{post_id}" in plain(digest)  # the line's thread
    assert f"Open Plein: {base}/notifications" in plain(digest)  # the digest's inbox
    url = re.search(r"(http://\S+/api/notify/unsubscribe\?token=\S+)", plain(digest))
    assert url is not None
    page = await world.plein.http.get(url.group(1).split("/api", 1)[1])
    assert page.status_code == 200
    assert "lang='nl'" in page.text and "Geen e-mails meer over reacties?" in page.text
    done = await world.plein.http.post(url.group(1).split("/api", 1)[1])
    assert "Klaar: geen e-mails meer over reacties." in done.text
