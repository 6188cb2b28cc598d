"""Pure feed rules: why an entry is in a timeline, and the cursor that pages through it."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from plein_platform.errors import InvalidInput

OWN = "own"
FOLLOWING = "following"
BACKFILL_ON_FOLLOW = 20


def why(reason: str, author_name: str | None) -> str:
    """The sentence a reader sees next to an entry."""
    if reason == OWN:
        return "You posted this"
    if reason == FOLLOWING:
        return f"You follow {author_name or 'the author'}"
    return reason


@dataclass(frozen=True)
class Cursor:
    """Where a page ended: entries strictly older than (created_at, post_id) come next.

    Keyset paging on a unique key: a post inserted while someone pages never shifts a page,
    so there are no duplicates and no gaps.
    """

    created_at: datetime
    post_id: UUID

    def encode(self) -> str:
        raw = json.dumps([self.created_at.isoformat(), str(self.post_id)]).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            created_at, post_id = json.loads(raw)
            return cls(datetime.fromisoformat(created_at), UUID(post_id))
        except (ValueError, TypeError) as error:
            raise InvalidInput("The cursor is not one this API handed out.") from error
