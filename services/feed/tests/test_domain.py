from datetime import UTC, datetime
from uuid import uuid4

import pytest
from plein_feed.domain import FOLLOWING, OWN, Cursor, why
from plein_platform.errors import InvalidInput


def test_cursor_round_trips() -> None:
    cursor = Cursor(datetime(2026, 11, 25, 9, 30, tzinfo=UTC), uuid4())
    assert Cursor.decode(cursor.encode()) == cursor


@pytest.mark.parametrize("token", ["", "bogus", "W10", "WyJ4IiwgInkiXQ"])
def test_a_cursor_we_did_not_hand_out_is_invalid_input(token: str) -> None:
    with pytest.raises(InvalidInput):
        Cursor.decode(token)


def test_each_entry_says_why_it_is_there() -> None:
    assert why(FOLLOWING, "Ann de Vries") == "You follow Ann de Vries"
    assert why(OWN, "Ann de Vries") == "You posted this"
