"""Property: for any sequence of joins, removals, leaves, posts, replies and scheduler ticks in
a private group, no e-mail ever holds the group's private text (its name, a post, a reply) for
someone who was not a member when it was sent."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from plein_events.identity import GroupCreated, MemberJoined, MemberLeft, MemberRemoved
from plein_events.posts import PostCreated, ReplyPosted

NotifyWorld = Any  # the `world` fixture (conftest.py)

HANDLES = ("ann", "bob", "cees", "dirk")
PRIVATE_WORD = re.compile(r"geheim[0-9a-f]{12}")
person = st.sampled_from(range(len(HANDLES)))
step = st.one_of(
    st.tuples(st.just("join"), person, st.just(0)),
    st.tuples(st.just("remove"), person, st.just(0)),
    st.tuples(st.just("leave"), person, st.just(0)),
    st.tuples(st.just("post"), person, st.integers(0, 2 ** len(HANDLES) - 1)),  # who is mentioned
    st.tuples(st.just("reply"), person, st.integers(0, 7)),  # to which post
    st.tuples(st.just("tick"), person, st.integers(0, 30)),  # hours that pass first
)


def words_in(message: Any) -> set[str]:
    parts = [str(message["Subject"])]
    parts += [str(message.get_body((kind,)).get_content()) for kind in ("plain", "html")]
    return set(PRIVATE_WORD.findall(" ".join(parts)))


async def test_no_email_ever_holds_private_text_for_someone_not_a_member_when_it_was_sent(
    world: NotifyWorld,
) -> None:
    people = [await world.register(handle, handle.title()) for handle in HANDLES]
    # Two people get replies by e-mail at once, two in their daily digest.
    for who in people[:2]:
        response = await world.plein.http.patch(
            "/notify/preferences", headers=who.auth, json={"channels": {"reply": "email"}}
        )
        assert response.status_code == 200, response.text
    loop = asyncio.get_running_loop()
    members: dict[str, set[int]] = {}  # each example's private word -> its members now
    checked = 0  # e-mails looked at so far
    told_members = 0  # e-mails that did carry private text, to members (the control)

    async def check_mail() -> None:
        nonlocal checked, told_members
        for message in world.mail.messages[checked:]:
            [to] = [i for i, p in enumerate(people) if p.email in str(message["To"])]
            words = words_in(message)
            for word in words:  # each example's word, in its name, posts and replies
                assert to in members[word], (HANDLES[to], word, str(message["Subject"]))
            told_members += bool(words)
        checked = len(world.mail.messages)

    async def tick(hours: int) -> None:
        world.clock.advance(hours=hours)
        await world.caught_up()  # events apply in stream order: what came first wins
        await world.service.scheduler.tick()
        await check_mail()

    async def run(founders: set[int], steps: list[tuple[str, int, int]]) -> None:
        word = f"geheim{uuid4().hex[:12]}"
        group_id = uuid4()
        await world.publish(GroupCreated(group_id=group_id, name=word, visibility="private"))
        members[word] = set()
        for i in founders:
            await world.publish(MemberJoined(group_id=group_id, user_id=people[i].id))
            members[word].add(i)
        posts: list[tuple[UUID, int]] = []
        first = min(founders)  # there is always something private, mentioning everyone
        steps = [("post", first, 2 ** len(HANDLES) - 1), *steps]
        for n, (action, i, arg) in enumerate(steps):
            who = people[i]
            if action == "join" and i not in members[word]:
                await world.publish(MemberJoined(group_id=group_id, user_id=who.id))
                members[word].add(i)
            elif action in ("remove", "leave") and i in members[word]:
                by = UUID(people[first].id)
                await world.publish(
                    MemberRemoved(group_id=group_id, user_id=who.id, removed_by=by)
                    if action == "remove"
                    else MemberLeft(group_id=group_id, user_id=who.id)
                )
                members[word].discard(i)
            elif action == "post" and i in members[word]:
                post_id = uuid4()
                mentioned = [UUID(p.id) for b, p in enumerate(people) if arg & (1 << b)]
                await world.publish(
                    PostCreated(
                        post_id=post_id,
                        author_id=who.id,
                        real_author_id=who.id,
                        group_id=group_id,
                        group_private=True,
                        kind="question",
                        text=f"{word}p{n} is for members",
                        mentions=mentioned,
                    )
                )
                posts.append((post_id, i))
            elif action == "reply" and i in members[word] and posts:
                post_id, author = posts[arg % len(posts)]
                await world.publish(
                    ReplyPosted(
                        reply_id=uuid4(),
                        post_id=post_id,
                        parent_id=post_id,
                        post_author_id=people[author].id,
                        parent_author_id=people[author].id,
                        author_id=who.id,
                        real_author_id=who.id,
                        group_id=group_id,
                        post_kind="question",
                        text=f"{word}r{n} answers it",
                    )
                )
            elif action == "tick":
                await tick(arg)
        # The next morning's digests too, then what they sent.
        world.clock.now = (world.clock.now + timedelta(days=1)).replace(hour=7, minute=5)
        await tick(0)

    @settings(
        max_examples=15,
        deadline=None,
        database=None,
        derandomize=True,  # the same examples in every run: bounded, and reproducible in CI
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.sets(person, min_size=2, max_size=3), st.lists(step, max_size=10))
    def property_holds(founders: set[int], steps: list[tuple[str, int, int]]) -> None:
        asyncio.run_coroutine_threadsafe(run(founders, steps), loop).result()

    # Hypothesis drives the examples from a thread while this loop serves the service.
    await asyncio.to_thread(property_holds)
    assert told_members > 0  # members did get the private text by e-mail: the check bites
