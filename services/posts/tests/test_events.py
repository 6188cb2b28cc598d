"""What posts publishes: every event carries what feed, notify and metrics need."""

from __future__ import annotations

from typing import Any

from nats.js.api import ConsumerConfig, DeliverPolicy
from plein_events import Envelope
from plein_events.personal import SEALED_PREFIX, PersonKeys
from plein_events.stream import STREAM_NAME
from plein_testdata.servers import Plein, eventually


async def _published(plein: Plein) -> list[Envelope]:
    nc = plein.runtime.nc
    assert nc is not None
    js = nc.jetstream()
    sub = await js.pull_subscribe(
        "plein.posts.>",
        stream=STREAM_NAME,
        config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL),
    )
    try:
        msgs = await sub.fetch(200, timeout=1)
    except Exception:  # nothing yet
        msgs = []
    finally:
        await sub.unsubscribe()
    return [Envelope.model_validate_json(m.data) for m in msgs]


async def test_posts_events_carry_group_privacy_authors_mentions_topics_and_kind(
    plein: Plein, identity: Any
) -> None:
    ann, bob = await identity.people("ann", "bob")
    group = await identity.group("Raad", private=True, members=(ann, bob))
    await identity.make_admin(group, ann)
    http = plein.http
    question = await http.post(
        "/posts/posts",
        headers=bob.auth,
        json={"text": "Wie #weet het?", "group_id": group, "kind": "question"},
    )
    post_id = question.json()["id"]
    reply = await http.post(
        f"/posts/posts/{post_id}/replies",
        headers=ann.auth,
        json={"text": "Ik, vraag @Bob", "mentions": [bob.id]},
    )
    reply_id = reply.json()["reply_id"]
    await http.put(f"/posts/posts/{post_id}/reaction", headers=ann.auth, json={"reaction": "love"})
    await http.put(
        f"/posts/posts/{post_id}/best-answer", headers=bob.auth, json={"reply_id": reply_id}
    )
    await http.post(
        "/posts/announcements",
        headers=ann.auth,
        json={"group_id": group, "title": "Vergadering", "text": "Dinsdag om 10"},
    )

    async def all_out() -> list[Envelope]:
        envelopes = await _published(plein)
        assert len(envelopes) == 5
        return envelopes

    created, replied, reacted, accepted, announced = await eventually(all_out)
    assert created.type == "PostCreated" and str(created.actor_id) == bob.id
    assert created.payload["group_private"] is True and created.payload["kind"] == "question"
    assert created.payload["topics"] == ["weet"]
    assert replied.type == "ReplyPosted"
    assert replied.payload["post_author_id"] == bob.id
    assert replied.payload["mentions"] == [bob.id] and replied.payload["post_kind"] == "question"
    assert replied.payload["group_id"] == group and replied.payload["group_private"] is True
    assert reacted.type == "Reacted" and reacted.payload["target_author_id"] == bob.id
    assert accepted.type == "AnswerAccepted" and accepted.payload["reply_author_id"] == ann.id
    assert announced.type == "AnnouncementPosted"
    # The words travel sealed under their writer's key; a consumer opens them with it.
    assert announced.payload["title"].startswith(SEALED_PREFIX)
    assert announced.payload["kind"] == "announcement"
    js = plein.runtime.nc.jetstream()  # type: ignore[union-attr]
    opened = await PersonKeys(js).unseal_envelope(announced)
    assert (opened.payload["title"], opened.payload["text"]) == ("Vergadering", "Dinsdag om 10")
    assert len({e.msg_id for e in (created, replied, reacted, accepted)}) == 4
