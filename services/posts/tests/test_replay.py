"""`plein replay posts_threads` / `posts_access` / `posts_export_touches` rebuild exactly the
live read models."""

from __future__ import annotations

from typing import Any

from plein_platform.cli import replay_projection
from plein_testdata.servers import Plein, eventually

DUMPS = {
    "posts_access": [
        "SELECT user_id, display_name, erased FROM people ORDER BY 1",
        "SELECT * FROM groups ORDER BY 1",
        "SELECT * FROM members ORDER BY 1, 2",
        "SELECT * FROM group_admins ORDER BY 1, 2",
        "SELECT * FROM roles ORDER BY 1, 2",
    ],
    "posts_threads": [
        "SELECT * FROM threads ORDER BY post_id",
        "SELECT doc_id, post_id, reply_id, group_id, text, deleted, hidden, tsv::text "
        "FROM documents ORDER BY doc_id",
        "SELECT * FROM reports ORDER BY target_id, reported_at",
    ],
    "posts_export_touches": ["SELECT * FROM export_touches ORDER BY 1, 2"],
}


async def _dump(plein: Plein) -> dict[str, list[Any]]:
    pool = plein.runtime.service("posts").ctx.pool
    out: dict[str, list[Any]] = {}
    async with pool.connection() as conn:
        for name, queries in DUMPS.items():
            out[name] = [await (await conn.execute(q)).fetchall() for q in queries]
    return out


async def test_replaying_posts_projections_rebuilds_the_live_state(
    plein: Plein, identity: Any
) -> None:
    ann, bob, cm = await identity.people("ann", "bob", "cm")
    group = await identity.group("Team", private=True, members=(ann, bob))
    await identity.make_admin(group, ann)
    await identity.community_manager(cm)
    http = plein.http
    ids = []
    for n, (who, kind) in enumerate([(ann, "question"), (bob, "post"), (ann, "post")]):
        response = await http.post(
            "/posts/posts",
            headers=who.auth,
            json={"text": f"Bericht {n} #team", "group_id": group, "kind": kind},
        )
        ids.append(response.json()["id"])
    reply = await http.post(f"/posts/posts/{ids[0]}/replies", headers=bob.auth, json={"text": "Ja"})
    await http.put(
        f"/posts/posts/{ids[0]}/best-answer",
        headers=ann.auth,
        json={"reply_id": reply.json()["reply_id"]},
    )
    await http.patch(f"/posts/posts/{ids[1]}", headers=bob.auth, json={"text": "Anders #nieuw"})
    await http.post(f"/posts/posts/{ids[2]}/reports", headers=bob.auth, json={"reason": "oeps"})
    await http.post(f"/posts/posts/{ids[2]}/hide", headers=ann.auth, json={"reason": "oeps"})
    await http.delete(f"/posts/posts/{ids[1]}", headers=bob.auth)
    await identity.leave(group, bob)
    posts = plein.runtime.service("posts")

    async def caught_up() -> None:
        for runner in posts.runners.values():
            assert (await runner.status())["lag"] == 0
        async with posts.ctx.pool.connection() as conn:
            row = await (
                await conn.execute("SELECT count(*) FROM threads WHERE deleted")
            ).fetchone()
            assert row is not None and row[0] == 1

    await eventually(caught_up)
    live = await _dump(plein)
    assert all(live["posts_threads"]) and all(live["posts_access"][:4])
    assert all(live["posts_export_touches"])
    await plein.runtime.stop_workers()
    for projection in DUMPS:
        await replay_projection(plein.settings, projection, plein.database_url, plein.nats_url)
    assert await _dump(plein) == live
