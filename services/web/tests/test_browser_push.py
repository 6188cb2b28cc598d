"""Push in the web client, in Debian's Chromium: the settings page offers push on this device,
forwards a browser's push subscription to notify (the page holds no token), lists the device
and removes it; a refused endpoint reads as a sentence; a push's click marks its entry read and
opens its thread, and follows only Plein's own pages."""

from __future__ import annotations

import base64
import os
import re
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from .conftest import Demo

pytestmark = pytest.mark.services("identity", "posts", "feed", "notify", "web")


def fake_subscription(endpoint: str) -> dict[str, Any]:
    """What a browser's PushSubscription.toJSON() gives: an endpoint and its keys."""
    public = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )

    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    return {"endpoint": endpoint, "keys": {"p256dh": b64(public), "auth": b64(os.urandom(16))}}


POST_SUBSCRIPTION = """async (subscription) => {
  const answer = await fetch("/settings/devices", {
    method: "POST", credentials: "same-origin",
    headers: {"Content-Type": "application/json", "X-CSRF-Token": document.body.dataset.csrf},
    body: JSON.stringify(subscription),
  });
  return {status: answer.status, body: await answer.json()};
}"""


async def test_a_device_is_turned_on_listed_and_removed_from_settings(
    demo: Demo, visitors: Any
) -> None:
    demo.plein.runtime.service("notify").settings.push_allow = "127.0.0.1"  # type: ignore[attr-defined]
    visitor = await visitors("desktop")
    await visitor.sign_in("bob")
    await visitor.goto("/settings")
    page = visitor.page
    await page.get_by_role("heading", name="Push notifications").wait_for()
    assert await page.get_by_role("button", name="Turn on push on this device").is_visible()

    refused = await page.evaluate(POST_SUBSCRIPTION, fake_subscription("https://10.0.0.9/push/1"))
    assert refused["status"] == 422
    assert refused["body"]["message"] == "This browser's push service is not one Plein may send to."
    visitor.console_errors.clear()  # the browser logs the 422 this test asked for

    added = await page.evaluate(POST_SUBSCRIPTION, fake_subscription("http://127.0.0.1:9/push/bob"))
    assert added["status"] == 201, added
    assert re.fullmatch(r"Push is on for .+\.", added["body"]["message"])
    listed = (await demo.api("bob", "GET", "/notify/push/devices")).json()
    assert len(listed) == 1

    await visitor.goto("/settings")
    device = page.locator("ul.devices li")
    await device.get_by_text(listed[0]["name"]).wait_for()
    await device.get_by_text("not used yet").wait_for()
    await visitor.check("settings-push")
    assert demo.axe_findings == [], "\n".join(demo.axe_findings)
    await device.get_by_role("button", name=f"Remove {listed[0]['name']}").click()
    await page.wait_for_url(re.compile(r"/settings\?saved=true"))
    await page.get_by_text("No device has push on.").wait_for()
    assert (await demo.api("bob", "GET", "/notify/push/devices")).json() == []
    assert not visitor.console_errors


async def test_a_push_click_marks_its_entry_read_and_opens_only_plein_pages(
    demo: Demo, visitors: Any
) -> None:
    inbox = (await demo.api("ann", "GET", "/notify/inbox", params={"unread_only": True})).json()
    entry = next(e for e in inbox["entries"] if e["post_id"])
    visitor = await visitors("desktop")
    await visitor.sign_in("ann")
    thread = f"/posts/{entry['post_id']}"
    await visitor.goto(f"/notifications/{entry['id']}/open?next={thread}")
    assert visitor.page.url.endswith(thread)
    after = (await demo.api("ann", "GET", "/notify/inbox")).json()["entries"]
    assert next(e for e in after if e["id"] == entry["id"])["unread"] is False

    await visitor.goto(f"/notifications/{entry['id']}/open?next=//evil.example/")
    assert visitor.page.url == demo.base_url + "/notifications"
