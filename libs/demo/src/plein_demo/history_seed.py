"""Carry out the planned twelve weeks (history.py) through the services' own HTTP API, in
process, each request at its moment in the past (plein_events.clock.at): every rule a real
person meets is checked, and every event leaves the outbox with its historic `occurred_at`.

Requests run several at a time (they wait on PostgreSQL and NATS more than on the CPU); the
order within one thread (its start, then its replies in turn, then what answers them) is kept.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar

import httpx
from plein_events import clock

from .history import ALL_COMPANY, History, Read, Reply, Start

T = TypeVar("T")
AT_ONCE = 6  # requests in flight: enough to overlap the waits, few enough to keep order cheap
REFUSED_FOR_NOW = {403, 404, 409}  # a projection that has not caught up yet


class Historian:
    """Writes a history as its people, each request at its moment."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        people: dict[str, dict[str, str]],
        groups: dict[str, str],
        say: Callable[[str], None],
    ) -> None:
        """`people`: handle -> {"id", "token"}; `groups`: department or ALL_COMPANY -> id."""
        self.http = http
        self.people = people
        self.groups = groups
        self.say = say
        self.thread_ids: dict[int, str] = {}
        self.reply_ids: dict[int, str] = {}

    async def call(
        self, at: datetime, handle: str, method: str, path: str, json: Any = None
    ) -> httpx.Response:
        with clock.at(at):
            return await self.http.request(
                method,
                path,
                json=json,
                headers={"Authorization": f"Bearer {self.people[handle]['token']}"},
            )

    async def write(self, history: History) -> None:
        started = time.monotonic()
        await at_most(AT_ONCE, (self.start(s) for s in history.starts))
        by_thread: dict[int, list[Reply]] = defaultdict(list)
        for reply in sorted(history.replies, key=lambda r: (r.at, r.key)):
            by_thread[reply.thread].append(reply)
        await at_most(AT_ONCE, (self.replies(rs) for rs in by_thread.values()))
        self.say(
            f"history: {len(history.starts)} threads, {len(history.replies)} replies "
            f"({time.monotonic() - started:.0f} s)"
        )
        on_posts = [a for a in history.acts if a.kind in ("reaction", "accept", "vote")]
        await at_most(AT_ONCE, (self.act(a.at, a.who, a.thread, a.kind, a.value) for a in on_posts))
        await caught_up(self.http, "feed")
        await at_most(AT_ONCE, (self.read(r) for r in history.reads))
        acks = history.acts_of("acknowledge")
        await at_most(AT_ONCE, (self.act(a.at, a.who, a.thread, a.kind) for a in acks))
        self.say(
            f"history: {len(on_posts)} reactions, answers and votes, {len(history.reads)} read "
            f"reports, {len(acks)} acknowledgements ({time.monotonic() - started:.0f} s)"
        )
        await caught_up(self.http, "notify")
        for escalation in history.acts_of("escalate"):
            await self.act(escalation.at, escalation.who, escalation.thread, "escalate")

    async def start(self, thread: Start) -> None:
        group_id = self.groups.get(thread.group) if thread.group else None
        body: dict[str, Any]
        if thread.kind in ("post", "question"):
            path, body = "/posts/posts", {"text": thread.text, "kind": thread.kind}
        elif thread.kind == "announcement":
            path, body = "/posts/announcements", {"title": thread.title, "text": thread.text}
        elif thread.kind == "poll":
            path, body = "/posts/polls", {"question": thread.text, "options": [*thread.options]}
        else:
            praised = [self.people[h]["id"] for h in thread.praised]
            path = "/posts/praise"
            body = {"praised_ids": praised, "badge": thread.badge, "text": thread.text}
        if group_id is not None:
            body["group_id"] = group_id
        response = await self.retried(
            lambda: self.call(thread.at, thread.author, "POST", path, body)
        )
        self.thread_ids[thread.key] = response.json()["id"]

    async def replies(self, replies: list[Reply]) -> None:
        for reply in replies:
            post_id = self.thread_ids[reply.thread]
            body = {"text": reply.text, "parent_id": self.reply_ids.get(reply.parent or -1)}
            response = await self.call(
                reply.at, reply.author, "POST", f"/posts/posts/{post_id}/replies", body
            )
            response.raise_for_status()
            self.reply_ids[reply.key] = response.json()["reply_id"]

    async def act(
        self, at: datetime, who: str, thread: int, kind: str, value: str | int | None = None
    ) -> None:
        post_id = self.thread_ids[thread]
        body: Any = None
        if kind == "reaction":
            method, path, body = "PUT", f"/posts/posts/{post_id}/reaction", {"reaction": value}
        elif kind == "accept":
            method, path = "PUT", f"/posts/posts/{post_id}/best-answer"
            body = {"reply_id": self.reply_ids[int(value or 0)]}
        elif kind == "vote":
            method, path, body = "POST", f"/posts/posts/{post_id}/votes", {"option": value}
        elif kind == "acknowledge":
            method, path = "POST", f"/feed/announcements/{post_id}/acknowledgement"
        else:
            method, path, body = "POST", "/notify/escalations", {"post_id": post_id}
        # notify's scheduler may have escalated a question already (409): the same story
        done = {409} if kind == "escalate" else set()
        await self.retried(lambda: self.call(at, who, method, path, body), done=done)

    async def read(self, read: Read) -> None:
        body = {"post_ids": [self.thread_ids[k] for k in read.threads]}
        await self.retried(lambda: self.call(read.at, read.who, "POST", "/feed/seen", body))

    async def retried(
        self,
        request: Callable[[], Awaitable[httpx.Response]],
        done: Iterable[int] = (),
        attempts: int = 100,
    ) -> httpx.Response:
        """`request`, again while a service has not yet read the events it needs (it learns
        of people, groups and posts from the stream, a moment after they were written)."""
        finished = set(done)
        for _ in range(attempts):
            response = await request()
            if response.is_success or response.status_code in finished:
                return response
            if response.status_code not in REFUSED_FOR_NOW:
                response.raise_for_status()
            await asyncio.sleep(0.1)
        response.raise_for_status()
        return response


async def at_most(limit: int, work: Iterable[Awaitable[T]]) -> list[T]:
    """Await every one of `work`, `limit` at a time."""
    gate = asyncio.Semaphore(limit)

    async def one(item: Awaitable[T]) -> T:
        async with gate:
            return await item

    return await asyncio.gather(*(one(item) for item in work))


async def caught_up(http: httpx.AsyncClient, service: str, timeout_s: float = 60.0) -> None:
    """Wait until `service` has read every event in the stream (its projections' lag is 0)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        response = await http.get(f"/{service}/ready")
        if response.status_code == 200:
            lags = [p.get("lag") for p in response.json().get("projections", [])]
            if lags and all(lag == 0 for lag in lags):
                return
        await asyncio.sleep(0.2)


__all__ = ["ALL_COMPANY", "Historian", "at_most", "caught_up"]
