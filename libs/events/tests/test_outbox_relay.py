"""The outbox relay against real PostgreSQL (eventsourcing store) and real JetStream."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.domain import Aggregate, event
from plein_events import Envelope, Event, Followed
from plein_events.eventstore import EventStoreOutbox, PleinApplication, eventsourcing_env
from plein_events.relay import OutboxRelay
from plein_events.stream import STREAM_NAME, plein_stream_config
from plein_testdata.servers import eventually

from .conftest import SCHEMA, Bus


class Fan(Aggregate):
    @event("Registered")
    def __init__(self) -> None:
        self.following: list[UUID] = []

    @event("Followed")
    def follow(self, star: UUID) -> None:
        self.following.append(star)


class FanApp(PleinApplication):
    name = "fans"


def to_contract(domain_event: Any) -> Event | None:
    if isinstance(domain_event, Fan.Followed):  # type: ignore[attr-defined]  # made by @event
        return Followed(follower_id=domain_event.originator_id, followee_id=domain_event.star)
    return None


class CrashBeforeRecording(OutboxRelay):
    """A relay that dies after JetStream acked the batch but before it saved its position."""

    async def _record(self, position: int) -> None:
        raise RuntimeError("crashed before recording the position")


async def stream_messages(bus: Bus) -> list[Envelope]:
    info = await bus.js.stream_info(STREAM_NAME)
    if not info.state.messages:
        return []
    out = []
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        msg = await bus.js.get_msg(STREAM_NAME, seq)
        assert msg.data is not None
        out.append(Envelope.model_validate_json(msg.data))
    return out


def fan_app(bus: Bus) -> FanApp:
    return FanApp(env=eventsourcing_env(bus.database_url, SCHEMA))


async def test_relay_publishes_stored_events_in_order_then_records_position(bus: Bus) -> None:
    app = fan_app(bus)
    fan = Fan()
    stars = [uuid4() for _ in range(5)]
    for star in stars:
        fan.follow(star)
    app.save(fan)
    relay = OutboxRelay("outbox:fans", EventStoreOutbox(app, to_contract), bus.pool, bus.js)

    assert await relay.publish_pending() == 6  # Registered stays inside; five Followed leave
    published = await stream_messages(bus)
    assert [e.payload["followee_id"] for e in published] == [str(s) for s in stars]
    assert [e.aggregate_version for e in published] == [2, 3, 4, 5, 6]
    assert await relay.position() == 6
    assert await relay.publish_pending() == 0


async def test_crash_between_publish_and_position_republishes_without_duplicates(bus: Bus) -> None:
    app = fan_app(bus)
    fan = Fan()
    fan.follow(uuid4())
    fan.follow(uuid4())
    app.save(fan)
    outbox = EventStoreOutbox(app, to_contract)

    with pytest.raises(RuntimeError):
        await CrashBeforeRecording("outbox:fans", outbox, bus.pool, bus.js).publish_pending()
    assert len(await stream_messages(bus)) == 2

    restarted = OutboxRelay("outbox:fans", outbox, bus.pool, bus.js)
    assert await restarted.position() == 0
    assert await restarted.publish_pending() == 3
    assert len(await stream_messages(bus)) == 2  # Nats-Msg-Id dropped the copies
    assert await restarted.position() == 3


async def test_relay_run_wakes_on_new_events(bus: Bus) -> None:
    app = fan_app(bus)
    relay = OutboxRelay(
        "outbox:fans", EventStoreOutbox(app, to_contract), bus.pool, bus.js, poll_interval_s=30
    )
    stop = asyncio.Event()
    running = asyncio.create_task(relay.run(stop))
    await asyncio.sleep(0.3)
    fan = Fan()
    fan.follow(uuid4())
    await asyncio.to_thread(app.save, fan)

    async def published() -> None:
        while len(await stream_messages(bus)) < 1:
            await asyncio.sleep(0.05)

    # The poll interval is 30 s: only the event store's NOTIFY can wake the relay this soon.
    await asyncio.wait_for(published(), timeout=5)
    stop.set()
    await asyncio.wait_for(running, timeout=5)


async def test_a_sealer_seals_what_leaves_and_holds_back_until_its_key_is_ready(bus: Bus) -> None:
    from plein_events import UserRegistered
    from plein_events.personal import is_sealed, new_person_key, seal_envelope
    from plein_events.relay import NotReadyToPublish

    key = new_person_key()
    ready = False

    def key_of(person: UUID) -> bytes:
        if not ready:
            raise NotReadyToPublish("key not shared yet")
        return key

    def registered(domain_event: Any) -> Event | None:
        if isinstance(domain_event, Fan.Registered):  # type: ignore[attr-defined]
            return UserRegistered(
                user_id=domain_event.originator_id, email="fan@example.com", display_name="Fan"
            )
        return None

    app = fan_app(bus)
    outbox = EventStoreOutbox(app, registered, lambda env: seal_envelope(env, key_of))
    relay = OutboxRelay("outbox:fans", outbox, bus.pool, bus.js, poll_interval_s=0.1)
    await asyncio.to_thread(app.save, Fan())
    stop = asyncio.Event()
    running = asyncio.create_task(relay.run(stop))
    await asyncio.sleep(0.3)
    assert await stream_messages(bus) == []  # held back, and the relay keeps going
    assert relay.failures == 0
    ready = True

    async def published() -> list[Envelope]:
        while not (messages := await stream_messages(bus)):
            await asyncio.sleep(0.05)
        return messages

    [envelope] = await asyncio.wait_for(published(), timeout=5)
    assert is_sealed(envelope.payload["display_name"]) and is_sealed(envelope.payload["email"])
    stop.set()
    await asyncio.wait_for(running, timeout=5)


async def followed_in_stream(bus: Bus) -> int:
    info = await bus.js.stream_info(STREAM_NAME, subjects_filter=Followed.subject())
    return sum((info.state.subjects or {}).values())


async def test_a_batch_retried_after_the_duplicate_window_puts_no_copy_on_the_stream(
    bus: Bus,
) -> None:
    """A batch whose acks never came (NATS went away) but that landed, retried once the
    stream no longer remembers its ids: the relay looks at the stream before it retries."""
    # A window far shorter than production's ten minutes, so that the test outlives it.
    await bus.js.update_stream(plein_stream_config(duplicate_window_s=0.2))
    app = fan_app(bus)
    fan = Fan()
    for _ in range(3):
        fan.follow(uuid4())
    app.save(fan)
    relay = OutboxRelay(
        "outbox:fans",
        EventStoreOutbox(app, to_contract),
        bus.pool,
        bus.js,
        producer=Followed.producer,
        max_backoff_s=0.05,
    )
    relay.publish_timeout_s = 1e-6  # the batch goes out, its acks come too late: a failure
    stop = asyncio.Event()
    running = asyncio.create_task(relay.run(stop))

    async def landed_and_failed() -> None:
        assert relay.failures >= 1 and await followed_in_stream(bus) == 3

    await eventually(landed_and_failed)

    # The stream forgets the batch's ids: a probe id is accepted again once the window passed.
    probe = {"Nats-Msg-Id": "window-probe"}
    await bus.js.publish("plein.probe.Window", b"{}", headers=probe)

    async def window_passed() -> None:
        assert not (await bus.js.publish("plein.probe.Window", b"{}", headers=probe)).duplicate

    await eventually(window_passed)
    relay.publish_timeout_s = 5.0  # NATS answers again

    async def caught_up() -> None:
        assert await relay.position() == 4

    await eventually(caught_up)
    stop.set()
    await asyncio.wait_for(running, timeout=5)
    assert await followed_in_stream(bus) == 3
