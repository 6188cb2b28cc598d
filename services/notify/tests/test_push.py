"""Web Push end to end: notify sends real, encrypted, VAPID-signed pushes (pywebpush) to a push
receiver on loopback, which decrypts them with the fake browser's own keys (RFC 8291) and
checks the VAPID signature against the instance's public key (RFC 8292)."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import http_ece
import jwt
import pytest
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from plein_events import Event
from plein_events.identity import GroupCreated, MemberJoined, RoleGranted, UserDeactivated
from plein_events.posts import AnnouncementPosted, ReplyPosted
from plein_platform.embedded import free_port
from plein_testdata.servers import (
    Plein,
    Servers,
    eventually,
    fresh_streams,
    harness_settings,
    migrated_database,
    publish,
    start_plein,
)

pytestmark = pytest.mark.services("identity", "notify")


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class FakeBrowser:
    """A browser's push subscription: its P-256 key pair and auth secret."""

    endpoint: str
    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth: bytes = field(default_factory=lambda: os.urandom(16))

    def subscription(self) -> dict[str, Any]:
        public = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": self.endpoint,
            "keys": {"p256dh": b64url(public), "auth": b64url(self.auth)},
        }


@dataclass
class Received:
    token: str
    headers: dict[str, str]
    body: bytes


class PushReceiver:
    """A push service on loopback: keeps what it is sent; answers 410 for tokens it was told
    are gone."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[Received] = []
        self.gone: set[str] = set()
        self.redirects: dict[str, str] = {}  # token: where it sends the push on to
        self.browsers: dict[str, FakeBrowser] = {}

    def browser(self) -> FakeBrowser:
        token = uuid4().hex
        browser = FakeBrowser(f"http://127.0.0.1:{self.port}/push/{token}")
        self.browsers[token] = browser
        return browser

    def to(self, browser: FakeBrowser) -> list[Received]:
        return [r for r in self.received if browser.endpoint.endswith(r.token)]

    async def handle(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        self.received.append(Received(token, dict(request.headers), await request.read()))
        if token in self.redirects:
            return web.Response(status=307, headers={"Location": self.redirects[token]})
        return web.Response(status=410 if token in self.gone else 201)

    def open(self, received: Received, vapid_public_key: str) -> dict[str, Any]:
        """Check the VAPID signature against the instance's key, then decrypt with the
        browser's keys; the push's JSON."""
        scheme, _, params = received.headers["Authorization"].partition(" ")
        assert scheme == "vapid"
        fields = dict(part.strip().split("=", 1) for part in params.split(","))
        assert fields["k"] == vapid_public_key
        signer = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(fields["k"]))
        claims = jwt.decode(
            fields["t"], signer, algorithms=["ES256"], audience=f"http://127.0.0.1:{self.port}"
        )
        assert claims["sub"].startswith("mailto:")
        assert received.headers["Content-Encoding"] == "aes128gcm"
        browser = self.browsers[received.token]
        plain = http_ece.decrypt(
            received.body, private_key=browser.key, auth_secret=browser.auth, version="aes128gcm"
        )
        opened: dict[str, Any] = json.loads(plain)
        return opened


@pytest.fixture(scope="module")
async def receiver() -> AsyncIterator[PushReceiver]:
    push = PushReceiver()
    app = web.Application()
    app.router.add_post("/push/{token}", push.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", push.port).start()
    try:
        yield push
    finally:
        await runner.cleanup()


@pytest.fixture(scope="module")
async def plein(servers: Servers, receiver: PushReceiver) -> AsyncIterator[Plein]:
    """Identity and notify, with the loopback receiver allow-listed."""
    database_url = await migrated_database(servers)
    await fresh_streams(servers.nats_url)
    settings = harness_settings(database_url, servers.nats_url)
    plein = await start_plein(
        database_url, servers.nats_url, settings=settings, services=["identity", "notify"]
    )
    notify(plein).settings.push_allow = "127.0.0.1"
    try:
        yield plein
    finally:
        await plein.http.aclose()
        await plein.stop()


def notify(plein: Plein) -> Any:
    return plein.runtime.service("notify")


async def emit(plein: Plein, event: Event) -> None:
    assert plein.runtime.nc is not None
    await publish(plein.runtime.nc.jetstream(), event)


async def caught_up(plein: Plein) -> None:
    runner = notify(plein).runners["notify"]

    async def done() -> None:
        assert await runner.pending() == 0

    await eventually(done)


async def person(plein: Plein, handle: str) -> Any:
    someone = await plein.register(f"{handle}{uuid4().hex[:8]}", handle.title())

    async def known() -> None:
        async with notify(plein).ctx.pool.connection() as conn:
            cur = await conn.execute("SELECT 1 FROM people WHERE user_id = %s", (someone.id,))
            assert await cur.fetchone() is not None

    await eventually(known)
    return someone


async def push_on(plein: Plein, someone: Any, browser: FakeBrowser) -> dict[str, Any]:
    """`someone` lets replies reach them by push, and turns push on for `browser`."""
    response = await plein.http.patch(
        "/notify/preferences", headers=someone.auth, json={"channels": {"reply": "push"}}
    )
    assert response.status_code == 200, response.text
    response = await plein.http.post(
        "/notify/push/devices",
        headers={**someone.auth, "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"},
        json=browser.subscription(),
    )
    assert response.status_code == 201, response.text
    device: dict[str, Any] = response.json()
    return device


def reply(to: Any, by: Any, text: str, **where: Any) -> ReplyPosted:
    post_id = where.pop("post_id", None) or uuid4()
    return ReplyPosted(
        reply_id=uuid4(),
        post_id=post_id,
        parent_id=post_id,
        post_author_id=to.id,
        parent_author_id=to.id,
        author_id=by.id,
        real_author_id=by.id,
        text=text,
        **where,
    )


async def public_key(plein: Plein) -> str:
    response = await plein.http.get("/notify/push/key")
    assert response.status_code == 200
    key: str = response.json()["public_key"]
    return key


async def test_a_reply_reaches_a_device_with_push_on_decrypted_once_with_the_thread_url(
    plein: Plein, receiver: PushReceiver
) -> None:
    ann, bob = await person(plein, "ann"), await person(plein, "bob")
    browser = receiver.browser()
    device = await push_on(plein, bob, browser)
    assert device["name"] == "Firefox on Linux"
    answer = reply(bob, ann, "Here are the figures")
    await emit(plein, answer)

    async def arrived() -> Received:
        got = receiver.to(browser)
        assert len(got) == 1
        return got[0]

    pushed = await eventually(arrived)
    opened = receiver.open(pushed, await public_key(plein))
    assert opened["kind"] == "reply"
    assert opened["url"].endswith(f"/posts/{answer.post_id}")
    assert "Ann" in opened["title"]
    assert opened["body"] == "Here are the figures"  # a public post's text
    inbox = (await plein.http.get("/notify/inbox", headers=bob.auth)).json()
    assert opened["id"] == inbox["entries"][0]["id"]

    await notify(plein).pusher.send_due()  # nothing is due twice
    assert len(receiver.to(browser)) == 1
    async with notify(plein).ctx.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT only_if_unread, due_at FROM email_queue WHERE recipient_id = %s", (bob.id,)
        )
        # Pushed, so not e-mailed as well: only later, and only if the push stays unopened.
        told_at = datetime.fromisoformat(inbox["entries"][0]["created_at"])
        assert await cur.fetchall() == [(True, told_at + timedelta(hours=1))]
    listed = (await plein.http.get("/notify/push/devices", headers=bob.auth)).json()
    assert [d["id"] for d in listed] == [device["id"]] and listed[0]["last_used_at"]


async def test_a_device_its_push_service_calls_gone_is_removed(
    plein: Plein, receiver: PushReceiver
) -> None:
    ann, bob = await person(plein, "ann"), await person(plein, "bob")
    browser = receiver.browser()
    await push_on(plein, bob, browser)
    receiver.gone.add(browser.endpoint.rsplit("/", 1)[1])
    await emit(plein, reply(bob, ann, "anyone there?"))

    async def removed() -> None:
        listed = (await plein.http.get("/notify/push/devices", headers=bob.auth)).json()
        assert listed == []

    await eventually(removed)
    assert len(receiver.to(browser)) == 1


async def test_a_push_service_redirect_is_never_followed(
    plein: Plein, receiver: PushReceiver
) -> None:
    ann, bob = await person(plein, "ann"), await person(plein, "bob")
    browser, elsewhere = receiver.browser(), receiver.browser()
    device = await push_on(plein, bob, browser)
    receiver.redirects[browser.endpoint.rsplit("/", 1)[1]] = elsewhere.endpoint
    await emit(plein, reply(bob, ann, "where does this go?"))

    async def refused() -> None:
        async with notify(plein).ctx.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT sent_at, last_error FROM push_queue WHERE subscription_id = %s",
                (device["id"],),
            )
            queued = await cur.fetchall()
            assert len(queued) == 1
            [(sent_at, error)] = queued
            assert sent_at is None and "RedirectRefused" in (error or "")  # to be tried again

    await eventually(refused)
    assert len(receiver.to(browser)) == 1 and receiver.to(elsewhere) == []


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://push.example.com/send/1",  # not https
        "https://localhost/send/1",  # loopback
        "https://10.1.2.3/send/1",  # private
        "https://169.254.169.254/latest",  # link-local (cloud metadata)
        "https://[::1]/send/1",
        "not a url",
        "https://push.example/a\x00b",  # a NUL: a 422, never a 500
    ],
)
async def test_an_endpoint_not_https_or_not_public_is_refused(
    plein: Plein, receiver: PushReceiver, endpoint: str
) -> None:
    bob = await person(plein, "bob")
    subscription = {**receiver.browser().subscription(), "endpoint": endpoint}
    response = await plein.http.post("/notify/push/devices", headers=bob.auth, json=subscription)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert (await plein.http.get("/notify/push/devices", headers=bob.auth)).json() == []


async def test_keys_that_are_not_a_browsers_are_refused(
    plein: Plein, receiver: PushReceiver
) -> None:
    bob = await person(plein, "bob")
    subscription = receiver.browser().subscription()
    subscription["keys"]["p256dh"] = b64url(b"short")
    response = await plein.http.post("/notify/push/devices", headers=bob.auth, json=subscription)
    assert response.status_code == 422
    assert "p256dh" in response.json()["detail"]


async def test_someone_elses_device_cannot_be_used_or_removed(
    plein: Plein, receiver: PushReceiver
) -> None:
    ann = await person(plein, "ann")
    bob = await person(plein, "bob")
    eve = await person(plein, "eve")
    browser = receiver.browser()
    device = await push_on(plein, bob, browser)

    taken = await plein.http.post(
        "/notify/push/devices", headers=eve.auth, json=browser.subscription()
    )
    assert taken.status_code == 409
    removed = await plein.http.delete(f"/notify/push/devices/{device['id']}", headers=eve.auth)
    assert removed.status_code == 404
    await plein.http.patch(
        "/notify/preferences", headers=eve.auth, json={"channels": {"reply": "push"}}
    )
    await emit(plein, reply(eve, ann, "for Eve only"))
    await caught_up(plein)
    async with notify(plein).ctx.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT count(*) FROM push_queue WHERE subscription_id = %s", (device["id"],)
        )
        assert (await cur.fetchone())[0] == 0  # Eve's news never goes to Bob's device
    listed = (await plein.http.get("/notify/push/devices", headers=bob.auth)).json()
    assert [d["id"] for d in listed] == [device["id"]]
    assert (await plein.http.get("/notify/push/devices", headers=eve.auth)).json() == []


async def test_a_deactivated_persons_devices_are_gone_at_once(
    plein: Plein, receiver: PushReceiver
) -> None:
    bob = await person(plein, "bob")
    await push_on(plein, bob, receiver.browser())
    await emit(plein, UserDeactivated(user_id=UUID(bob.id)))
    await caught_up(plein)
    async with notify(plein).ctx.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT count(*) FROM push_subscriptions WHERE user_id = %s", (bob.id,)
        )
        assert (await cur.fetchone())[0] == 0


async def test_a_private_posts_text_is_pushed_only_when_previews_are_allowed(
    plein: Plein, receiver: PushReceiver
) -> None:
    ann, bob = await person(plein, "ann"), await person(plein, "bob")
    group_id = uuid4()
    await emit(plein, GroupCreated(group_id=group_id, name="Board", visibility="private"))
    for member in (ann, bob):
        await emit(plein, MemberJoined(group_id=group_id, user_id=UUID(member.id)))
    browser = receiver.browser()
    await push_on(plein, bob, browser)
    previews = await plein.http.get("/notify/push/previews", headers=bob.auth)
    assert previews.json() == {"private_previews": False}  # off unless chosen
    key = await public_key(plein)
    where = {"group_id": group_id, "group_private": True}

    await emit(plein, reply(bob, ann, "the merger is on", post_id=uuid4(), **where))

    async def pushes(n: int) -> list[Received]:
        got = receiver.to(browser)
        assert len(got) == n
        return got

    [first] = await eventually(lambda: pushes(1))
    hidden = receiver.open(first, key)
    assert "body" not in hidden and "merger" not in json.dumps(hidden)

    allowed = await plein.http.put(
        "/notify/push/previews", headers=bob.auth, json={"private_previews": True}
    )
    assert allowed.json() == {"private_previews": True}
    await emit(plein, reply(bob, ann, "the merger is off", post_id=uuid4(), **where))
    _, second = await eventually(lambda: pushes(2))
    assert receiver.open(second, key)["body"] == "the merger is off"


async def test_the_third_announcement_of_a_week_goes_to_the_digest_not_push_or_email(
    plein: Plein, receiver: PushReceiver
) -> None:
    ann, bob, cas, cm = [await person(plein, h) for h in ("ann", "bob", "cas", "cm")]
    group_id = uuid4()
    await emit(plein, GroupCreated(group_id=group_id, name=f"Town hall {group_id.hex[:6]}"))
    for member in (ann, bob, cas):
        await emit(plein, MemberJoined(group_id=group_id, user_id=UUID(member.id)))
    await emit(plein, RoleGranted(user_id=UUID(cm.id), role="community_manager"))
    browser = receiver.browser()
    await push_on(plein, bob, browser)
    await plein.http.patch(
        "/notify/preferences", headers=bob.auth, json={"channels": {"announcement": "push"}}
    )  # Cas keeps the default: announcements by e-mail
    for n in range(3):
        await emit(
            plein,
            AnnouncementPosted(
                post_id=uuid4(),
                author_id=UUID(ann.id),
                real_author_id=UUID(ann.id),
                group_id=group_id,
                text=f"announcement {n}",
                email_immediately=True,
            ),
        )
    await caught_up(plein)

    async def two_pushed() -> list[Received]:
        got = receiver.to(browser)
        assert len(got) == 2
        return got

    pushed = await eventually(two_pushed)
    key = await public_key(plein)
    assert sorted(receiver.open(p, key)["body"] for p in pushed) == [
        "announcement 0",
        "announcement 1",
    ]
    async with notify(plein).ctx.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT n.excerpt, n.in_digest FROM notifications n WHERE n.recipient_id = %s "
            "AND n.kind = 'announcement' ORDER BY n.excerpt",
            (bob.id,),
        )
        assert await cur.fetchall() == [
            ("announcement 0", False),
            ("announcement 1", False),
            ("announcement 2", True),  # held back: in the app and the digest only
        ]
        cur = await conn.execute(
            "SELECT recipient_id::text, only_if_unread, count(*) FROM email_queue "
            "WHERE recipient_id = ANY(%s) GROUP BY 1, 2",
            ([bob.id, cas.id],),
        )
        # Cas's first two at once; Bob's went by push, each e-mailed later only if unopened.
        assert sorted(await cur.fetchall()) == sorted([(cas.id, False, 2), (bob.id, True, 2)])
    held = await plein.http.get("/notify/announcements/held-back", headers=cm.auth)
    assert held.status_code == 200, held.text
    assert [(g["group_id"], g["held_back"], g["people"]) for g in held.json()] == [
        (str(group_id), 2, 2)
    ]
    refused = await plein.http.get("/notify/announcements/held-back", headers=bob.auth)
    assert refused.status_code == 403
    await notify(plein).pusher.send_due()
    assert len(receiver.to(browser)) == 2
