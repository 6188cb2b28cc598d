"""Files attached to a post or a reply: ids the files service gave, in the order shown.

Posts keeps only the ids; what a file is, and who may read it, is the files service's (it
learns where each file is attached from these events, and follows the one visibility rule).
"""

from __future__ import annotations

from uuid import UUID

from plein_platform.errors import InvalidInput

# As many as Viva Engage takes on one post.
MAX_ATTACHMENTS = 100


def clean_attachments(ids: list[UUID]) -> list[UUID]:
    """The attachments as stored: each file once, in the order given, at most 100."""
    ids = list(dict.fromkeys(ids))
    if len(ids) > MAX_ATTACHMENTS:
        raise InvalidInput(
            f"A message holds at most {MAX_ATTACHMENTS} files.", max_attachments=MAX_ATTACHMENTS
        )
    return ids


def require_words_or_files(text: str, attachments: list[UUID], what: str = "A post") -> None:
    """A message is some text, some files, or both; never nothing."""
    if not text.strip() and not attachments:
        raise InvalidInput(f"{what} needs some text or a file.")
