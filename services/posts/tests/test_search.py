"""Full-text search over posts and replies, in Dutch and English, ranked, highlighted, paged."""

from __future__ import annotations

from typing import Any

from plein_testdata.servers import Plein, eventually


async def test_search_stems_dutch_and_english_ranks_highlights_and_pages(
    plein: Plein, identity: Any
) -> None:
    ann, bob = await identity.people("ann", "bob")
    http = plein.http
    texts = [
        "De vergaderingen over het nieuwe kantoor zijn verplaatst.",
        "All meetings about the new office moved to Thursday.",
        "Vergadering, vergadering, vergadering: weer een vergadering!",
        "Lunch is <b>gratis</b> vandaag.",
    ]
    ids = []
    for text in texts:
        response = await http.post("/posts/posts", headers=ann.auth, json={"text": text})
        ids.append(response.json()["id"])
    reply = await http.post(
        f"/posts/posts/{ids[3]}/replies", headers=bob.auth, json={"text": "Welke vergadering?"}
    )

    async def search(q: str, **params: Any) -> dict[str, Any]:
        response = await http.get("/posts/search", headers=bob.auth, params={"q": q, **params})
        assert response.status_code == 200, response.text
        return response.json()

    async def dutch_stems() -> dict[str, Any]:
        found = await search("vergadering")
        assert {h["post_id"] for h in found["hits"]} == {ids[0], ids[2], ids[3]}
        return found

    found = await eventually(dutch_stems)
    # The post that says it four times ranks first; the reply is a hit of its own.
    assert found["hits"][0]["post_id"] == ids[2]
    assert any(h["reply_id"] == reply.json()["reply_id"] for h in found["hits"])
    first = found["hits"][0]["highlight"]
    assert any(s["match"] and s["text"].lower().startswith("vergadering") for s in first)
    assert "".join(s["text"] for s in first).startswith("Vergadering")

    english = await search("meeting")
    assert [h["post_id"] for h in english["hits"]] == [ids[1]]
    assert [s["text"] for s in english["hits"][0]["highlight"] if s["match"]] == ["meetings"]

    # Highlights are segments, never markup: a post's own tags are text shown as typed (the
    # client escapes them), our marks never reach the client, and the post keeps its text.
    lunch = await search("gratis lunch")
    segments = lunch["hits"][0]["highlight"]
    assert [s["text"] for s in segments if s["match"]] == ["Lunch", "gratis"]
    assert "".join(s["text"] for s in segments) == "Lunch is <b>gratis</b> vandaag"
    assert not any(mark in s["text"] for s in segments for mark in "\ue000\ue001\ue03c\ue03e")
    thread = await http.get(f"/posts/posts/{ids[3]}", headers=bob.auth)
    assert thread.json()["text"] == texts[3]

    # Cursor pagination: one hit per page, no duplicates, no gaps, same order.
    pages, cursor = [], None
    while True:
        page = await search("vergadering", limit=1, **({"cursor": cursor} if cursor else {}))
        pages += [(h["post_id"], h["reply_id"]) for h in page["hits"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == [(h["post_id"], h["reply_id"]) for h in found["hits"]]
    assert len(pages) == 3  # two posts and the reply

    identity.problem(
        await http.get("/posts/search", headers=bob.auth, params={"q": "x", "cursor": "nope"}),
        422,
    )


async def test_deleted_and_hidden_messages_leave_the_search(plein: Plein, identity: Any) -> None:
    ann, cm = await identity.people("ann", "cm")
    await identity.community_manager(cm)
    http = plein.http
    gone = await http.post("/posts/posts", headers=ann.auth, json={"text": "Fietsenstalling"})
    hidden = await http.post("/posts/posts", headers=ann.auth, json={"text": "Fietsenstalling!"})

    async def hits() -> list[str]:
        response = await http.get(
            "/posts/search", headers=ann.auth, params={"q": "fietsenstalling"}
        )
        return [h["post_id"] for h in response.json()["hits"]]

    async def both() -> None:
        assert len(await hits()) == 2

    await eventually(both)
    await http.delete(f"/posts/posts/{gone.json()['id']}", headers=ann.auth)
    await http.post(f"/posts/posts/{hidden.json()['id']}/hide", headers=cm.auth, json={})

    async def none() -> None:
        assert await hits() == []

    await eventually(none)
