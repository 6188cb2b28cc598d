"""Erasure of the words a person wrote: sealed under their key from the start, shredded with
it, gone from every read surface whichever way they chose, and a replay agrees.

Over HTTP against every service running on real PostgreSQL and NATS.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from plein_events import REMOVED_TEXT
from plein_events.personal import SEALED_PREFIX
from plein_events.stream import STREAM_NAME
from plein_metrics.export import export_stream
from plein_platform.cli import replay_projection
from plein_testdata.servers import Person, Plein, eventually
from psycopg import sql

# Words only Bob writes: none of them may be found anywhere once he is erased.
BOBS_WORDS = (
    "zebravink",
    "okapischuur",
    "kolibrie",
    "flamingodak",
    "papegaaiboom",  # poll options are his words too
    "pelikaanpier",
)


def holds_bobs_words(data: Any) -> list[str]:
    text = (data if isinstance(data, str) else json.dumps(data, default=str)).lower()
    return [word for word in BOBS_WORDS if word in text]


async def stream_bodies(plein: Plein) -> bytes:
    js = plein.runtime.nc.jetstream()  # type: ignore[union-attr]
    info = await js.stream_info(STREAM_NAME)
    bodies = [
        (await js.get_msg(STREAM_NAME, seq)).data or b""
        for seq in range(info.state.first_seq, info.state.last_seq + 1)
    ]
    return b"\n".join(bodies)


async def posts_event_store(plein: Plein) -> bytes:
    """Every stored event of posts' event store, raw."""
    posts = plein.runtime.service("posts")
    async with posts.ctx.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT table_name FROM information_schema.columns "
            "WHERE table_schema = 'posts' AND column_name = 'state'"
        )
        states: list[bytes] = []
        for (table,) in await cur.fetchall():
            rows = await conn.execute(sql.SQL("SELECT state FROM {}").format(sql.Identifier(table)))
            states += [bytes(row[0]) for row in await rows.fetchall()]
    return b"\n".join(states)


async def surfaces(
    plein: Plein, ann: Person, bob: Person, post_id: str, tmp: Path, poll_id: str = ""
) -> Any:
    """What Ann is shown everywhere, and what the analysts' Parquet export holds."""
    http = plein.http
    seen: dict[str, Any] = {
        "thread": (await http.get(f"/posts/posts/{post_id}", headers=ann.auth)).json(),
        "poll thread": (await http.get(f"/posts/posts/{poll_id}", headers=ann.auth)).json(),
        "poll": (await http.get(f"/posts/posts/{poll_id}/poll", headers=ann.auth)).json(),
        "profile": (await http.get(f"/posts/people/{bob.id}/posts", headers=ann.auth)).json(),
        "topic": (await http.get("/posts/topics/vogels/posts", headers=ann.auth)).json(),
        "feed": (await http.get("/feed/home?order=latest", headers=ann.auth)).json(),
        "inbox": (await http.get("/notify/inbox", headers=ann.auth)).json(),
    }
    for word in BOBS_WORDS:
        found = await http.get("/posts/search", params={"q": word}, headers=ann.auth)
        seen[f"search {word}"] = found.json()
    js = plein.runtime.nc.jetstream()  # type: ignore[union-attr]
    await export_stream(js, tmp)
    seen["export"] = {
        path.name: pq.read_table(path).to_pylist() for path in sorted(tmp.rglob("*.parquet"))
    }
    return seen


async def caught_up(plein: Plein) -> None:
    for service in ("posts", "feed", "notify"):
        for runner in plein.runtime.service(service).runners.values():
            assert (await runner.status())["lag"] == 0


@pytest.mark.parametrize("authored", ["removed", "anonymised"])
async def test_an_erased_writers_words_are_in_no_response_stream_or_store_and_replay_agrees(
    plein: Plein, authored: str, tmp_path: Path
) -> None:
    ann = await plein.register("ann", "Ann de Vries")
    bob = await plein.register("bob", "Bob Jansen")
    http = plein.http
    followed = await http.post("/identity/me/following", headers=ann.auth, json={"user_id": bob.id})
    assert followed.status_code == 204
    started = await http.post(
        "/posts/posts",
        headers=bob.auth,
        json={"text": "Een zebravink op het dak #vogels"},
    )
    assert started.status_code == 201, started.text
    post_id = started.json()["id"]
    asked = await http.post(
        f"/posts/posts/{post_id}/replies", headers=ann.auth, json={"text": "Waar precies?"}
    )
    anns_reply = asked.json()["reply_id"]
    answered = await http.post(
        f"/posts/posts/{post_id}/replies",
        headers=bob.auth,
        json={"text": "Bij de okapischuur", "parent_id": anns_reply},
    )
    bobs_reply = answered.json()["reply_id"]
    edited = await http.patch(
        f"/posts/posts/{post_id}",
        headers=bob.auth,
        json={"text": "Een zebravink en een kolibrie op het dak #vogels"},
    )
    assert edited.status_code == 200, edited.text
    announced = await http.post(
        "/posts/posts",
        headers=ann.auth,
        json={"text": "Vogeltelling zaterdag #vogels"},
    )
    await http.post(
        f"/posts/posts/{announced.json()['id']}/replies",
        headers=bob.auth,
        json={"text": "Ik tel op het flamingodak"},
    )
    polled = await http.post(
        "/posts/polls",
        headers=bob.auth,
        json={"question": "Waar tellen we? #vogels", "options": ["Papegaaiboom", "Pelikaanpier"]},
    )
    assert polled.status_code == 201, polled.text
    poll_id = polled.json()["id"]
    voted = await http.post(f"/posts/posts/{poll_id}/votes", headers=ann.auth, json={"option": 1})
    assert voted.status_code == 200, voted.text

    # While Bob is here his words read as he wrote them, and are found ...
    async def searchable() -> None:
        await caught_up(plein)
        found = await http.get("/posts/search", params={"q": "okapischuur"}, headers=ann.auth)
        assert [hit["reply_id"] for hit in found.json()["hits"]] == [bobs_reply]
        home = await http.get("/feed/home", headers=ann.auth)
        assert post_id in json.dumps(home.json())

    await eventually(searchable)
    before = await surfaces(plein, ann, bob, post_id, tmp_path / "before", poll_id)
    assert set(holds_bobs_words(before["thread"])) == {"zebravink", "kolibrie", "okapischuur"}
    assert set(holds_bobs_words(before["poll"])) == {"papegaaiboom", "pelikaanpier"}
    for surface in ("feed", "topic", "profile", "inbox", "export", "search okapischuur"):
        assert holds_bobs_words(before[surface]), f"{surface} shows none of Bob's words"
    # ... yet they were sealed under his key from the first moment: never stored in the clear.
    assert holds_bobs_words((await stream_bodies(plein)).decode()) == []
    assert holds_bobs_words((await posts_event_store(plein)).decode(errors="replace")) == []
    assert SEALED_PREFIX.encode() in await posts_event_store(plein)

    # A choice that is neither is refused, and nothing is erased.
    wrong = await http.delete(
        f"/identity/users/{bob.id}", params={"authored": "forget"}, headers=bob.auth
    )
    assert wrong.status_code == 422
    assert wrong.headers["content-type"].startswith("application/problem+json")
    assert (await http.get(f"/identity/users/{bob.id}", headers=ann.auth)).status_code == 200

    erased = await http.delete(
        f"/identity/users/{bob.id}", params={"authored": authored}, headers=bob.auth
    )
    assert erased.status_code == 204, erased.text

    async def purged() -> None:
        await caught_up(plein)
        found = await http.get("/posts/search", params={"q": "okapischuur"}, headers=ann.auth)
        assert found.json()["hits"] == []

    await eventually(purged)
    after = await surfaces(plein, ann, bob, post_id, tmp_path / "after", poll_id)
    leaks = {name: holds_bobs_words(seen) for name, seen in after.items()}
    assert {name: words for name, words in leaks.items() if words} == {}
    # The poll keeps its shape for the people who voted; its words are gone.
    poll = after["poll"]
    assert [o["text"] for o in poll["options"]] == [REMOVED_TEXT, REMOVED_TEXT]
    assert [o["votes"] for o in poll["options"]] == [0, 1] and poll["my_vote"] == 1
    thread = after["thread"]
    (anns,) = thread["replies"]
    assert anns["text"] == "Waar precies?"  # Ann's own words stay hers
    (bobs,) = anns["replies"]
    if authored == "removed":
        assert thread["deleted"] and thread["text"] is None
        assert bobs["deleted"] and bobs["text"] is None
        assert post_id not in json.dumps(after["topic"]) + json.dumps(after["feed"])
    else:
        assert thread["text"] == REMOVED_TEXT and thread["history"] == []
        assert bobs["text"] == REMOVED_TEXT and not bobs["deleted"]
        assert post_id in json.dumps(after["topic"])
    assert holds_bobs_words((await stream_bodies(plein)).decode()) == []
    assert holds_bobs_words((await posts_event_store(plein)).decode(errors="replace")) == []

    # Rebuilt from the stream (his key gone), every read model reads the same.
    await plein.runtime.stop_workers()
    for projection in ("posts_threads", "posts_access", "feed", "notify"):
        await replay_projection(plein.settings, projection, plein.database_url, plein.nats_url)
    posts = plein.runtime.service("posts")
    posts.application.forget_loaded_threads()  # type: ignore[attr-defined]
    replayed = await surfaces(plein, ann, bob, post_id, tmp_path / "replayed", poll_id)
    assert replayed == after


async def test_words_written_as_a_shared_account_are_the_writers_and_go_with_the_writer(
    plein: Plein,
) -> None:
    ann = await plein.register("ann", "Ann de Vries")
    bob = await plein.register("bob", "Bob Jansen")
    hr = await plein.shared_account("HR", [bob])
    as_hr = await plein.act_as(bob, hr)
    http = plein.http
    posted = await http.post(
        "/posts/posts", headers=as_hr.auth, json={"text": "Het flamingodak is dicht #vogels"}
    )
    assert posted.status_code == 201, posted.text
    post_id = posted.json()["id"]

    async def published() -> None:
        await caught_up(plein)
        bodies = (await stream_bodies(plein)).decode()
        # Sealed under Bob's key, the person behind HR: not the account's, nobody's in clear.
        assert f"{SEALED_PREFIX}{bob.id}:t:" in bodies
        assert holds_bobs_words(bodies) == []
        found = await http.get("/posts/search", params={"q": "flamingodak"}, headers=ann.auth)
        assert [hit["post_id"] for hit in found.json()["hits"]] == [post_id]

    await eventually(published)
    erased = await http.delete(
        f"/identity/users/{bob.id}", params={"authored": "anonymised"}, headers=bob.auth
    )
    assert erased.status_code == 204, erased.text

    async def shredded() -> None:
        await caught_up(plein)
        found = await http.get("/posts/search", params={"q": "flamingodak"}, headers=ann.auth)
        assert found.json()["hits"] == []

    await eventually(shredded)
    thread = (await http.get(f"/posts/posts/{post_id}", headers=ann.auth)).json()
    assert thread["author_id"] == hr and thread["text"] == REMOVED_TEXT
    assert holds_bobs_words(thread) == []


async def test_an_erased_delegates_words_as_a_shared_account_leave_the_inbox_and_replay_agrees(
    plein: Plein,
) -> None:
    ann = await plein.register("ann", "Ann de Vries")
    bob = await plein.register("bob", "Bob Jansen")
    hr = await plein.shared_account("HR", [bob])
    as_hr = await plein.act_as(bob, hr)
    http = plein.http
    posted = await http.post(
        "/posts/posts",
        headers=as_hr.auth,
        json={"text": "Ann, het flamingodak is dicht", "mentions": [ann.id]},
    )
    assert posted.status_code == 201, posted.text
    post_id = posted.json()["id"]

    async def told() -> Any:
        await caught_up(plein)
        inbox = (await http.get("/notify/inbox", headers=ann.auth)).json()
        (entry,) = [e for e in inbox["entries"] if e["post_id"] == post_id]
        assert entry["excerpt"] == "Ann, het flamingodak is dicht"
        assert entry["actor_id"] == hr  # shown as the account ...
        return inbox

    await eventually(told)
    erased = await http.delete(
        f"/identity/users/{bob.id}", params={"authored": "anonymised"}, headers=bob.auth
    )
    assert erased.status_code == 204, erased.text

    # ... yet the words are Bob's: they go when he goes, though HR remains.
    async def purged() -> Any:
        await caught_up(plein)
        inbox = (await http.get("/notify/inbox", headers=ann.auth)).json()
        (entry,) = [e for e in inbox["entries"] if e["post_id"] == post_id]
        assert entry["excerpt"] in (None, REMOVED_TEXT)
        assert holds_bobs_words(inbox) == []
        return inbox

    live = await eventually(purged)
    await plein.runtime.stop_workers()
    await replay_projection(plein.settings, "notify", plein.database_url, plein.nats_url)
    replayed = (await http.get("/notify/inbox", headers=ann.auth)).json()
    assert replayed == live
