"""Link previews end to end on real PostgreSQL and NATS: posts publishes (the text sealed
under the writer's key), files' projection queues the first link, the worker fetches it
through the SSRF guard from a site on loopback, and readers get the card and its image from
Plein. Private addresses are never asked; private posts' cards stay private."""

from __future__ import annotations

import io
import os
from collections.abc import AsyncIterator, Iterator
from typing import Any
from uuid import uuid4

import pytest
from PIL import Image
from plein_files.link_cards import store as card_store
from plein_testdata.servers import (
    Person,
    Plein,
    Servers,
    eventually,
    fresh_streams,
    migrated_database,
    start_plein,
)

from .link_server import Site, og_page, serving

pytestmark = pytest.mark.services("identity", "posts", "files")


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    with serving("127.0.0.1") as running:
        yield running


@pytest.fixture(scope="module")
async def plein(servers: Servers) -> AsyncIterator[Plein]:
    saved = os.environ.get("PLEIN_FILES_LINK_PREVIEW_ALLOW")
    os.environ["PLEIN_FILES_LINK_PREVIEW_ALLOW"] = "127.0.0.1"  # the site stands for intranet
    try:
        database_url = await migrated_database(servers)
        await fresh_streams(servers.nats_url)
        running = await start_plein(
            database_url, servers.nats_url, services=["identity", "posts", "files"]
        )
    finally:
        if saved is None:
            os.environ.pop("PLEIN_FILES_LINK_PREVIEW_ALLOW", None)
        else:
            os.environ["PLEIN_FILES_LINK_PREVIEW_ALLOW"] = saved
    try:
        yield running
    finally:
        await running.http.aclose()
        await running.stop()


@pytest.fixture(scope="module")
async def people(plein: Plein) -> dict[str, Person]:
    for handle in ("ann", "bob", "cas"):
        await plein.register(handle)
    return plein.people


def png(width: int = 800, height: int = 600) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (20, 120, 200)).save(out, "PNG")
    return out.getvalue()


async def post(plein: Plein, author: Person, text: str, group_id: str | None = None) -> str:
    async def posted() -> str:
        response = await plein.http.post(
            "/posts/posts", headers=author.auth, json={"text": text, "group_id": group_id}
        )
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    return await eventually(posted)  # a new group's members reach posts after a moment


async def cards(plein: Plein, reader: Person, *post_ids: str) -> list[dict[str, Any]]:
    response = await plein.http.get(
        "/files/link-cards", headers=reader.auth, params=[("post_id", p) for p in post_ids]
    )
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def card_of(plein: Plein, reader: Person, post_id: str) -> dict[str, Any]:
    async def shown() -> dict[str, Any]:
        found = await cards(plein, reader, post_id)
        assert len(found) == 1, found
        return found[0]

    return await eventually(shown, timeout_s=30)


def article(site: Site, path: str, title: str) -> str:
    site.pages[path + ".png"] = (200, {"Content-Type": "image/png"}, png())
    page = og_page(title, f"All about {title}", image=path + ".png", site="Intranet News")
    site.pages[path] = (200, {"Content-Type": "text/html; charset=utf-8"}, page)
    return site.origin + path


async def test_a_linked_page_gets_its_card_with_its_image_served_by_plein(
    plein: Plein, people: dict[str, Person], site: Site
) -> None:
    ann, bob = people["ann"], people["bob"]
    url = article(site, "/news/canteen", "The new canteen")
    post_id = await post(plein, ann, f"Have you seen {url}? Lunch is better now.")

    card = await card_of(plein, bob, post_id)
    assert card["url"] == url
    assert (card["title"], card["description"], card["site_name"]) == (
        "The new canteen",
        "All about The new canteen",
        "Intranet News",
    )
    assert card["removable"] is False
    assert (await card_of(plein, ann, post_id))["removable"] is True
    # The image comes from Plein, made small; the reader's browser never asks the site.
    image = await plein.http.get(card["image_url"], headers=bob.auth)
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/webp"
    with Image.open(io.BytesIO(image.content)) as thumbnail:
        assert thumbnail.format == "WEBP"
        assert max(thumbnail.size) <= 480
    assert ("/news/canteen", f"127.0.0.1:{site.port}") in site.seen
    assert ("/news/canteen.png", f"127.0.0.1:{site.port}") in site.seen

    # Only the author may remove it: others get a problem, the author a 204; then it is gone.
    refused = await plein.http.delete(f"/files/link-cards/{post_id}", headers=bob.auth)
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    removed = await plein.http.delete(f"/files/link-cards/{post_id}", headers=ann.auth)
    assert removed.status_code == 204
    assert await cards(plein, bob, post_id) == []
    assert await cards(plein, ann, post_id) == []
    gone = await plein.http.get(card["image_url"], headers=bob.auth)
    assert gone.status_code == 404


async def test_a_reply_with_a_link_gets_a_card_too(
    plein: Plein, people: dict[str, Person], site: Site
) -> None:
    ann, bob = people["ann"], people["bob"]
    post_id = await post(plein, ann, "Any good reads?")
    url = article(site, "/news/reading", "Reading list")
    response = await plein.http.post(
        f"/posts/posts/{post_id}/replies", headers=bob.auth, json={"text": f"This: {url}"}
    )
    assert response.status_code == 201, response.text
    reply_id = str(response.json()["reply_id"])
    assert (await card_of(plein, ann, reply_id))["title"] == "Reading list"


async def test_private_addresses_are_never_fetched_without_the_allow_list(
    plein: Plein, people: dict[str, Person], site: Site
) -> None:
    service: Any = plein.runtime.service("files")
    saved = service.settings
    service.settings = saved.model_copy(update={"link_preview_allow": ""})
    ann, bob = people["ann"], people["bob"]
    secret = article(site, "/secret", "Inside only")
    urls = [
        secret,
        secret.replace("127.0.0.1", "localhost"),
        f"http://[::ffff:127.0.0.1]:{site.port}/secret",
        "http://10.0.0.1/admin",
        "http://169.254.169.254/latest/meta-data/",
    ]
    try:
        post_ids = [await post(plein, ann, f"Look at {url} please") for url in urls]

        async def refused() -> None:
            async with service.files.pool.connection() as conn:
                for url in urls:
                    assert await card_store.card_status(conn, url) == "refused", url

        await eventually(refused, timeout_s=30)
    finally:
        service.settings = saved
    assert not [seen for seen in site.seen if seen[0].startswith("/secret")]
    assert await cards(plein, bob, *post_ids) == []


async def test_a_non_member_gets_no_card_of_a_private_post(
    plein: Plein, people: dict[str, Person], site: Site
) -> None:
    ann, bob, cas = people["ann"], people["bob"], people["cas"]
    group_id = await private_group(plein, ann, cas)
    url = article(site, "/team/plans", "Team plans")
    post_id = await post(plein, ann, f"Our plans: {url}", group_id)

    card = await card_of(plein, cas, post_id)
    assert card["title"] == "Team plans"
    # Bob is no member: no card, no image, and no sign that either exists.
    assert await cards(plein, bob, post_id) == []
    assert (await plein.http.get(card["image_url"], headers=bob.auth)).status_code == 404
    assert (
        await plein.http.delete(f"/files/link-cards/{post_id}", headers=bob.auth)
    ).status_code == 404


async def private_group(plein: Plein, owner: Person, *members: Person) -> str:
    response = await plein.http.post(
        "/identity/groups",
        headers=owner.auth,
        json={"name": f"Private {uuid4().hex[:6]}", "visibility": "private"},
    )
    assert response.status_code == 201, response.text
    group_id = str(response.json()["id"])
    for member in members:
        response = await plein.http.post(
            f"/identity/groups/{group_id}/invitations",
            headers=owner.auth,
            json={"user_id": member.id},
        )
        assert response.status_code == 200, response.text
        response = await plein.http.post(f"/identity/groups/{group_id}/join", headers=member.auth)
        assert response.status_code in (200, 201, 204), response.text
    return group_id
