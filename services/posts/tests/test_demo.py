"""The demo seed's conversations go through posts' API and obey its rules."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from plein_demo import seed_demo
from plein_demo.conversations import seed_conversations
from plein_events.identity import GroupAdminGranted, MemberJoined
from plein_testdata.servers import Plein, eventually


async def test_demo_seed_has_threads_questions_praise_and_a_poll(plein: Plein) -> None:
    assert await seed_demo(plein.base_url, say=lambda _: None)
    response = await plein.http.post(
        "/identity/tokens", json={"email": "ann@example.com", "password": "plein-demo-2026"}
    )
    # Ann sees everything: every public group, and the one private group is hers.
    bob = {"Authorization": f"Bearer {response.json()['access_token']}"}

    async def kinds() -> dict[str, Any]:
        found = (
            await plein.http.get(
                "/posts/search",
                headers=bob,
                params={"q": "#hr OR catering OR cluster OR template OR teamdag OR campagne"},
            )
        ).json()
        assert len(found["hits"]) >= 5
        return found

    await eventually(kinds)
    questions = []
    for query in (
        "declaratie",
        "design system repository",
        "parkeerplek",
        "quarterly business review",
    ):
        hits = (await plein.http.get("/posts/search", headers=bob, params={"q": query})).json()
        thread = await plein.http.get(f"/posts/posts/{hits['hits'][0]['post_id']}", headers=bob)
        questions.append(thread.json())
    assert [q["kind"] for q in questions] == ["question"] * 4
    assert [q["accepted_reply_id"] is not None for q in questions] == [True, True, False, False]
    poll = (await plein.http.get("/posts/search", headers=bob, params={"q": "teamdag"})).json()
    results = (
        await plein.http.get(f"/posts/posts/{poll['hits'][0]['post_id']}/poll", headers=bob)
    ).json()
    assert len(results["options"]) == 3 and results["total_votes"] >= 2  # members vote
    praise = (await plein.http.get("/posts/search", headers=bob, params={"q": "campagne"})).json()
    thread = (
        await plein.http.get(f"/posts/posts/{praise['hits'][0]['post_id']}", headers=bob)
    ).json()
    assert thread["kind"] == "praise" and thread["praise"]["badge"] == "team_player"


async def test_demo_conversations_go_into_groups_with_an_announcement(
    plein: Plein, identity: Any
) -> None:
    people = {}
    for handle in ("ann", "bob", "chloe", "daan", "eva", "ilse", "jeroen", "kim", "pieter"):
        person = await plein.register(handle)
        people[handle] = {"id": person.id, "token": person.token}
    team = await identity.group("Iedereen", members=())
    await identity.publish(
        *(MemberJoined(group_id=UUID(team), user_id=UUID(p["id"])) for p in people.values()),
        GroupAdminGranted(group_id=UUID(team), user_id=UUID(people["ilse"]["id"])),
    )
    await seed_conversations(plein.http, people, {"Iedereen": team})
    auth = {"Authorization": f"Bearer {people['bob']['token']}"}

    async def in_the_group() -> None:
        page = (
            await plein.http.get(f"/posts/groups/{team}/posts", headers=auth, params={"limit": 50})
        ).json()
        kinds = [p["kind"] for p in page["posts"]]
        assert "announcement" in kinds and "poll" in kinds and kinds.count("question") == 2

    await eventually(in_the_group)
