"""Two people changing one thread (or one group's announcements) at once: nothing is lost and
no limit is slipped past (optimistic concurrency on the event store, retried)."""

from __future__ import annotations

import asyncio
from typing import Any

from plein_testdata.servers import Plein


async def test_simultaneous_reactions_are_all_counted(plein: Plein, identity: Any) -> None:
    handles = [f"p{i}" for i in range(8)]
    ann, *others = await identity.people("ann", *handles)
    post_id = (
        await plein.http.post("/posts/posts", headers=ann.auth, json={"text": "Taart!"})
    ).json()["id"]
    responses = await asyncio.gather(
        *(
            plein.http.put(
                f"/posts/posts/{post_id}/reaction", headers=p.auth, json={"reaction": "love"}
            )
            for p in others
        )
    )
    assert [r.status_code for r in responses] == [200] * len(others)
    thread = (await plein.http.get(f"/posts/posts/{post_id}", headers=ann.auth)).json()
    assert thread["reactions"] == {"love": len(others)}


async def test_simultaneous_announcements_never_pass_the_weekly_limit(
    plein: Plein, identity: Any
) -> None:
    ann, bob = await identity.people("ann", "bob")
    group = await identity.group("Nieuws", members=(ann, bob))
    await identity.make_admin(group, ann)
    await identity.make_admin(group, bob)
    responses = await asyncio.gather(
        *(
            plein.http.post(
                "/posts/announcements",
                headers=who.auth,
                json={"group_id": group, "title": f"Nieuws {n}", "text": "Lees dit"},
            )
            for n, who in enumerate([ann, bob] * 4)
        )
    )
    codes = sorted(r.status_code for r in responses)
    assert codes == [201] * 5 + [429] * 3, [r.text for r in responses]
