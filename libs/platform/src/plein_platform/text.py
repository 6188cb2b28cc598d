"""Text that every part of Plein can store: what the write side accepts, every read side keeps.

PostgreSQL's text cannot hold NUL, and UTF-8 (the database's and the events' encoding) cannot
hold a lone surrogate (which JSON's `\\ud800` escapes can still produce). A request with either
would be accepted, its event published, and then every projection would fail on it and
dead-letter it: the post nowhere, the report never seen. So every free-text field of every
request is `StorableText` (or carries `Storable`), and such text is refused at the door.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable(value: str) -> str | None:
    """Why `value` cannot be stored, or None when it can."""
    found = _UNSTORABLE.search(value)
    if found is None:
        return None
    if found.group() == "\x00":
        return "Text may not contain a NUL character."
    return "Text may not contain a lone UTF-16 surrogate (it is not valid Unicode text)."


def check_storable(value: str) -> str:
    """`value` unchanged, or ValueError (pydantic's 422) when it cannot be stored."""
    problem = unstorable(value)
    if problem is not None:
        raise ValueError(problem)
    return value


Storable = AfterValidator(check_storable)
"""Metadata for an `Annotated[str, StringConstraints(...), Storable]` field."""

StorableText = Annotated[str, Storable]
