"""The second channel after a push: the e-mail goes only when the push was not opened within
the configured wait, against real PostgreSQL, NATS, SMTP (aiosmtpd) and the loopback push
receiver of test_push.py. A module of its own: test_push.py's module-wide Plein would consume
this test's events from the shared stream too."""

from __future__ import annotations

from typing import Any

import pytest
from plein_testdata.servers import eventually

from .test_push import PushReceiver, Received, public_key, push_on, receiver, reply

__all__ = ["receiver"]  # the module's loopback push receiver, shared from test_push.py

pytestmark = pytest.mark.services("identity", "notify")


async def test_a_push_left_unopened_is_e_mailed_after_the_wait_and_an_opened_one_never(
    world: Any, receiver: PushReceiver
) -> None:
    """One notification on the right channel: the push at once; the e-mail only when the push
    was not opened within `push_email_fallback_s`, never both at once."""
    world.service.settings.push_allow = "127.0.0.1"
    ann = await world.register("ann", "Ann de Vries")
    bob = await world.register("bob", "Bob Smit")
    browser = receiver.browser()
    await push_on(world.plein, bob, browser)
    opened, unopened = reply(bob, ann, "Eerste vraag"), reply(bob, ann, "Tweede vraag")
    await world.publish(opened)
    await world.publish(unopened)
    await world.caught_up()

    async def both_pushed() -> list[Received]:
        got = receiver.to(browser)
        assert len(got) == 2
        return got

    key = await public_key(world.plein)
    pushes = [receiver.open(p, key) for p in await eventually(both_pushed)]
    assert (await world.service.scheduler.tick()).emails_sent == 0  # not at once
    # Bob taps the push about the first reply: the web client marks that entry read.
    first = next(p for p in pushes if p["url"].endswith(str(opened.post_id)))
    response = await world.plein.http.post(f"/notify/inbox/{first['id']}/read", headers=bob.auth)
    assert response.status_code == 204, response.text

    world.clock.advance(minutes=59)
    assert (await world.service.scheduler.tick()).emails_sent == 0  # still within the wait
    world.clock.advance(minutes=2)
    assert (await world.service.scheduler.tick()).emails_sent == 1
    [mail] = world.mail.to(bob.email)
    assert str(unopened.post_id) in str(mail.get_body(("plain",)).get_content())
    assert (await world.service.scheduler.tick()).emails_sent == 0  # and only once
