"""Files on posts and replies: ids kept in order, on the API and on the events; a message may
be only files; at most 100."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest
from plein_testdata.servers import Plein, eventually

from .test_events import _published

pytestmark = pytest.mark.services("identity", "posts")


async def test_files_travel_in_order_on_post_reply_edit_and_their_events(
    plein: Plein, identity: Any
) -> None:
    ann, bob = await identity.people("ann", "bob")
    group = await identity.group("Bouw", private=True, members=(ann, bob))
    photo, plan, extra = (str(uuid4()) for _ in range(3))
    http = plein.http

    created = await http.post(
        "/posts/posts", headers=ann.auth, json={"group_id": group, "attachments": [plan, photo]}
    )
    assert created.status_code == 201, created.text
    post = created.json()
    assert post["text"] == "" and post["attachments"] == [plan, photo]
    post_id = post["id"]

    replied = await http.post(
        f"/posts/posts/{post_id}/replies", headers=bob.auth, json={"attachments": [extra]}
    )
    assert replied.status_code == 201, replied.text
    reply_id = replied.json()["reply_id"]

    # An edit that names no files keeps them; one that names them replaces the list.
    kept = await http.patch(f"/posts/posts/{post_id}", headers=ann.auth, json={"text": "Plan"})
    assert kept.json()["attachments"] == [plan, photo]
    edited = await http.patch(
        f"/posts/posts/{post_id}", headers=ann.auth, json={"text": "Plan", "attachments": [photo]}
    )
    thread = edited.json()
    assert thread["attachments"] == [photo]
    assert thread["replies"][0]["id"] == reply_id and thread["replies"][0]["attachments"] == [extra]

    async def all_out() -> list[Any]:
        envelopes = await _published(plein)
        assert len(envelopes) == 4
        return envelopes

    started, reply, first_edit, second_edit = await eventually(all_out)
    assert started.type == "PostCreated" and started.payload["attachments"] == [plan, photo]
    assert reply.type == "ReplyPosted" and reply.payload["attachments"] == [extra]
    # Each edit carries the whole list after it, so a consumer needs no earlier state.
    assert first_edit.payload["attachments"] == [plan, photo]
    assert second_edit.payload["attachments"] == [photo]

    deleted = await http.delete(f"/posts/posts/{post_id}", headers=ann.auth)
    assert deleted.status_code == 204
    tombstone = (await http.get(f"/posts/posts/{post_id}", headers=bob.auth)).json()
    assert tombstone["attachments"] == []


async def test_a_message_without_words_or_files_or_with_over_100_files_is_refused(
    plein: Plein, identity: Any
) -> None:
    (ann,) = await identity.people("ann")
    http = plein.http
    empty = await http.post("/posts/posts", headers=ann.auth, json={"text": "  "})
    assert "text or a file" in identity.problem(empty, 422)["detail"]
    too_many = [str(uuid4()) for _ in range(101)]
    refused = await http.post(
        "/posts/posts", headers=ann.auth, json={"text": "veel", "attachments": too_many}
    )
    identity.problem(refused, 422)
    # The same file twice is one attachment.
    same = str(uuid4())
    once = await http.post(
        "/posts/posts", headers=ann.auth, json={"text": "", "attachments": [same, same]}
    )
    assert once.json()["attachments"] == [same]
    empty_reply = await http.post(
        f"/posts/posts/{once.json()['id']}/replies", headers=ann.auth, json={"text": ""}
    )
    identity.problem(empty_reply, 422)
