"""Benchmark: Web Push from notify's push queue to a push receiver on loopback, encryption
(RFC 8291 aes128gcm, per device) and VAPID signing (RFC 8292) included, next to a baseline
measured in the same run: the same number of plain HTTP POSTs of the same size to the same
receiver, with the same client and concurrency (what the network part alone costs).

The workload is an all-company announcement: one notification per person, each person with one
device, queued by notify's own `store.add_notifications` (as the projection does) and sent by
the real push worker (`Pusher.send_due`). Reported: pushes/s, the cost per push, the ratio to
the baseline, and the time the whole announcement took to reach every device.

    uv run python bench/push.py --devices 10000
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from uuid import uuid4

import aiohttp
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from plein_notify import store
from plein_notify.domain import Channel, Kind
from plein_notify.pusher import Pusher
from plein_notify.recipients import Delivery, NewNotification
from plein_notify.service import NotifyService
from plein_notify.settings import NotifySettings
from plein_platform.database import migrate, platform_migrations, schema_pool
from plein_platform.embedded import embedded_postgres, free_port
from rich.console import Console
from rich.table import Table

console = Console()
SCHEMA = "notify"
CONCURRENCY = 200  # what one send_due batch sends at once


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


async def receiver(port: int, arrived: dict[str, float]) -> tuple[web.AppRunner, list[int]]:
    """A push service on loopback that accepts everything, counts, and notes when each token
    arrived (`arrived`)."""
    got = [0]

    async def accept(request: web.Request) -> web.Response:
        await request.read()
        got[0] += 1
        arrived[request.match_info["token"]] = time.perf_counter()
        return web.Response(status=201)

    app = web.Application()
    app.router.add_post("/push/{token}", accept)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, got


async def baseline(port: int, n: int, size: int) -> float:
    """Plain POSTs of `size` bytes, CONCURRENCY at a time: posts/s."""
    body = os.urandom(size)
    started = time.perf_counter()
    async with aiohttp.ClientSession() as session:
        for start in range(0, n, CONCURRENCY):

            async def post(i: int) -> None:
                async with session.post(f"http://127.0.0.1:{port}/push/plain{i}", data=body) as r:
                    assert r.status == 201

            await asyncio.gather(*(post(i) for i in range(start, min(n, start + CONCURRENCY))))
    return n / (time.perf_counter() - started)


async def queue_pushes(
    pool: Any, port: int, n: int, at: datetime, kind: Kind = Kind.ANNOUNCEMENT, tag: str = ""
) -> None:
    """n people with a device each, and a notification of `kind` queued for every one."""
    people = [uuid4() for _ in range(n)]
    keys = [
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        for _ in range(n)
    ]
    async with pool.connection() as conn, conn.transaction():
        await conn.execute(
            "INSERT INTO people (user_id, display_name, email) SELECT u, 'Person', 'p@example.com' "
            "FROM unnest(%s::uuid[]) AS u",
            (people,),
        )
        async with conn.cursor() as cur:
            await cur.executemany(
                "INSERT INTO push_subscriptions (id, user_id, endpoint, p256dh, auth, "
                "device_name, created_at) VALUES (%s, %s, %s, %s, %s, 'Bench', %s)",
                [
                    (
                        uuid4(),
                        p,
                        f"http://127.0.0.1:{port}/push/{tag}{i}",
                        b64(k),
                        b64(os.urandom(16)),
                        at,
                    )
                    for i, (p, k) in enumerate(zip(people, keys, strict=True))
                ],
            )
        post_id, author = uuid4(), uuid4()
        told = [
            Delivery(
                NewNotification(
                    recipient_id=p,
                    kind=kind,
                    group_key=f"{kind.value}:{post_id}",
                    cause_key=f"bench:{p}",
                    at=at,
                    actor_id=author,
                    post_id=post_id,
                    own_post=False,
                    excerpt="The office is closed on Friday for the move.",
                ),
                Channel.PUSH,
                None,
                True,
            )
            for p in people
        ]
        await store.add_notifications(conn, told)


async def main(n: int, out: Path) -> None:
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="plein-bench-")))
        database_url = stack.enter_context(embedded_postgres(tmp / "postgres"))
        await migrate(
            database_url,
            SCHEMA,
            [("platform", platform_migrations()), ("notify", NotifyService().migrations())],
        )
        pool = schema_pool(database_url, SCHEMA, max_size=8)
        await pool.open()
        port = free_port()
        arrived: dict[str, float] = {}
        runner, got = await receiver(port, arrived)
        at = datetime.now(UTC)

        settings = NotifySettings(push_allow="127.0.0.1")
        service: Any = SimpleNamespace(
            ctx=SimpleNamespace(
                pool=pool, settings=SimpleNamespace(base_url="https://plein.example")
            ),
            settings=settings,
            signals=None,
        )
        pusher = Pusher(service, lambda: datetime.now(UTC))
        await pusher.keys()  # made once and kept, as at an instance's first start
        await queue_pushes(pool, port, n, at)

        started = time.perf_counter()
        sending = asyncio.create_task(pusher.send_due(batch=CONCURRENCY))
        # While the announcement goes out, a reply to someone else is queued: how long until
        # it reaches their device?
        await asyncio.sleep(min(2.0, n / 1000))
        reply_queued = time.perf_counter()
        await queue_pushes(pool, port, 1, datetime.now(UTC), Kind.REPLY, tag="reply")
        sent = await sending
        sent += await pusher.send_due(batch=CONCURRENCY)  # if it came after the last batch
        arrived_last = max(t for k, t in arrived.items() if not k.startswith("reply"))
        pushed_s = arrived_last - started
        reply_delay_s = arrived["reply0"] - reply_queued
        assert sent == n + 1 == got[0], (sent, n, got[0])
        size = 0
        async with pool.connection() as conn:
            cur = await conn.execute("SELECT count(*) FROM push_queue WHERE sent_at IS NULL")
            row = await cur.fetchone()
            assert row is not None and row[0] == 0
        # What a push weighs on the wire: aes128gcm adds a 86-byte header and a 17-byte tag.
        size = len(json.dumps({"kind": "announcement", "title": "x" * 40, "url": "x" * 60})) + 103
        plain = await baseline(port, n, size)
        await runner.cleanup()
        await pool.close()

    rate = n / pushed_s
    table = Table(title="bench/push.py")
    table.add_column("measure")
    table.add_column("per second", justify="right")
    table.add_row("baseline: plain HTTP POSTs to the loopback receiver", f"{plain:,.0f}")
    table.add_row("pushes: encrypted, VAPID-signed, from the queue", f"{rate:,.0f}")
    table.add_row("ratio pushes / baseline", f"{rate / plain:.2f}")
    table.add_row("a reply queued meanwhile reached its device after (s)", f"{reply_delay_s:.2f}")
    console.print(table)
    console.print(
        f"an announcement to {n:,} devices reached all of them in {pushed_s:.1f} s; "
        f"{1000 / rate:.2f} ms per push (encryption and signing included), "
        f"{1000 / plain:.2f} ms per plain POST"
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "devices": n,
                "baseline_posts_per_s": plain,
                "pushes_per_s": rate,
                "ratio": rate / plain,
                "announcement_s": pushed_s,
                "reply_delay_s": reply_delay_s,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=10000)
    parser.add_argument("--out", type=Path, default=Path(".artifacts/bench/push.json"))
    args = parser.parse_args()
    asyncio.run(main(args.devices, args.out))
