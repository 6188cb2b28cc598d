"""Web Push rules without servers: endpoints, device names, what a push says, the fallback to
e-mail for a person without a device."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from plein_notify import recipients
from plein_notify.domain import Channel, Kind
from plein_notify.push import device_name, endpoint_refusal, payload, retry_after
from plein_notify.recipients import NewNotification

PUBLIC = ["142.250.179.170"]


def test_only_https_endpoints_on_public_addresses_are_accepted() -> None:
    assert endpoint_refusal("https://fcm.googleapis.com/fcm/send/x", PUBLIC, set()) is None
    assert endpoint_refusal("http://fcm.googleapis.com/fcm/send/x", PUBLIC, set())
    assert endpoint_refusal("https://push.intranet/x", ["10.0.0.7"], set())
    assert endpoint_refusal("https://push.example/x", [*PUBLIC, "127.0.0.1"], set())
    assert endpoint_refusal("https://push.example/x", ["fe80::1%eth0"], set())
    # Loopback through NAT64 and IPv4-mapped forms (Python calls the NAT64 one global).
    assert endpoint_refusal("https://push.example/x", ["64:ff9b::7f00:1"], set())
    assert endpoint_refusal("https://push.example/x", ["::ffff:169.254.169.254"], set())
    assert endpoint_refusal("https://unknown.example/x", [], set())
    assert endpoint_refusal("https://push.example/a\x00b", PUBLIC, set())
    assert endpoint_refusal("https://[::1/x", PUBLIC, set())


def test_an_allow_listed_host_may_be_private_and_plain_http() -> None:
    assert endpoint_refusal("http://127.0.0.1:8080/push/1", [], {"127.0.0.1"}) is None
    assert endpoint_refusal("http://127.0.0.2:8080/push/1", [], {"127.0.0.1"})


def test_a_device_is_named_by_its_browser_and_system() -> None:
    android = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/131.0 Mobile"
    assert device_name(android) == "Chrome on Android"
    edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0 Safari/537.36 Edg/131.0"
    assert device_name(edge) == "Edge on Windows"
    assert device_name("") == "Browser"


def test_a_private_groups_text_is_left_out_unless_previews_are_allowed() -> None:
    view = {"id": uuid4(), "kind": "reply", "text": "Ann replied", "excerpt": "secret plans"}
    url = "https://plein.example/posts/1"
    assert "body" not in payload(view, url=url, group_private=True, private_previews=False)
    allowed = payload(view, url=url, group_private=True, private_previews=True)
    assert allowed["body"] == "secret plans"
    assert payload(view, url=url, group_private=False, private_previews=False)["body"]


def test_failed_pushes_wait_longer_each_time() -> None:
    assert retry_after(1) < retry_after(2) < retry_after(3)


def test_push_goes_to_a_device_or_else_by_email_never_both() -> None:
    someone = uuid4()
    told = NewNotification(
        recipient_id=someone, kind=Kind.REPLY, group_key="k", cause_key="c", at=datetime.now(UTC)
    )
    choices = {(someone, Kind.REPLY): Channel.PUSH.value}
    [pushed] = recipients.deliveries([told], choices, with_devices={someone})
    assert pushed.push and pushed.email_due is None
    [mailed] = recipients.deliveries([told], choices, with_devices=set())
    assert not mailed.push and mailed.email_due == told.at


def test_a_push_is_followed_by_an_e_mail_later_only_if_still_unread() -> None:
    someone = uuid4()
    told = NewNotification(
        recipient_id=someone, kind=Kind.REPLY, group_key="k", cause_key="c", at=datetime.now(UTC)
    )
    choices = {(someone, Kind.REPLY): Channel.PUSH.value}
    wait = timedelta(minutes=30)
    [pushed] = recipients.deliveries([told], choices, with_devices={someone}, push_fallback=wait)
    assert pushed.push and pushed.email_due == told.at + wait and pushed.email_if_unread
    [mailed] = recipients.deliveries([told], choices, with_devices=set(), push_fallback=wait)
    assert mailed.email_due == told.at and not mailed.email_if_unread  # no device: at once
    # An announcement's own later e-mail stays the later of the two.
    later = told.at + timedelta(hours=2)
    [announced] = recipients.deliveries(
        [told], choices, with_devices={someone}, push_fallback=wait, email_at=later
    )
    assert announced.email_due == later


def test_an_announcement_over_the_weeks_budget_goes_to_the_digest_only() -> None:
    someone = uuid4()

    def announced(n: int) -> NewNotification:
        return NewNotification(
            recipient_id=someone,
            kind=Kind.ANNOUNCEMENT,
            group_key=f"a{n}",
            cause_key=f"c{n}",
            at=datetime.now(UTC),
        )

    choices = {(someone, Kind.ANNOUNCEMENT): None}  # the default: e-mail
    chosen = recipients.deliveries([announced(1), announced(2)], choices)
    going, counted = recipients.within_budget(chosen, {someone: 1}, budget=2)
    assert going[0].email_due is not None and going[0].channel is Channel.EMAIL
    assert going[1].email_due is None and going[1].channel is Channel.DIGEST
    assert [held for _, held in counted] == [False, True]
