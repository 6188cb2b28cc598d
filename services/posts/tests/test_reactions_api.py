"""Who reacted, over HTTP against real PostgreSQL and NATS."""

from __future__ import annotations

from typing import Any

from plein_testdata.servers import Plein


async def test_who_reacted_lists_the_people_per_reaction_to_a_post_and_a_reply(
    plein: Plein, identity: Any
) -> None:
    ann, bob, chloe, daan = await identity.people("ann", "bob", "chloe", "daan")
    post = await plein.http.post("/posts/posts", headers=ann.auth, json={"text": "Borrel?"})
    post_id = post.json()["id"]
    reply = await plein.http.post(
        f"/posts/posts/{post_id}/replies", headers=bob.auth, json={"text": "Ja!"}
    )
    reply_id = reply.json()["reply_id"]
    for person, reaction in ((bob, "like"), (chloe, "like"), (daan, "celebrate")):
        put = await plein.http.put(
            f"/posts/posts/{post_id}/reaction", headers=person.auth, json={"reaction": reaction}
        )
        assert put.status_code == 200, put.text
    await plein.http.put(
        f"/posts/posts/{post_id}/replies/{reply_id}/reaction",
        headers=ann.auth,
        json={"reaction": "thanks"},
    )

    who = await plein.http.get(f"/posts/posts/{post_id}/reactions", headers=daan.auth)
    assert who.status_code == 200, who.text
    assert who.json() == {"reactions": {"like": sorted([bob.id, chloe.id]), "celebrate": [daan.id]}}
    on_reply = await plein.http.get(
        f"/posts/posts/{post_id}/replies/{reply_id}/reactions", headers=daan.auth
    )
    assert on_reply.json() == {"reactions": {"thanks": [ann.id]}}

    # Taking a reaction back takes the person off the list.
    await plein.http.delete(f"/posts/posts/{post_id}/reaction", headers=chloe.auth)
    who = await plein.http.get(f"/posts/posts/{post_id}/reactions", headers=daan.auth)
    assert who.json()["reactions"]["like"] == [bob.id]


async def test_no_one_sees_who_reacted_in_a_private_group_they_are_not_in(
    plein: Plein, identity: Any
) -> None:
    ann, bob, tom = await identity.people("ann", "bob", "tom")
    group = await identity.group("Board", private=True, members=(ann, bob))
    post = await plein.http.post(
        "/posts/posts", headers=ann.auth, json={"text": "Plans", "group_id": group}
    )
    post_id = post.json()["id"]
    await plein.http.put(
        f"/posts/posts/{post_id}/reaction", headers=bob.auth, json={"reaction": "like"}
    )
    refused = await plein.http.get(f"/posts/posts/{post_id}/reactions", headers=tom.auth)
    body = identity.problem(refused, refused.status_code)
    assert refused.status_code in (403, 404) and bob.id not in str(body)
    missing = await plein.http.get(
        f"/posts/posts/{post_id}/replies/{post_id[:-4]}0000/reactions", headers=ann.auth
    )
    identity.problem(missing, 404)
