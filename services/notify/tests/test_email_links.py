"""Every link in notify's e-mails lands on the web client's page it is about: a post's thread,
a group, the inbox, and notify's own unsubscribe page, followed here with a real HTTP client
signed in to the web client (and signed out: to the sign-in page and back)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx
import pytest
from plein_testdata.servers import eventually

# The pages the links land on: the web client, and the services its pages read.
pytestmark = pytest.mark.services("identity", "posts", "files", "feed", "notify", "web")

NotifyWorld = Any  # the `world` fixture (conftest.py)


def plain(message: Any) -> str:
    return str(message.get_body(("plain",)).get_content())


def links(message: Any) -> list[str]:
    return re.findall(r"https?://\S+", plain(message))


async def signed_in(world: NotifyWorld, handle: str) -> httpx.AsyncClient:
    """A browser-like client signed in to the web client (session cookie, CSRF token)."""
    web = httpx.AsyncClient(base_url=world.plein.settings.base_url, timeout=30.0)
    page = await web.get("/sign-in")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None, page.text[:500]
    response = await web.post(
        "/sign-in",
        data={
            "email": f"{handle}@example.com",
            "password": f"{handle}-secret-pw",
            "next": "/",
            "csrf_token": token.group(1),
        },
    )
    assert response.status_code == 303, response.text[:500]
    return web


async def test_a_mention_emails_links_land_on_its_thread_and_the_unsubscribe_page(
    world: NotifyWorld,
) -> None:
    ann = await world.register("ann", "Ann")
    bob = await world.register("bob", "Bob")

    async def posted() -> str:  # once posts knows Bob too
        response = await world.plein.http.post(
            "/posts/posts",
            headers=ann.auth,
            json={"text": "Bob, have a look at the quarterly plan", "mentions": [bob.id]},
        )
        assert response.status_code == 201, response.text
        post_id: str = response.json()["id"]
        return post_id

    post_id = await eventually(posted)

    async def mailed() -> Any:
        # The APIs stamp their events with real time; notify's clock is a fake one.
        world.clock.now = datetime.now(UTC) + timedelta(minutes=1)
        await world.service.scheduler.tick()
        [message] = world.mail.to(bob.email)
        return message

    message = await eventually(mailed)
    base = world.plein.settings.base_url
    found = links(message)
    thread = f"{base}/posts/{post_id}"
    assert thread in found
    [unsubscribe] = [link for link in found if "/api/notify/unsubscribe?token=" in link]

    web = await signed_in(world, "bob")
    try:
        page = await web.get(urlsplit(thread).path)
        assert page.status_code == 200
        assert "have a look at the quarterly plan" in page.text
    finally:
        await web.aclose()

    async with httpx.AsyncClient(timeout=30.0) as anonymous:
        away = await anonymous.get(thread)  # signed out: to sign in, then back to the thread
        assert away.status_code in (302, 303)
        assert unquote(away.headers["location"]).endswith(f"/sign-in?next=/posts/{post_id}")
        confirm = await anonymous.get(unsubscribe)
        assert confirm.status_code == 200 and "<form method='post'>" in confirm.text


async def test_a_join_request_email_links_to_its_group_and_a_digest_to_the_inbox(
    world: NotifyWorld,
) -> None:
    bob = await world.register("bob", "Bob")
    chloe = await world.register("chloe", "Chloe")
    response = await world.plein.http.patch(
        "/notify/preferences", headers=bob.auth, json={"channels": {"membership_request": "email"}}
    )
    assert response.status_code == 200, response.text
    group = await world.plein.http.post(
        "/identity/groups", headers=bob.auth, json={"name": "Board", "visibility": "private"}
    )
    assert group.status_code == 201, group.text
    group_id = group.json()["id"]
    asked = await world.plein.http.post(
        f"/identity/groups/{group_id}/requests", headers=chloe.auth, json={"message": "hoi"}
    )
    assert asked.status_code == 202, asked.text

    async def mailed() -> Any:
        # The APIs stamp their events with real time; notify's clock is a fake one.
        world.clock.now = datetime.now(UTC) + timedelta(minutes=1)
        await world.service.scheduler.tick()
        [message] = world.mail.to(bob.email)
        return message

    message = await eventually(mailed)
    base = world.plein.settings.base_url
    assert f"{base}/groups/{group_id}" in links(message)

    web = await signed_in(world, "bob")
    try:
        page = await web.get(f"/groups/{group_id}")
        assert page.status_code == 200 and "Board" in page.text
        inbox = await web.get("/notifications")  # where a digest's "Open Plein" goes
        assert inbox.status_code == 200 and "Chloe" in inbox.text
    finally:
        await web.aclose()
