"""The hand-built history every KPI test uses; its expected values are worked out by hand in
test_domain.py (period 2026-01-05..2026-01-18, two whole weeks)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
from plein_events import Envelope
from plein_testdata.metrics import EventLog


def jan(day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, 1, day, hour, minute, tzinfo=UTC)


@dataclass
class History:
    log: EventLog
    ids: dict[str, UUID] = field(default_factory=dict)

    @property
    def envelopes(self) -> list[Envelope]:
        return self.log.envelopes


def build_history() -> History:
    log = EventLog("hand")
    h = History(log)
    ids = h.ids
    before = datetime(2025, 12, 1, tzinfo=UTC)
    for name, dept, manager in [
        ("a", "Sales", True),
        ("b", "Sales", False),
        ("c", "Sales", False),
        ("d", "IT", True),
        ("e", "IT", False),
        ("f", "IT", False),
        ("x", "Sales", False),
        ("z", "HR", False),
    ]:
        ids[name] = log.person(name, before, dept, manager)
    ids["g"] = log.person("g", jan(6, 8), "HR")  # registered in the period: a cohort
    ids["h"] = log.person("h", jan(7, 8), "HR")
    ids["y"] = log.person("y", jan(20), "IT")  # after the period
    a, b, c, d, e, f, g, hh, x, z = (ids[n] for n in "abcdefghxz")
    log.deactivate(x, datetime(2025, 12, 20, tzinfo=UTC))  # gone before the period
    log.deactivate(z, jan(10))  # gone during it: still counts
    ids["G1"] = g1 = log.group("Sales team", before)
    ids["P1"] = p1 = log.group("Leadership", before, private=True)
    for m in (a, b, c):
        log.join(g1, m, before)
    log.join(p1, a, before, admin=True)
    log.join(p1, d, before)

    ids["p0"] = log.post("p0", b, jan(2, 9))  # before the period: only MAU sees it
    ids["p1"] = post1 = log.post("p1", a, jan(5, 9), group=g1)
    ids["r1"] = r1 = log.reply("r1", b, jan(5, 10), post1, a, group=g1)
    log.reply("r2", a, jan(5, 11), post1, a, r1, b, group=g1)
    log.react(c, jan(5, 12), post1, a, group=g1)
    log.seen(b, jan(5, 13), post1, UUID(int=0))  # second id: a post metrics never saw
    log.react(e, jan(6, 8), post1, a, group=g1)
    log.react(e, jan(6, 8, 5), post1, a, previous="like", group=g1)  # a change: not counted
    ids["q1"] = q1 = log.post("q1", d, jan(6, 9), kind="question")
    log.reply("r6", d, jan(6, 9, 30), post1, a, group=g1)
    log.seen(g, jan(6, 10), post1)
    log.seen(z, jan(6, 10), post1)
    e_q1 = log.escalate("e-q1", q1, jan(7, 9))
    ids["r3"] = r3 = log.reply("r3", e, jan(7, 12), q1, d, kind="question")
    log.resolve(e_q1, q1, jan(7, 12))
    log.accept(q1, r3, e, d, jan(7, 13))
    ids["q2"] = q2 = log.post("q2", c, jan(8, 9), kind="question")
    log.seen(hh, jan(8, 10), q1)
    ids["p2"] = post2 = log.post("p2", d, jan(9, 9), group=p1, private=True)
    log.reply("r4", a, jan(9, 10), post2, d, group=p1, private=True)
    log.reply("r5", f, jan(9, 11), post2, d, group=p1, private=True)  # not a member: ignored
    log.seen(e, jan(9, 12), post2)  # not a member: ignored
    log.escalate("e-q2", q2, jan(10, 9))
    for day in (12, 13, 14, 15, 16):
        log.post(f"ann{day}", a, jan(day, 9), kind="announcement", group=g1)
    log.post("annP", d, jan(12, 10), kind="announcement", group=p1, private=True)
    log.seen(f, jan(13, 10), post1)
    log.post("pr1", g, jan(14, 9), kind="praise")
    log.post("late", a, jan(19, 9))  # after the period
    return h


@pytest.fixture
def history() -> History:
    return build_history()


async def publish(nats_url: str, envelopes: list[Envelope]) -> int:
    """Publish hand-built contract events onto the real stream; returns the last sequence."""
    from plein_platform.runtime import connect_nats
    from plein_testdata.servers import publish as publish_one

    nc = await connect_nats(nats_url, name="metrics-test-publisher")
    try:
        js = nc.jetstream()
        last = 0
        for start in range(0, len(envelopes), 500):
            published = await asyncio.gather(
                *(publish_one(js, env) for env in envelopes[start : start + 500])
            )
            last = max([last, *(p.seq for p in published)])
        return last
    finally:
        await nc.close()


async def caught_up(plein: Any, seq: int, projection: str = "metrics") -> None:
    """Wait until the metrics projection has applied the stream up to `seq`."""
    from plein_testdata.servers import eventually

    runner = plein.runtime.service("metrics").runners[projection]

    async def applied() -> None:
        assert await runner.position() >= seq

    await eventually(applied, timeout_s=60)
