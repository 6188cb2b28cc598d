"""Posts over HTTP against real PostgreSQL and NATS: threads, replies, edits, tombstones."""

from __future__ import annotations

from typing import Any

from plein_testdata.servers import Plein, eventually


async def test_a_thread_reads_its_own_writes_with_nested_replies(
    plein: Plein, identity: Any
) -> None:
    ann = await plein.register("ann")
    bob = await plein.register("bob")
    await identity.settled()
    http = plein.http
    created = await http.post("/posts/posts", headers=ann.auth, json={"text": "Hallo #welkom"})
    assert created.status_code == 201, created.text
    post_id = created.json()["id"]
    assert created.json()["topics"] == ["welkom"]

    first = await http.post(
        f"/posts/posts/{post_id}/replies", headers=bob.auth, json={"text": "Dag Ann"}
    )
    assert first.status_code == 201, first.text
    first_id = first.json()["reply_id"]
    second = await http.post(
        f"/posts/posts/{post_id}/replies",
        headers=ann.auth,
        json={"text": "Dag Bob", "parent_id": first_id},
    )
    second_id = second.json()["reply_id"]

    thread = (await http.get(f"/posts/posts/{post_id}", headers=bob.auth)).json()
    assert thread["reply_count"] == 2
    [top] = thread["replies"]
    assert top["id"] == first_id and top["text"] == "Dag Ann"
    assert [r["id"] for r in top["replies"]] == [second_id]

    async def listed() -> None:
        page = (await http.get(f"/posts/people/{ann.id}/posts", headers=bob.auth)).json()
        assert [p["post_id"] for p in page["posts"]] == [post_id]
        assert page["posts"][0]["reply_count"] == 2

    await eventually(listed)


async def test_an_at_handle_in_the_text_mentions_that_person_and_ids_still_work(
    plein: Plein, identity: Any
) -> None:
    http = plein.http
    first = await plein.register("ann", "Ann de Vries")
    second = await plein.register("ann2", "Ann de Vries")
    chloe, bob = await identity.people("chloe", "bob")
    handles = [
        (await http.get(f"/identity/users/{p.id}", headers=bob.auth)).json()["handle"]
        for p in (first, second, chloe)
    ]
    assert handles == ["anndevries", "anndevries2", "chloe"]  # unique, from the name

    created = await http.post(
        "/posts/posts",
        headers=bob.auth,
        json={
            "text": "Hoi @AnnDeVries2 en @niemand, mail ann@example.com",
            "mentions": [chloe.id],
        },
    )
    assert created.status_code == 201, created.text
    assert created.json()["mentions"] == [second.id, chloe.id]
    post_id = created.json()["id"]
    reply = await http.post(
        f"/posts/posts/{post_id}/replies", headers=chloe.auth, json={"text": "@anndevries ook?"}
    )
    assert reply.status_code == 201
    assert [r["mentions"] for r in reply.json()["replies"]] == [[first.id]]
    edited = await http.patch(
        f"/posts/posts/{post_id}", headers=bob.auth, json={"text": "Alleen @chloe nu"}
    )
    assert edited.json()["mentions"] == [chloe.id]
