"""Opaque page cursors, one codec for every paged list of every service.

A cursor is the keyset where a page ended, as a JSON array, base64url-encoded. A client can
send anything back as a cursor, so decoding validates the array against the list's shape
(pydantic) and answers any other token with one 422 problem, never a 500: a NUL inside, a
value of the wrong type (`[1,2]`), a time without a zone or out of range, a wrong length.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, AwareDatetime, Field, FiniteFloat, TypeAdapter

from .errors import InvalidInput
from .text import Storable

T = TypeVar("T")

MAX_CURSOR_CHARS = 1_000
NOT_OURS = "The cursor is not one this API handed out."


def _plausible(at: datetime) -> datetime:
    # Handed-out cursors hold times of things that happened; far-off years only come from
    # crafted ones and would overflow the arithmetic done with them.
    if not 1970 <= at.year <= 2999:
        raise ValueError("time out of range")
    return at


CursorTime = Annotated[AwareDatetime, AfterValidator(_plausible)]
CursorText = Annotated[str, Field(max_length=400), Storable]
CursorOffset = Annotated[int, Field(ge=0, le=1_000_000)]
CursorRank = FiniteFloat


class CursorCodec(Generic[T]):
    """Encodes and decodes the cursors of one kind of list; `shape` is a tuple type, e.g.
    `CursorCodec[tuple[datetime, UUID]](tuple[CursorTime, UUID])`."""

    def __init__(self, shape: Any) -> None:
        self._adapter: TypeAdapter[T] = TypeAdapter(shape)

    def encode(self, value: T) -> str:
        raw = self._adapter.dump_json(value)
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def decode(self, token: str) -> T:
        """The keyset in `token`, or InvalidInput (422) for any token this codec did not make."""
        try:
            if len(token) > MAX_CURSOR_CHARS:
                raise ValueError("too long")
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            return self._adapter.validate_json(raw)
        except (ValueError, TypeError) as error:  # pydantic's ValidationError is a ValueError
            raise InvalidInput(NOT_OURS) from error
