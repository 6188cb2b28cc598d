"""`plein run` with its embedded servers stops them when it is stopped, by Ctrl-C or SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import httpx
import pytest
from plein_platform.embedded import free_port, port_open

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
async def test_stopping_plein_run_stops_its_embedded_servers(
    tmp_path: Path, stop_signal: signal.Signals
) -> None:
    data_dir = tmp_path / ".plein"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("PLEIN_DATABASE_URL", "PLEIN_NATS_URL")}
    env.update(PLEIN_DATA_DIR=str(data_dir), PLEIN_LOG_LEVEL="WARNING")
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "plein_platform.cli", "run", "--service", "feed"),
        *("--port", str(port), "--no-seed"),
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stderr is not None
    errors = asyncio.create_task(process.stderr.read())  # drained all along: a full pipe blocks
    try:
        async with asyncio.timeout(90), httpx.AsyncClient() as http:
            while True:
                if process.returncode is not None:
                    pytest.fail((await errors).decode())
                try:
                    if (await http.get(f"http://127.0.0.1:{port}/health")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.2)
        nats_url = (data_dir / "nats.url").read_text().strip()
        nats_host, _, nats_port = nats_url.removeprefix("nats://").partition(":")
        assert (data_dir / "postgres" / "postmaster.pid").exists()

        process.send_signal(stop_signal)
        async with asyncio.timeout(60):
            await process.wait()
        assert not (data_dir / "postgres" / "postmaster.pid").exists(), (await errors).decode()
        assert not port_open(nats_host, int(nats_port))
        assert not (data_dir / "nats.url").exists()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
