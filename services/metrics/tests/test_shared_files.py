"""Sharing a file is creating: a post that is only files counts as a created thread, a reply
that is only files as a response."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from plein_events.contract import envelope_for
from plein_events.posts import PostCreated, ReplyPosted
from plein_metrics.readmodel import changes_for


def _activity(event: PostCreated | ReplyPosted) -> dict[str, object]:
    envelope = envelope_for(
        event,
        aggregate_id=str(event.post_id),
        aggregate_version=1,
        occurred_at=datetime(2026, 12, 7, tzinfo=UTC),
        actor_id=None,
    )
    [row] = [c.row for c in changes_for(event, envelope) if c.table == "activity"]
    return row


def test_a_post_of_only_files_counts_as_creating_and_a_reply_of_only_files_as_responding() -> None:
    ann, post_id = uuid4(), uuid4()
    shared = PostCreated(
        post_id=post_id, author_id=ann, real_author_id=ann, text="", attachments=[uuid4()]
    )
    created = _activity(shared)
    assert created["kind"] == "create" and created["user_id"] == str(ann)
    answer = ReplyPosted(
        reply_id=uuid4(),
        post_id=post_id,
        parent_id=post_id,
        post_author_id=ann,
        parent_author_id=ann,
        author_id=ann,
        real_author_id=ann,
        text="",
        attachments=[uuid4()],
    )
    assert _activity(answer)["kind"] == "respond"
