"""The compose box's form and which posts API starts its thread: a post, a question, a poll
(with its closing time, results visibility and multiple choice), praise or an announcement.
Pure: no I/O, so the mapping is tested without servers."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

# The posts API's reactions (plein_posts.domain.REACTIONS), each with the emoji that shows it.
REACTIONS = (
    ("like", "👍"),
    ("love", "❤️"),
    ("celebrate", "🎉"),
    ("thanks", "🙏"),
    ("insightful", "💡"),
    ("funny", "😄"),
)
# The posts API's longest text (plein_posts.domain.MAX_TEXT_CHARS): the form says so before
# it is reached and refuses more in words, never cutting a text.
MAX_TEXT_CHARS = 10_000
# What the form takes at all: far beyond the API's limit, so that a long paste reaches the
# person's own message (with the text kept) rather than a bare validation error.
MAX_FORM_CHARS = 200_000

# The posts API's badges (plein_posts.domain.BADGES), in the order the form offers them.
BADGES = ("thank_you", "team_player", "above_and_beyond", "problem_solver", "mentor", "welcome")


class Draft(BaseModel):
    """What the compose form sends; every field but the text may be left empty."""

    text: str = Field(default="", max_length=MAX_FORM_CHARS)
    target: str = Field(default="", max_length=64)
    kind: list[str] = Field(default_factory=list, max_length=5)
    title: str = Field(default="", max_length=500)
    option: list[str] = Field(default_factory=list, max_length=10)
    mentions: list[UUID] = Field(default_factory=list, max_length=50)
    badge: str = Field(default="", max_length=40)
    closes_at: str = Field(default="", max_length=40)
    results: Literal["always", "after_close"] = "always"
    multiple: bool = False
    as_account: str = Field(default="", max_length=64)
    # Files the page's script uploaded already (their ids, in order); a post may be only files.
    attachments: list[UUID] = Field(default_factory=list, max_length=100)

    def form(self) -> dict[str, Any]:
        """The form's values as the template shows them again after a problem."""
        return {
            **self.model_dump(exclude={"option", "mentions", "attachments"}),
            "options": self.option,
        }


class NoOneToPraise(ValueError):
    """Praise names the colleagues praised: the form's @mentions."""


def closing_time(value: str, time_zone: str) -> str | None:
    """A datetime-local field's value ("2026-12-02T17:00") as a moment in the organisation's
    time zone; None when left empty. ValueError when it is not a time."""
    if not value.strip():
        return None
    moment = datetime.fromisoformat(value.strip())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(time_zone))
    return moment.isoformat()


def start_request(draft: Draft, time_zone: str) -> tuple[str, dict[str, Any]]:
    """Which API starts this thread, and with what: announcement, poll, praise, question or
    post."""
    target = draft.target
    text = draft.text
    mentions = [str(m) for m in draft.mentions]
    group = {"group_id": target} if target else {}
    if "announcement" in draft.kind:
        body = {"title": draft.title.strip(), "text": text, "mentions": mentions}
        return "/posts/announcements", {**body, "group_id": target or None}
    if "poll" in draft.kind:
        poll: dict[str, Any] = {
            "question": text,
            "options": [o.strip() for o in draft.option if o.strip()],
            "results": draft.results,
            "multiple": draft.multiple,
            **group,
        }
        closes_at = closing_time(draft.closes_at, time_zone)
        if closes_at:
            poll["closes_at"] = closes_at
        return "/posts/polls", poll
    if "praise" in draft.kind:
        if not mentions:
            raise NoOneToPraise()
        badge = draft.badge if draft.badge in BADGES else BADGES[0]
        return "/posts/praise", {"praised_ids": mentions, "badge": badge, "text": text, **group}
    kind = "question" if "question" in draft.kind else "post"
    files = {"attachments": [str(a) for a in draft.attachments]} if draft.attachments else {}
    return "/posts/posts", {"text": text, "kind": kind, "mentions": mentions, **group, **files}
