"""Logging never holds up requests, and a logged error keeps its (bounded) stack in every format."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import threading
from collections.abc import Iterator

import httpx
import pytest
import structlog
from plein_platform.settings import Settings
from plein_platform.telemetry import TRACEBACK_MAX_CHARS, configure_logging, stop_logging
from plein_testdata.servers import Servers, fresh_database, fresh_streams, start_plein


class StuckSink(io.StringIO):
    """A log destination whose first write of an unhandled error waits until it is released:
    a terminal or a pipe that is slow to drain, made deterministic."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = threading.Event()
        self.released = threading.Event()

    def write(self, text: str) -> int:
        if "unhandled error" in text and not self.entered.is_set():
            self.entered.set()
            self.released.wait(timeout=60)  # bounds the failure, never the success
        return super().write(text)


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    stop_logging()
    root.handlers[:] = handlers
    root.setLevel(level)
    structlog.reset_defaults()


async def test_an_unhandled_error_being_logged_does_not_stall_other_requests(
    servers: Servers, restore_logging: None
) -> None:
    sink = StuckSink()
    configure_logging(Settings(log_format="console"), stream=sink)
    database_url = await fresh_database(servers)
    await fresh_streams(servers.nats_url)
    plein = await start_plein(database_url, servers.nats_url, services=["identity"])
    try:

        async def boom() -> None:
            big = "x" * 5_000_000  # a local no log line may carry
            raise RuntimeError(f"bug with {len(big)} bytes in scope")

        plein.runtime.service("identity").app.add_api_route("/boom", boom)
        answered_while_stuck: list[int] = []

        def ask_health_while_the_sink_is_stuck() -> None:
            assert sink.entered.wait(timeout=60)
            # From another thread: if the event loop is the one stuck writing, this times out.
            try:
                response = httpx.get(f"{plein.base_url}/api/identity/health", timeout=15)
                answered_while_stuck.append(response.status_code)
            except httpx.TimeoutException:
                pass
            finally:
                sink.released.set()

        helper = threading.Thread(target=ask_health_while_the_sink_is_stuck)
        helper.start()
        response = await plein.http.get("/identity/boom")
        await asyncio.to_thread(helper.join)
        assert response.status_code == 500
        assert response.headers["content-type"] == "application/problem+json"
        assert answered_while_stuck == [200]
    finally:
        await plein.http.aclose()
        await plein.stop()


def _log_an_error(stream: io.StringIO, log_format: str) -> str:
    configure_logging(Settings(log_format=log_format), stream=stream)

    def deep(n: int) -> None:
        secret_local = "s3cr3t-local-value" * 100_000
        if n == 0:
            raise ValueError(f"failed holding {len(secret_local)} characters")
        deep(n - 1)

    try:
        deep(200)
    except ValueError:
        structlog.get_logger("test").exception("unhandled error", path="/x")
    stop_logging()  # writes what is queued
    return stream.getvalue()


@pytest.mark.parametrize("log_format", ["json", "console"])
def test_a_logged_error_keeps_a_bounded_stack_without_locals(
    log_format: str, restore_logging: None
) -> None:
    output = _log_an_error(io.StringIO(), log_format)
    assert "Traceback" in output
    assert "ValueError: failed holding" in output
    assert "in deep" in output
    assert "s3cr3t-local-value" not in output
    assert len(output) < TRACEBACK_MAX_CHARS + 2_000


def test_json_logs_carry_the_stack_as_text(restore_logging: None) -> None:
    line = json.loads(_log_an_error(io.StringIO(), "json").strip().splitlines()[-1])
    assert line["event"] == "unhandled error"
    assert "ValueError: failed holding" in line["exception"]
