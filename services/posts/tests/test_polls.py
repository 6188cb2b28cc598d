"""Polls over HTTP against real PostgreSQL and NATS: a closing time, closing early, results
shown by the poll's setting, multiple choice."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from nats.js.api import ConsumerConfig, DeliverPolicy
from plein_events import Envelope
from plein_events.stream import STREAM_NAME
from plein_testdata.servers import Person, Plein, eventually

pytestmark = pytest.mark.services("identity", "posts")

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(plein: Plein) -> Iterator[Clock]:
    """Posts' clock, moved by the test (a poll closes in time)."""
    conversations = plein.runtime.service("posts").conversations  # type: ignore[attr-defined]
    real = conversations.clock
    conversations.clock = fake = Clock()
    yield fake
    conversations.clock = real


async def start_poll(plein: Plein, author: Person, **settings: Any) -> str:
    body = {"question": "Lunch op vrijdag?", "options": ["Pizza", "Soep", "Broodjes"]}
    response = await plein.http.post("/posts/polls", headers=author.auth, json=body | settings)
    assert response.status_code == 201, response.text
    post_id: str = response.json()["id"]
    return post_id


async def vote(plein: Plein, person: Person, post_id: str, option: int) -> Any:
    return await plein.http.post(
        f"/posts/posts/{post_id}/votes", headers=person.auth, json={"option": option}
    )


async def results(plein: Plein, person: Person, post_id: str) -> dict[str, Any]:
    response = await plein.http.get(f"/posts/posts/{post_id}/poll", headers=person.auth)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def counts(poll: dict[str, Any]) -> list[int | None]:
    return [o["votes"] for o in poll["options"]]


async def test_a_poll_takes_votes_until_its_closing_time_and_none_after(
    plein: Plein, identity: Any, clock: Clock
) -> None:
    ann, bob, chloe = [await plein.register(h) for h in ("ann", "bob", "chloe")]
    closes_at = START + timedelta(hours=2)
    post_id = await start_poll(plein, ann, closes_at=closes_at.isoformat())
    assert (await vote(plein, bob, post_id, 1)).status_code == 200
    clock.now = closes_at
    refused = identity.problem(await vote(plein, chloe, post_id, 0), 409)
    assert "closed" in refused["detail"]
    poll = await results(plein, chloe, post_id)
    assert poll["closed"] and datetime.fromisoformat(poll["closes_at"]) == closes_at
    assert counts(poll) == [0, 1, 0]
    thread = (await plein.http.get(f"/posts/posts/{post_id}", headers=chloe.auth)).json()
    assert thread["poll"]["closed"]


async def test_only_its_author_closes_a_poll_early(
    plein: Plein, identity: Any, clock: Clock
) -> None:
    ann, bob = [await plein.register(h) for h in ("ann", "bob")]
    post_id = await start_poll(plein, ann)
    assert not (await results(plein, bob, post_id))["closed"]
    identity.problem(
        await plein.http.post(f"/posts/posts/{post_id}/poll/close", headers=bob.auth), 403
    )
    clock.now = START + timedelta(minutes=5)
    closed = await plein.http.post(f"/posts/posts/{post_id}/poll/close", headers=ann.auth)
    assert closed.status_code == 200, closed.text
    assert closed.json()["closed"]
    assert datetime.fromisoformat(closed.json()["closed_at"]) == clock.now
    identity.problem(await vote(plein, bob, post_id, 0), 409)
    again = await plein.http.post(f"/posts/posts/{post_id}/poll/close", headers=ann.auth)
    assert again.status_code == 200 and again.json()["closed_at"] == closed.json()["closed_at"]


async def test_results_after_closing_are_hidden_from_voters_until_the_poll_closes(
    plein: Plein, clock: Clock
) -> None:
    ann, bob = [await plein.register(h) for h in ("ann", "bob")]
    post_id = await start_poll(plein, ann, results="after_close")
    voted = await vote(plein, bob, post_id, 2)
    assert voted.status_code == 200, voted.text
    mine = voted.json()
    assert counts(mine) == [None, None, None] and not mine["results_visible"]
    assert mine["my_vote"] == 2 and mine["total_votes"] == 1
    thread = (await plein.http.get(f"/posts/posts/{post_id}", headers=bob.auth)).json()
    assert counts(thread["poll"]) == [None, None, None]
    assert counts(await results(plein, ann, post_id)) == [0, 0, 1]  # its author sees them
    await plein.http.post(f"/posts/posts/{post_id}/poll/close", headers=ann.auth)
    after = await results(plein, bob, post_id)
    assert after["results_visible"] and counts(after) == [0, 0, 1]


async def test_results_always_shown_by_default(plein: Plein, clock: Clock) -> None:
    ann, bob, chloe = [await plein.register(h) for h in ("ann", "bob", "chloe")]
    post_id = await start_poll(plein, ann)
    await vote(plein, bob, post_id, 0)
    poll = await results(plein, chloe, post_id)
    assert poll["results"] == "always" and counts(poll) == [1, 0, 0]


async def test_a_multiple_choice_poll_counts_each_chosen_option_and_one_voter(
    plein: Plein, identity: Any, clock: Clock
) -> None:
    ann, bob, chloe = [await plein.register(h) for h in ("ann", "bob", "chloe")]
    post_id = await start_poll(plein, ann, multiple=True)
    for option in (0, 2):
        assert (await vote(plein, bob, post_id, option)).status_code == 200
    identity.problem(await vote(plein, bob, post_id, 2), 409)
    await vote(plein, chloe, post_id, 2)
    poll = await results(plein, bob, post_id)
    assert poll["multiple"] and counts(poll) == [1, 0, 2]
    assert poll["total_votes"] == 2 and poll["my_votes"] == [0, 2]
    withdrawn = await plein.http.delete(f"/posts/posts/{post_id}/votes/2", headers=bob.auth)
    assert withdrawn.status_code == 200, withdrawn.text
    assert counts(withdrawn.json()) == [1, 0, 1] and withdrawn.json()["my_votes"] == [0]
    identity.problem(
        await plein.http.delete(f"/posts/posts/{post_id}/votes/2", headers=bob.auth), 404
    )


async def test_a_single_choice_vote_can_be_withdrawn(plein: Plein, clock: Clock) -> None:
    ann, bob = [await plein.register(h) for h in ("ann", "bob")]
    post_id = await start_poll(plein, ann)
    await vote(plein, bob, post_id, 1)
    await vote(plein, bob, post_id, 0)  # moves the vote
    withdrawn = await plein.http.delete(f"/posts/posts/{post_id}/votes/0", headers=bob.auth)
    poll = withdrawn.json()
    assert counts(poll) == [0, 0, 0] and poll["total_votes"] == 0 and poll["my_vote"] is None


async def test_a_closing_time_in_the_past_or_an_unknown_setting_is_refused(
    plein: Plein, identity: Any, clock: Clock
) -> None:
    ann = await plein.register("ann")
    body = {"question": "?", "options": ["a", "b"]}
    for bad in (
        {"closes_at": (START - timedelta(minutes=1)).isoformat()},
        {"closes_at": "2026-12-01T17:00:00"},  # no time zone
        {"results": "sometimes"},
        {"multiple": "several"},
    ):
        response = await plein.http.post("/posts/polls", headers=ann.auth, json=body | bad)
        identity.problem(response, 422)
    kept = await start_poll(plein, ann)

    async def only_the_valid_one() -> None:
        listed = await plein.http.get(f"/posts/people/{ann.id}/posts", headers=ann.auth)
        assert [p["post_id"] for p in listed.json()["posts"]] == [kept]

    await eventually(only_the_valid_one)


async def test_a_polls_settings_withdrawals_and_closing_leave_as_contract_events(
    plein: Plein, clock: Clock
) -> None:
    ann, bob = [await plein.register(h) for h in ("ann", "bob")]
    closes_at = START + timedelta(days=1)
    post_id = await start_poll(
        plein, ann, closes_at=closes_at.isoformat(), results="after_close", multiple=True
    )
    await vote(plein, bob, post_id, 1)
    await plein.http.delete(f"/posts/posts/{post_id}/votes/1", headers=bob.auth)
    await plein.http.post(f"/posts/posts/{post_id}/poll/close", headers=ann.auth)
    nc = plein.runtime.nc
    assert nc is not None
    js = nc.jetstream()

    async def all_out() -> list[Envelope]:
        sub = await js.pull_subscribe(
            "plein.posts.>",
            stream=STREAM_NAME,
            config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL),
        )
        try:
            msgs = await sub.fetch(20, timeout=1)
        except TimeoutError:
            msgs = []
        finally:
            await sub.unsubscribe()
        envelopes = [Envelope.model_validate_json(m.data) for m in msgs]
        assert [e.type for e in envelopes] == [
            "PollCreated",
            "PollVoted",
            "PollVoteWithdrawn",
            "PollClosed",
        ]
        return envelopes

    created, voted, withdrawn, closed = await eventually(all_out)
    assert datetime.fromisoformat(created.payload["closes_at"]) == closes_at
    assert created.payload["results"] == "after_close" and created.payload["multiple"] is True
    assert voted.payload["option"] == 1 and voted.payload["previous_option"] is None
    assert withdrawn.payload == {**withdrawn.payload, "user_id": bob.id, "option": 1}
    assert closed.payload["closed_by"] == ann.id and closed.payload["post_id"] == post_id
