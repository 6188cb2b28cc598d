"""Which of posts' domain events leave the service, and as which contract event."""

from __future__ import annotations

from typing import Any

from plein_events import Event, PostCreated

from .domain import Post


def to_contract(domain_event: Any) -> Event | None:
    match domain_event:
        case Post.Created():
            return PostCreated(
                post_id=domain_event.originator_id,
                author_id=domain_event.author_id,
                real_author_id=domain_event.real_author_id,
                group_id=domain_event.group_id,
                group_private=domain_event.group_private,
                kind=domain_event.kind,
                text=domain_event.text,
                mentions=domain_event.mentions,
                topics=domain_event.topics,
            )
    return None
