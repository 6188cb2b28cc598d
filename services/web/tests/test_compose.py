"""The compose form's mapping to the posts API, without servers."""

from __future__ import annotations

from uuid import uuid4

import pytest
from plein_web.compose import Draft, NoOneToPraise, start_request

ZONE = "Europe/Amsterdam"


def test_a_poll_carries_its_closing_time_in_the_organisations_zone_and_its_settings() -> None:
    draft = Draft(
        text="Pizza or sushi?",
        kind=["poll"],
        option=["Pizza", " ", "Sushi "],
        closes_at="2026-12-02T17:00",
        results="after_close",
        multiple=True,
    )
    path, body = start_request(draft, ZONE)
    assert path == "/posts/polls"
    assert body == {
        "question": "Pizza or sushi?",
        "options": ["Pizza", "Sushi"],
        "results": "after_close",
        "multiple": True,
        "closes_at": "2026-12-02T17:00:00+01:00",
    }


def test_a_poll_without_a_closing_time_stays_open_until_its_author_closes_it() -> None:
    _, body = start_request(Draft(text="?", kind=["poll"], option=["a", "b"]), ZONE)
    assert "closes_at" not in body and body["results"] == "always" and body["multiple"] is False


def test_a_closing_time_that_is_not_a_time_is_refused() -> None:
    with pytest.raises(ValueError):
        start_request(Draft(text="?", kind=["poll"], option=["a", "b"], closes_at="soon"), ZONE)


def test_praise_goes_to_the_colleagues_mentioned_with_the_chosen_badge() -> None:
    kim, group = uuid4(), str(uuid4())
    draft = Draft(text="Thanks @Kim", kind=["praise"], mentions=[kim], badge="mentor", target=group)
    path, body = start_request(draft, ZONE)
    assert path == "/posts/praise"
    assert body == {
        "praised_ids": [str(kim)],
        "badge": "mentor",
        "text": "Thanks @Kim",
        "group_id": group,
    }


def test_praise_without_anyone_mentioned_is_refused_before_the_api() -> None:
    with pytest.raises(NoOneToPraise):
        start_request(Draft(text="Thanks!", kind=["praise"]), ZONE)


def test_an_unknown_badge_becomes_the_first_one() -> None:
    draft = Draft(text="Thanks", kind=["praise"], mentions=[uuid4()], badge="<script>")
    assert start_request(draft, ZONE)[1]["badge"] == "thank_you"


def test_a_question_is_a_post_of_kind_question() -> None:
    path, body = start_request(Draft(text="Where?", kind=["question"]), ZONE)
    assert path == "/posts/posts" and body["kind"] == "question"
