"""`plein run --workers N`: several processes serve one service on one port."""

from __future__ import annotations

import asyncio
import os
import signal
import sys

import httpx
import pytest
from plein_platform.embedded import free_port
from plein_testdata.servers import Servers, fresh_database, fresh_streams
from prometheus_client.parser import text_string_to_metric_families

pytestmark = pytest.mark.integration


async def health_pid(base: str) -> int:
    """The pid of the worker that answered `/health`, on a new connection (the kernel hands
    each to whichever worker accepts)."""
    async with httpx.AsyncClient(base_url=base) as http:
        response = await http.get("/health")
    assert response.status_code == 200, response.text
    return int(response.json()["pid"])


async def settled_health_requests(base: str) -> float:
    """`health_requests` once two scrapes in a row agree: a request is counted just after its
    answer has gone out, so a scrape right after the answers can be a count short."""
    counted = await health_requests(base)
    while (again := await health_requests(base)) != counted:
        counted = again
    return counted


async def health_requests(base: str) -> float:
    """How many `/health` requests Plein says it answered, from one scrape of `/metrics`."""
    async with httpx.AsyncClient(base_url=base) as http:
        response = await http.get("/metrics")
    assert response.status_code == 200, response.text
    return sum(
        sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
        if sample.name == "plein_http_requests_total" and sample.labels["route"] == "/health"
    )


async def test_two_worker_processes_answer_on_one_port_and_one_scrape_counts_both(
    servers: Servers,
) -> None:
    database_url = await fresh_database(servers)
    await fresh_streams(servers.nats_url)
    port = free_port()
    env = {
        **os.environ,
        "PLEIN_DATABASE_URL": database_url,
        "PLEIN_NATS_URL": servers.nats_url,
        "PLEIN_LOG_LEVEL": "WARNING",
    }
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "plein_platform.cli", "run", "--service", "feed"),
        *("--workers", "2", "--port", str(port), "--no-seed"),
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stderr is not None
    errors = asyncio.create_task(process.stderr.read())  # drained all along: a full pipe blocks
    base = f"http://127.0.0.1:{port}"
    try:
        pids: set[int] = set()
        async with asyncio.timeout(60):
            while len(pids) < 2:
                if process.returncode is not None:  # all of it: an assert message is cut short
                    pytest.fail((await errors).decode())
                # A new connection each time: the kernel hands it to whichever worker accepts.
                async with httpx.AsyncClient(base_url=base) as http:
                    try:
                        answers = await asyncio.gather(
                            *(http.get("/health") for _ in range(20)),
                            *(http.get("/api/feed/ready") for _ in range(5)),
                        )
                    except httpx.TransportError:  # not listening yet
                        await asyncio.sleep(0.2)
                        continue
                if any(a.status_code == 503 for a in answers):  # a worker still starting
                    await asyncio.sleep(0.2)
                    continue
                assert all(a.status_code == 200 for a in answers), [a.text for a in answers]
                pids |= {a.json()["pid"] for a in answers if a.url.path == "/health"}
        assert process.pid not in pids  # the parent only supervises

        # One scrape, answered by one of them, counts what both processes answered.
        async with asyncio.timeout(60):
            while True:
                before = await settled_health_requests(base)
                answered = [await health_pid(base) for _ in range(20)]
                after = await settled_health_requests(base)
                if (
                    len(set(answered)) == 2
                ):  # both took part this time (20 at random: nearly always)
                    break
        assert after - before == len(answered)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 30)
    said = (await errors).decode()
    assert process.returncode == 0, said
    assert "Traceback" not in said, said  # e.g. workers racing to create tables
