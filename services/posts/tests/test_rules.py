"""Every rule and refusal of posts, over HTTP against real PostgreSQL and NATS."""

from __future__ import annotations

import json
from typing import Any
from uuid import uuid4

import pytest
from plein_testdata.servers import Plein, eventually

pytestmark = pytest.mark.services("identity", "posts")


async def test_a_100_kb_post_is_refused_with_a_problem_document(
    plein: Plein, identity: Any
) -> None:
    ann = await plein.register("ann")
    body = identity.problem(
        await plein.http.post("/posts/posts", headers=ann.auth, json={"text": "x" * 100_000}), 422
    )
    assert body["errors"][0]["location"] == ["body", "text"]


async def test_html_and_script_are_stored_and_returned_as_text(plein: Plein, identity: Any) -> None:
    ann = await plein.register("ann")
    text = '<script>alert("x")</script><img src=x onerror=alert(1)> & <b>vet</b>'
    created = await plein.http.post("/posts/posts", headers=ann.auth, json={"text": text})
    assert created.status_code == 201
    response = await plein.http.get(f"/posts/posts/{created.json()['id']}", headers=ann.auth)
    assert response.headers["content-type"] == "application/json"
    assert response.json()["text"] == text  # byte for byte, not escaped, not stripped
    assert json.loads(response.content)["text"] == text


async def test_only_the_author_edits_or_deletes_and_edits_keep_history(
    plein: Plein, identity: Any
) -> None:
    ann, bob = await plein.register("ann"), await plein.register("bob")
    http = plein.http
    post_id = (await http.post("/posts/posts", headers=ann.auth, json={"text": "Eerst"})).json()[
        "id"
    ]
    identity.problem(
        await http.patch(f"/posts/posts/{post_id}", headers=bob.auth, json={"text": "Van mij"}), 403
    )
    identity.problem(await http.delete(f"/posts/posts/{post_id}", headers=bob.auth), 403)
    edited = await http.patch(f"/posts/posts/{post_id}", headers=ann.auth, json={"text": "Daarna"})
    assert edited.status_code == 200
    view = edited.json()
    assert view["text"] == "Daarna" and view["edited"]
    assert [h["text"] for h in view["history"]] == ["Eerst"]


async def test_deleting_leaves_a_tombstone_and_replies_stay_readable(
    plein: Plein, identity: Any
) -> None:
    ann, bob = await plein.register("ann"), await plein.register("bob")
    http = plein.http
    post_id = (await http.post("/posts/posts", headers=ann.auth, json={"text": "Weg"})).json()["id"]
    reply = await http.post(
        f"/posts/posts/{post_id}/replies", headers=bob.auth, json={"text": "Blijft"}
    )
    reply_id = reply.json()["reply_id"]
    nested = await http.post(
        f"/posts/posts/{post_id}/replies",
        headers=ann.auth,
        json={"text": "Ook weg", "parent_id": reply_id},
    )
    nested_id = nested.json()["reply_id"]
    assert (await http.delete(f"/posts/posts/{post_id}", headers=ann.auth)).status_code == 204
    assert (
        await http.delete(f"/posts/posts/{post_id}/replies/{nested_id}", headers=ann.auth)
    ).status_code == 204
    view = (await http.get(f"/posts/posts/{post_id}", headers=bob.auth)).json()
    assert view["text"] is None and view["placeholder"] == "deleted message"
    assert view["replies"][0]["text"] == "Blijft"
    assert view["replies"][0]["replies"][0]["placeholder"] == "deleted message"


async def test_reactions_one_per_person_changeable_removable_counted(
    plein: Plein, identity: Any
) -> None:
    ann, bob, cees = await identity.people("ann", "bob", "cees")
    http = plein.http
    post_id = (await http.post("/posts/posts", headers=ann.auth, json={"text": "Yes"})).json()["id"]
    url = f"/posts/posts/{post_id}/reaction"
    await http.put(url, headers=bob.auth, json={"reaction": "like"})
    await http.put(url, headers=bob.auth, json={"reaction": "like"})
    await http.put(url, headers=cees.auth, json={"reaction": "like"})
    changed = await http.put(url, headers=bob.auth, json={"reaction": "celebrate"})
    assert changed.json() == {"reactions": {"like": 1, "celebrate": 1}, "my_reaction": "celebrate"}
    removed = await http.delete(url, headers=bob.auth)
    assert removed.json() == {"reactions": {"like": 1}, "my_reaction": None}
    identity.problem(await http.put(url, headers=bob.auth, json={"reaction": "angry"}), 422)


async def test_voting_twice_is_refused_and_changing_keeps_one_vote(
    plein: Plein, identity: Any
) -> None:
    ann, bob = await plein.register("ann"), await plein.register("bob")
    http = plein.http
    identity.problem(
        await http.post("/posts/polls", headers=ann.auth, json={"question": "?", "options": ["a"]}),
        422,
    )
    poll = await http.post(
        "/posts/polls",
        headers=ann.auth,
        json={"question": "Lunch op vrijdag?", "options": ["Pizza", "Soep", "Broodjes"]},
    )
    assert poll.status_code == 201, poll.text
    post_id = poll.json()["id"]
    voted = await http.post(f"/posts/posts/{post_id}/votes", headers=bob.auth, json={"option": 0})
    assert voted.json()["options"][0]["votes"] == 1
    identity.problem(
        await http.post(f"/posts/posts/{post_id}/votes", headers=bob.auth, json={"option": 0}), 409
    )
    moved = await http.post(f"/posts/posts/{post_id}/votes", headers=bob.auth, json={"option": 2})
    results = moved.json()
    assert [o["votes"] for o in results["options"]] == [0, 0, 1]
    assert results["total_votes"] == 1 and results["my_vote"] == 2
    results = (await http.get(f"/posts/posts/{post_id}/poll", headers=ann.auth)).json()
    assert results["total_votes"] == 1 and results["my_vote"] is None


async def test_announcements_only_by_admins_warn_at_the_third_and_stop_at_the_limit(
    plein: Plein, identity: Any
) -> None:
    ann, bob, cm = await identity.people("ann", "bob", "cm")
    group = await identity.group("Kantoor", members=(ann, bob))
    await identity.make_admin(group, ann)
    await identity.community_manager(cm)
    http = plein.http

    def announcement(n: int) -> dict[str, Any]:
        return {"group_id": group, "title": f"Nummer {n}", "text": "Lees dit"}

    body = identity.problem(
        await http.post("/posts/announcements", headers=bob.auth, json=announcement(0)), 403
    )
    assert "admins" in body["detail"]
    warnings = []
    for n, who in enumerate((ann, ann, cm, ann, ann), start=1):
        response = await http.post("/posts/announcements", headers=who.auth, json=announcement(n))
        assert response.status_code == 201, response.text
        warnings.append(response.json()["warning"])
        assert response.headers.get("plein-warning") == response.json()["warning"]
    assert warnings[:2] == [None, None]
    assert all(w and "announcement number" in w for w in warnings[2:])
    body = identity.problem(
        await http.post("/posts/announcements", headers=ann.auth, json=announcement(6)), 429
    )
    assert body["limit"] == 5 and body["count"] == 5 and body["retry_after"]


async def test_best_answer_by_the_asker_or_a_group_admin_and_unanswered_lists(
    plein: Plein, identity: Any
) -> None:
    ann, bob, cees, dirk = await identity.people("ann", "bob", "cees", "dirk")
    group = await identity.group("Techniek", members=(ann, bob, cees, dirk))
    await identity.make_admin(group, dirk)
    http = plein.http
    asked = await http.post(
        "/posts/posts",
        headers=ann.auth,
        json={"text": "Hoe reset ik mijn VPN?", "group_id": group, "kind": "question"},
    )
    question_id = asked.json()["id"]
    answered = await http.post(
        "/posts/posts",
        headers=ann.auth,
        json={"text": "Waar is de printer?", "group_id": group, "kind": "question"},
    )
    answered_id = answered.json()["id"]
    first = await http.post(
        f"/posts/posts/{answered_id}/replies", headers=bob.auth, json={"text": "Gang links"}
    )
    second = await http.post(
        f"/posts/posts/{answered_id}/replies", headers=cees.auth, json={"text": "Gang rechts"}
    )
    url = f"/posts/posts/{answered_id}/best-answer"
    identity.problem(
        await http.put(url, headers=bob.auth, json={"reply_id": first.json()["reply_id"]}), 403
    )
    chosen = await http.put(url, headers=ann.auth, json={"reply_id": first.json()["reply_id"]})
    assert chosen.json()["accepted_reply_id"] == first.json()["reply_id"]
    changed = await http.put(url, headers=dirk.auth, json={"reply_id": second.json()["reply_id"]})
    assert changed.json()["accepted_reply_id"] == second.json()["reply_id"]
    assert [r["best_answer"] for r in changed.json()["replies"]] == [False, True]

    async def unanswered() -> None:
        page = await http.get(f"/posts/groups/{group}/questions/unanswered", headers=bob.auth)
        assert [p["post_id"] for p in page.json()["posts"]] == [question_id]

    await eventually(unanswered)


async def test_hiding_is_for_moderators_and_reports_queue_for_them(
    plein: Plein, identity: Any
) -> None:
    ann, bob, admin, cm = await identity.people("ann", "bob", "admin", "cm")
    group = await identity.group("Sales", members=(ann, bob, admin))
    await identity.make_admin(group, admin)
    await identity.community_manager(cm)
    http = plein.http
    post_id = (
        await http.post(
            "/posts/posts", headers=ann.auth, json={"text": "Koop nu!", "group_id": group}
        )
    ).json()["id"]
    reported = await http.post(
        f"/posts/posts/{post_id}/reports", headers=bob.auth, json={"reason": "reclame"}
    )
    assert reported.status_code == 202
    identity.problem(await http.get("/posts/moderation/reports", headers=bob.auth), 403)

    async def queued(person: Any) -> None:
        page = await http.get("/posts/moderation/reports", headers=person.auth)
        assert [(r["post_id"], r["reason"]) for r in page.json()["reports"]] == [
            (post_id, "reclame")
        ]

    await eventually(lambda: queued(admin))
    await eventually(lambda: queued(cm))
    identity.problem(
        await http.post(f"/posts/posts/{post_id}/hide", headers=bob.auth, json={"reason": "x"}),
        403,
    )
    hidden = await http.post(
        f"/posts/posts/{post_id}/hide", headers=admin.auth, json={"reason": "spam"}
    )
    assert hidden.status_code == 204
    as_bob = (await http.get(f"/posts/posts/{post_id}", headers=bob.auth)).json()
    assert as_bob["text"] is None and as_bob["hidden"]
    as_admin = (await http.get(f"/posts/posts/{post_id}", headers=admin.auth)).json()
    assert as_admin["text"] == "Koop nu!" and as_admin["hidden_reason"] == "spam"

    async def off_the_list_and_out_of_the_queue() -> None:
        page = await http.get(f"/posts/groups/{group}/posts", headers=bob.auth)
        assert page.json()["posts"] == []
        queue = await http.get("/posts/moderation/reports", headers=admin.auth)
        assert queue.json()["reports"] == []

    await eventually(off_the_list_and_out_of_the_queue)


async def test_mentions_and_praise_name_known_colleagues(plein: Plein, identity: Any) -> None:
    ann, bob = await plein.register("ann"), await plein.register("bob")
    await identity.settled()
    http = plein.http
    stranger = str(uuid4())
    body = identity.problem(
        await http.post(
            "/posts/posts", headers=ann.auth, json={"text": "Hoi", "mentions": [stranger]}
        ),
        422,
    )
    assert body["unknown_ids"] == [stranger]
    ok = await http.post(
        "/posts/posts", headers=ann.auth, json={"text": "Hoi", "mentions": [bob.id]}
    )
    assert ok.json()["mentions"] == [bob.id]
    praise = {"praised_ids": [bob.id], "badge": "team_player", "text": "Dank je, Bob!"}
    given = await http.post("/posts/praise", headers=ann.auth, json=praise)
    assert given.status_code == 201
    assert given.json()["praise"] == {"praised_ids": [bob.id], "badge": "team_player"}
    identity.problem(
        await http.post("/posts/praise", headers=ann.auth, json={**praise, "badge": "gold"}), 422
    )
    identity.problem(
        await http.post(
            "/posts/praise", headers=ann.auth, json={**praise, "praised_ids": [ann.id]}
        ),
        422,
    )


async def test_an_archived_group_is_read_only(plein: Plein, identity: Any) -> None:
    ann = await plein.register("ann")
    group = await identity.group("Oud", members=(ann,))
    post_id = (
        await plein.http.post(
            "/posts/posts", headers=ann.auth, json={"text": "Laatste", "group_id": group}
        )
    ).json()["id"]
    await identity.archive(group)
    identity.problem(
        await plein.http.post(
            "/posts/posts", headers=ann.auth, json={"text": "Nog een", "group_id": group}
        ),
        409,
    )
    identity.problem(
        await plein.http.post(
            f"/posts/posts/{post_id}/replies", headers=ann.auth, json={"text": "Echt?"}
        ),
        409,
    )
    assert (await plein.http.get(f"/posts/posts/{post_id}", headers=ann.auth)).status_code == 200


async def test_replies_take_reactions_reports_and_moderation_of_their_own(
    plein: Plein, identity: Any
) -> None:
    ann, bob, cm = await identity.people("ann", "bob", "cm")
    await identity.community_manager(cm)
    http = plein.http
    post_id = (await http.post("/posts/posts", headers=ann.auth, json={"text": "Vraag"})).json()[
        "id"
    ]
    reply_id = (
        await http.post(f"/posts/posts/{post_id}/replies", headers=bob.auth, json={"text": "Hm"})
    ).json()["reply_id"]
    base = f"/posts/posts/{post_id}/replies/{reply_id}"
    reacted = await http.put(f"{base}/reaction", headers=ann.auth, json={"reaction": "funny"})
    assert reacted.json() == {"reactions": {"funny": 1}, "my_reaction": "funny"}
    assert (
        await http.post(f"{base}/reports", headers=ann.auth, json={"reason": "flauw"})
    ).status_code == 202
    identity.problem(await http.post(f"{base}/hide", headers=bob.auth, json={}), 403)
    assert (await http.post(f"{base}/hide", headers=cm.auth, json={})).status_code == 204
    view = (await http.get(f"/posts/posts/{post_id}", headers=bob.auth)).json()
    assert view["text"] == "Vraag" and view["reactions"] == {}
    [reply] = view["replies"]
    assert reply["text"] is None and reply["placeholder"] == "hidden by a moderator"
    assert reply["reactions"] == {"funny": 1}
    identity.problem(
        await http.put(
            f"/posts/posts/{post_id}/replies/{post_id}/reaction",
            headers=ann.auth,
            json={"reaction": "like"},
        ),
        404,
    )
