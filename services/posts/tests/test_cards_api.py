"""Threads as cards (what the home feed shows of each), over HTTP against real PostgreSQL and
NATS: reactions per kind and mine, the latest replies flat with the first-level reply each
belongs under, poll and praise, and nothing of a thread the reader may not read."""

from __future__ import annotations

from typing import Any

import pytest
from plein_testdata.servers import Plein

pytestmark = pytest.mark.services("identity", "posts")


async def test_cards_show_reactions_latest_replies_poll_and_praise_in_the_order_asked(
    plein: Plein, identity: Any
) -> None:
    ann, bob, chloe = await identity.people("ann", "bob", "chloe")
    post = await plein.http.post("/posts/posts", headers=ann.auth, json={"text": "Borrel?"})
    post_id = post.json()["id"]
    replies = []
    for person, text in ((bob, "Ja!"), (chloe, "Ik ook"), (ann, "Top")):
        answer = await plein.http.post(
            f"/posts/posts/{post_id}/replies", headers=person.auth, json={"text": text}
        )
        replies.append(answer.json()["reply_id"])
    await plein.http.post(
        f"/posts/posts/{post_id}/replies",
        headers=bob.auth,
        json={"text": "Om vijf uur", "parent_id": replies[0]},
    )
    await plein.http.put(
        f"/posts/posts/{post_id}/reaction", headers=bob.auth, json={"reaction": "celebrate"}
    )
    poll = await plein.http.post(
        "/posts/polls", headers=bob.auth, json={"question": "Waar?", "options": ["Hier", "Daar"]}
    )
    await plein.http.post(
        f"/posts/posts/{poll.json()['id']}/votes", headers=ann.auth, json={"option": 1}
    )
    praise = await plein.http.post(
        "/posts/praise",
        headers=chloe.auth,
        json={"praised_ids": [bob.id], "badge": "mentor", "text": "Dank je, Bob"},
    )

    ids = [praise.json()["id"], post_id, poll.json()["id"]]
    answer = await plein.http.get("/posts/cards", headers=bob.auth, params={"id": ids})
    assert answer.status_code == 200, answer.text
    cards = answer.json()["cards"]
    assert [c["id"] for c in cards] == ids
    praised, thread, voted = cards
    assert praised["praise"] == {"praised_ids": [bob.id], "badge": "mentor"}
    assert thread["reactions"] == {"celebrate": 1} and thread["my_reaction"] == "celebrate"
    assert thread["reply_count"] == 4 and "replies" not in thread
    latest = thread["latest_replies"]
    assert [r["text"] for r in latest] == ["Top", "Om vijf uur"]
    assert latest[1]["parent_id"] == latest[1]["thread_parent_id"] == replies[0]
    assert latest[1]["in_reply_to"] == bob.id  # whom it answers: bob's "Ja!", not listed
    assert latest[0]["thread_parent_id"] == replies[2] and latest[0]["in_reply_to"] is None
    assert [o["votes"] for o in voted["poll"]["options"]] == [0, 1]

    # "View all" in a list: every reply, oldest first, in the same flat form.
    every = await plein.http.get(
        "/posts/cards", headers=bob.auth, params={"id": [post_id], "replies": "all"}
    )
    assert every.status_code == 200, every.text
    (whole,) = every.json()["cards"]
    assert [r["text"] for r in whole["latest_replies"]] == ["Ja!", "Ik ook", "Top", "Om vijf uur"]
    assert whole["latest_replies"][3]["thread_parent_id"] == replies[0]
    wrong = await plein.http.get(
        "/posts/cards", headers=bob.auth, params={"id": [post_id], "replies": "some"}
    )
    assert wrong.status_code == 422 and wrong.headers["content-type"].startswith(
        "application/problem+json"
    )


async def test_cards_leave_out_threads_the_reader_may_not_read(plein: Plein, identity: Any) -> None:
    ann, tom = await identity.people("ann", "tom")
    group = await identity.group("Board", private=True, members=(ann,))
    secret = await plein.http.post(
        "/posts/posts", headers=ann.auth, json={"text": "Het bod", "group_id": group}
    )
    open_post = await plein.http.post("/posts/posts", headers=ann.auth, json={"text": "Hallo"})
    ids = [secret.json()["id"], open_post.json()["id"]]
    answer = await plein.http.get("/posts/cards", headers=tom.auth, params={"id": ids})
    assert answer.status_code == 200, answer.text
    assert [c["id"] for c in answer.json()["cards"]] == [open_post.json()["id"]]
    assert "Het bod" not in answer.text
    refused = await plein.http.get("/posts/cards", headers=tom.auth, params={"id": "nope"})
    identity.problem(refused, 422)
