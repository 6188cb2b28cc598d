"""Property: for any sequence of joins, leaves, posts and searches, no non-member ever sees a
private group's content (thread, group list, person's posts, topic page or search hit)."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import uuid4

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from plein_testdata.servers import Person, Plein, eventually

HANDLES = ("ann", "bob", "cees")
person = st.sampled_from(range(len(HANDLES)))
step = st.one_of(
    st.tuples(st.just("join"), person),
    st.tuples(st.just("leave"), person),
    st.tuples(st.just("post"), person),
    st.tuples(st.just("search"), person),
)


async def test_no_non_member_ever_sees_private_content(plein: Plein, identity: Any) -> None:
    people = await identity.people(*HANDLES)
    loop = asyncio.get_running_loop()
    http = plein.http

    async def indexed(post_ids: list[str]) -> None:
        async with plein.runtime.service("posts").ctx.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT count(*) FROM documents WHERE doc_id = ANY(%s::uuid[])", (post_ids,)
            )
            row = await cur.fetchone()
        assert row is not None and row[0] == len(post_ids)

    async def run(founders: set[int], steps: list[tuple[str, int]]) -> None:
        token = f"geheim{uuid4().hex[:12]}"  # this example's private word
        group = await identity.group(
            f"Privé {token}", private=True, members=tuple(people[i] for i in founders)
        )
        members: set[int] = set(founders)
        posts: list[str] = []
        steps = [("post", min(founders)), *steps]  # there is always something to keep private

        async def check(i: int, *, final: bool = False) -> None:
            who: Person = people[i]
            for post_id in posts:
                response = await http.get(f"/posts/posts/{post_id}", headers=who.auth)
                assert response.status_code == (200 if i in members else 404), response.text
            listing = await http.get(f"/posts/groups/{group}/posts", headers=who.auth)
            assert listing.status_code == (200 if i in members else 404)
            if i in members:
                if final:  # a positive control: members find every post
                    hits = await http.get("/posts/search", headers=who.auth, params={"q": token})
                    assert {h["post_id"] for h in hits.json()["hits"]} == set(posts)
                return
            hits = await http.get("/posts/search", headers=who.auth, params={"q": token})
            assert hits.json()["hits"] == []
            topic = await http.get(f"/posts/topics/{token}/posts", headers=who.auth)
            assert topic.json()["posts"] == []
            for author in people:
                theirs = await http.get(f"/posts/people/{author.id}/posts", headers=who.auth)
                assert not {p["post_id"] for p in theirs.json()["posts"]} & set(posts)

        for action, i in steps:
            if action == "join" and i not in members:
                await identity.join(group, people[i])
                members.add(i)
            elif action == "leave" and i in members:
                await identity.leave(group, people[i])
                members.discard(i)
            elif action == "post":
                response = await http.post(
                    "/posts/posts",
                    headers=people[i].auth,
                    json={"text": f"Alleen voor leden: {token} #{token}", "group_id": group},
                )
                if i in members:
                    assert response.status_code == 201, response.text
                    posts.append(response.json()["id"])
                else:
                    assert response.status_code == 404, response.text
            elif action == "search":
                await check(i)
        # Finally everyone is checked, once posts' lists and search index hold every post.
        await eventually(lambda: indexed(posts))
        for i in range(len(people)):
            await check(i, final=True)

    @settings(
        max_examples=8,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.sets(person, min_size=1, max_size=2), st.lists(step, max_size=8))
    def property_holds(founders: set[int], steps: list[tuple[str, int]]) -> None:
        asyncio.run_coroutine_threadsafe(run(founders, steps), loop).result()

    # Hypothesis drives the examples from a thread while this loop serves the HTTP calls.
    await asyncio.to_thread(property_holds)
