"""`plein replay` finishes, or leaves the read model as it was: never half rebuilt."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from plein_events.projection import ProjectionRunner, ReplayAbandoned
from plein_platform.embedded import EmbeddedNats
from plein_testdata.servers import Plein, Servers, eventually, fresh_database, start_plein
from psycopg import sql

PROJECTION = "identity-directory"


def sigkill(nats: EmbeddedNats) -> None:
    assert nats.process is not None
    nats.process.kill()
    nats.process.wait()
    nats.process = None


@pytest.fixture(scope="module")
async def world(
    servers: Servers, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[Plein, EmbeddedNats]]:
    """identity on a NATS of its own (to kill), small batches so a replay takes several."""
    from plein_testdata.servers import harness_settings

    nats = EmbeddedNats(tmp_path_factory.mktemp("replay-nats"))
    nats.start()
    database_url = await fresh_database(servers)
    settings = harness_settings(database_url, nats.url, consumer_batch_size=2)
    plein = await start_plein(database_url, nats.url, settings=settings, services=["identity"])
    try:
        people = [await plein.register(handle) for handle in ("ann", "bob", "chloe", "daan")]
        for follower in people:
            for followee in people[:2]:
                if follower is not followee:
                    response = await plein.http.post(
                        "/identity/me/following",
                        headers=follower.auth,
                        json={"user_id": followee.id},
                    )
                    assert response.status_code == 204, response.text
        runner = directory(plein)
        await eventually(lambda: caught_up(runner))
        await plein.runtime.stop_workers()  # a replay runs with the live runner stopped
        yield plein, nats
    finally:
        await plein.http.aclose()
        await plein.stop()
        nats.stop()


def directory(plein: Plein) -> ProjectionRunner:
    return plein.runtime.service("identity").runners[PROJECTION]


async def caught_up(runner: ProjectionRunner) -> None:
    assert (await runner.status())["lag"] == 0


async def read_model(runner: ProjectionRunner) -> dict[str, Any]:
    """Every row of the projection's tables, and its tracking row."""
    rows: dict[str, Any] = {}
    async with runner.pool.connection() as conn:
        for table in runner.projection.tables:
            cur = await conn.execute(
                sql.SQL("SELECT * FROM {} ORDER BY 1, 2").format(sql.Identifier(table))
            )
            rows[table] = [tuple(map(str, row)) for row in await cur.fetchall()]
    rows["position"] = await runner.position()
    return rows


async def test_a_replay_that_cannot_finish_leaves_the_read_model_as_it_was(
    world: tuple[Plein, EmbeddedNats],
) -> None:
    plein, nats = world
    runner = directory(plein)
    before = await read_model(runner)
    assert before["follows"] and before["position"] > 4

    def kill_nats_midway(done: int, total: int) -> None:
        if done and nats.process is not None:
            sigkill(nats)  # and it does not come back while the replay waits

    try:
        with pytest.raises(ReplayAbandoned) as abandoned:
            await runner.replay(kill_nats_midway, patience_s=1.0)
    finally:
        if nats.process is None:
            nats.start()
    assert 0 < abandoned.value.report.messages < before["position"]
    assert await read_model(runner) == before


async def test_a_replay_resumes_after_nats_is_killed_and_ends_equal_to_the_live_state(
    world: tuple[Plein, EmbeddedNats],
) -> None:
    plein, nats = world
    runner = directory(plein)
    before = await read_model(runner)
    kills = 0

    def kill_and_restart_nats(done: int, total: int) -> None:
        nonlocal kills
        if done and kills < 2:  # twice, after the first batches
            kills += 1
            sigkill(nats)
            nats.start()

    report = await runner.replay(kill_and_restart_nats)
    assert kills == 2 and report.resumes >= 1
    assert report.messages >= before["position"]  # every message, some twice after a resume
    assert await read_model(runner) == before
