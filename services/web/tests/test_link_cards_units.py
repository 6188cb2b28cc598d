"""Which post or reply each link card belongs to on a page (no servers)."""

from __future__ import annotations

from typing import Any

from plein_web.link_cards import messages_by_id


def test_feed_entries_go_by_post_id_and_replies_by_their_own_id() -> None:
    entry = {"post_id": "p1", "id": "entry-row", "replies": [{"id": "r1", "post_id": "p1"}]}
    thread: dict[str, Any] = {"id": "p2", "replies": [{"id": "r2", "replies": [{"id": "r3"}]}]}
    assert [i for i, _ in messages_by_id(entry)] == ["p1", "r1"]
    assert [i for i, _ in messages_by_id(thread)] == ["p2", "r2", "r3"]
    # The pairs point at the very dicts the templates read.
    assert messages_by_id(thread)[2][1] is thread["replies"][0]["replies"][0]
