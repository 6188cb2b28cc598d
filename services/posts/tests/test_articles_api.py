"""Articles over HTTP against real PostgreSQL and NATS: drafts, co-editors, scheduling with a
moved clock, the news, and privacy in news, blogs and the Atom feed's list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from plein_posts.publishing import ScheduledPublisher
from plein_posts.service import PostsService
from plein_testdata.servers import Plein, eventually
from psycopg import sql

pytestmark = pytest.mark.services("identity", "posts")

START = datetime(2030, 3, 2, 10, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def ids(page: dict[str, Any]) -> list[str]:
    return [a["id"] for a in page["articles"]]


async def test_an_article_goes_from_draft_through_schedule_to_the_news(
    plein: Plein, identity: Any
) -> None:
    ann, bob, carol = await identity.people("ann", "bob", "carol")
    await identity.community_manager(carol)
    service = plein.runtime.service("posts")
    assert isinstance(service, PostsService)
    clock = service.articles.clock = Clock(START)
    http = plein.http

    long_body = "x" * 100_001
    refused = await http.post(
        "/posts/articles", headers=ann.auth, json={"title": "Too long", "body": long_body}
    )
    identity.problem(refused, 422)

    created = await http.post(
        "/posts/articles",
        headers=ann.auth,
        json={"title": "Our new office", "teaser": "Moving in May", "body": "## Why\n\nLight."},
    )
    assert created.status_code == 201, created.text
    article_id = created.json()["id"]
    assert created.json()["state"] == "draft"
    identity.problem(await http.get(f"/posts/articles/{article_id}", headers=bob.auth), 404)

    # A co-editor sees and edits the draft; the history keeps the first version.
    path = f"/posts/articles/{article_id}/co-editors"
    unknown = await http.post(path, headers=ann.auth, json={"handle": "@nobody"})
    assert identity.problem(unknown, 422)["code"] == "unknown_handle"
    named = await http.post(path, headers=ann.auth, json={"handle": "@bob"})
    assert named.status_code == 200 and named.json()["co_editor_ids"] == [bob.id], named.text
    edited = await http.patch(
        f"/posts/articles/{article_id}",
        headers=bob.auth,
        json={
            "title": "Our new office",
            "teaser": "Moving in May",
            "body": "## Why\n\nMore light.",
        },
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["history"][0]["body"] == "## Why\n\nLight."

    past = await http.post(
        f"/posts/articles/{article_id}/schedule",
        headers=ann.auth,
        json={"publish_at": "2030-03-01T09:00:00"},
    )
    assert identity.problem(past, 422)["code"] == "publish_at_past"
    scheduled = await http.post(
        f"/posts/articles/{article_id}/schedule",
        headers=ann.auth,
        json={"publish_at": "2030-03-02T12:00:00"},  # Amsterdam: 11:00 UTC
    )
    assert scheduled.status_code == 200, scheduled.text
    assert scheduled.json()["publish_at"].startswith("2030-03-02T12:00:00+01:00")

    async def in_the_projection() -> None:
        drafts = (await http.get("/posts/articles/drafts", headers=bob.auth)).json()
        assert ids(drafts) == [article_id]

    await eventually(in_the_projection)
    identity.problem(await http.get(f"/posts/articles/{article_id}", headers=carol.auth), 404)
    assert ids((await http.get("/posts/articles", headers=carol.auth)).json()) == []

    publisher = ScheduledPublisher(lambda: service.articles, 30.0)
    assert await publisher.publish_due() == 0  # not yet
    clock.now = START + timedelta(hours=1, minutes=1)  # past 11:00 UTC

    async def published_by_the_publisher() -> None:
        # Nobody opened it: the publisher records its publication (and opens its thread),
        # once the projection has its schedule.
        assert await publisher.publish_due() == 1

    await eventually(published_by_the_publisher)
    assert ids((await http.get("/posts/articles", headers=carol.auth)).json()) == [article_id]
    read = (await http.get(f"/posts/articles/{article_id}", headers=carol.auth)).json()
    assert read["state"] == "published" and read["thread_id"] and "history" not in read
    thread = await http.get(f"/posts/posts/{read['thread_id']}", headers=carol.auth)
    assert thread.status_code == 200 and "Our new office" in thread.json()["text"]

    identity.problem(
        await http.put(
            f"/posts/articles/{article_id}/featured", headers=bob.auth, json={"featured": True}
        ),
        403,
    )
    other = await http.post("/posts/articles", headers=bob.auth, json={"title": "Later news"})
    other_id = other.json()["id"]
    assert (await http.post(f"/posts/articles/{other_id}/publish", headers=bob.auth)).is_success
    featured = await http.put(
        f"/posts/articles/{article_id}/featured", headers=carol.auth, json={"featured": True}
    )
    assert featured.status_code == 200 and featured.json()["featured"]

    async def featured_first() -> None:
        news = (await http.get("/posts/articles", headers=ann.auth)).json()
        assert ids(news) == [article_id, other_id]
        only = (await http.get("/posts/articles?featured=true", headers=ann.auth)).json()
        assert ids(only) == [article_id]

    await eventually(featured_first)


async def test_a_private_groups_article_never_reaches_a_non_member(
    plein: Plein, identity: Any
) -> None:
    ann, bob, dave = await identity.people("ann", "bob", "dave")
    group_id = await identity.group("Board", private=True, members=(ann, bob))
    http = plein.http
    secret = await http.post(
        "/posts/articles", headers=ann.auth, json={"title": "Merger", "group_id": group_id}
    )
    public = await http.post("/posts/articles", headers=ann.auth, json={"title": "Picnic"})
    secret_id, public_id = secret.json()["id"], public.json()["id"]
    for article_id in (secret_id, public_id):
        published = await http.post(f"/posts/articles/{article_id}/publish", headers=ann.auth)
        assert published.status_code == 200, published.text

    async def listed_for_members() -> None:
        news = (await http.get("/posts/articles", headers=bob.auth)).json()
        assert sorted(ids(news)) == sorted([secret_id, public_id])

    await eventually(listed_for_members)
    assert ids((await http.get("/posts/articles", headers=dave.auth)).json()) == [public_id]
    blog = (await http.get(f"/posts/people/{ann.id}/articles", headers=dave.auth)).json()
    assert ids(blog) == [public_id]
    # What an Atom feed carries: public places only, even for a member.
    atom = await http.get(f"/posts/people/{ann.id}/articles?public_only=true", headers=bob.auth)
    assert ids(atom.json()) == [public_id]
    identity.problem(await http.get(f"/posts/articles/{secret_id}", headers=dave.auth), 404)


async def test_the_thread_follows_edits_and_unpublishing_of_its_article(
    plein: Plein, identity: Any
) -> None:
    ann, bob, carol = await identity.people("ann", "bob", "carol")
    http = plein.http
    created = await http.post("/posts/articles", headers=ann.auth, json={"title": "Picnic"})
    article_id = created.json()["id"]
    await http.put(f"/posts/articles/{article_id}/co-editors/{bob.id}", headers=ann.auth)
    first = (await http.post(f"/posts/articles/{article_id}/publish", headers=ann.auth)).json()
    thread_id = first["thread_id"]

    edited = await http.patch(
        f"/posts/articles/{article_id}",
        headers=bob.auth,
        json={"title": "Picnic on Friday", "teaser": "Bring a blanket"},
    )
    assert edited.status_code == 200, edited.text
    thread = (await http.get(f"/posts/posts/{thread_id}", headers=carol.auth)).json()
    assert "Picnic on Friday" in thread["text"] and "Bring a blanket" in thread["text"]
    assert thread["author_id"] == ann.id  # the thread speaks for the article's author

    assert (await http.post(f"/posts/articles/{article_id}/unpublish", headers=bob.auth)).is_success
    identity.problem(await http.get(f"/posts/articles/{article_id}", headers=carol.auth), 404)
    gone = (await http.get(f"/posts/posts/{thread_id}", headers=carol.auth)).json()
    assert gone["text"] is None  # a tombstone

    again = (await http.post(f"/posts/articles/{article_id}/publish", headers=ann.auth)).json()
    assert again["state"] == "published" and again["thread_id"] not in (None, thread_id)

    # The words are sealed under the writer's key in posts' event store, as post text is.
    stored = await posts_event_store(plein)
    assert b"real_author_id" in stored  # readable JSON: the check below can see words
    assert b"Picnic" not in stored and b"blanket" not in stored


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
            states += [
                v if isinstance(v, bytes) else str(v).encode() for (v,) in await rows.fetchall()
            ]
    return b"\n".join(states)
