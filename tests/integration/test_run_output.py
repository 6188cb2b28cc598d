"""What `plein run` (so `make run`) prints is for a person: short lines, links that answer,
the sign-in hint on every start, one line per e-mail caught, and a quiet Ctrl-C."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from pathlib import Path

import httpx
import pytest
from plein_platform.embedded import free_port
from plein_platform.registry import browser_services, service_names

pytestmark = pytest.mark.integration
READY = "Press Ctrl-C to stop."


async def run_until_ready_then_ctrl_c(
    data_dir: Path, port: int, *, mails: int = 0, until: str = READY
) -> str:
    """Start `plein run`, wait for the line `until` (its banner by default) and `mails` e-mails
    caught, press Ctrl-C (a SIGINT to its whole process group, as a terminal does); returns
    all it printed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLEIN_")}
    env.update(
        PLEIN_DATA_DIR=str(data_dir),
        PLEIN_NOTIFY_SCHEDULER_INTERVAL_S="1",
        COLUMNS="80",
    )
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "plein_platform.cli", "run", "--port", str(port)),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,
    )
    assert process.stdout is not None
    lines: list[str] = []

    async def read() -> None:
        assert process.stdout is not None
        async for line in process.stdout:
            lines.append(line.decode())

    reading = asyncio.create_task(read())
    try:
        # the first start fills the demo's twelve weeks in the background (docs/demo.md)
        async with asyncio.timeout(600):
            while not any(until in line for line in lines) or (
                sum("mail caught" in line for line in lines) < mails
            ):
                assert process.returncode is None, "".join(lines)
                await asyncio.sleep(0.2)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            for link in re.findall(r"http://127\.0\.0\.1:\d+(/api/\w+)\s", "".join(lines)):
                assert (await http.get(link)).status_code == 200, link
        os.killpg(process.pid, signal.SIGINT)
        async with asyncio.timeout(60):
            await process.wait()
        await reading
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    return "".join(lines)


async def test_plein_run_prints_what_a_person_needs_and_stops_quietly(tmp_path: Path) -> None:
    data_dir = tmp_path / ".plein"
    first = await run_until_ready_then_ctrl_c(data_dir, free_port(), mails=1, until="demo: ready")
    again = await run_until_ready_then_ctrl_c(data_dir, free_port())

    for output in (first, again):
        assert "sign in as ann@example.com" in output
        for noise in ("initdb", "Running commandline", "handling connection", "EHLO"):
            assert noise not in output
        for trouble in ("Traceback", "[error", "Warning:", "warnings.warn", "Exception"):
            assert trouble not in output, output
        # A banner line holds its service's link and docs link: none wrapped onto the next.
        services = re.findall(
            r"^  (\w+) +http://\S+/api/(\w+)  \(docs: \S+/api/(\w+)/docs\)$",
            output,
            flags=re.MULTILINE,
        )
        apis = [n for n in service_names() if n not in browser_services()]  # all but web
        assert sorted(s[0] for s in services) == sorted(apis), output
        assert all(a == b == c for a, b, c in services), output
        assert re.search(r"^  web +http://\S+:\d+/  \(Plein in a browser\)$", output, re.M), output
    assert "demo: seeded" in first and "demo: seeded" not in again
    # it answers at once: its banner comes before the demo is filled
    assert first.index(READY) < first.index("demo: history")
    caught = [line for line in first.splitlines() if "mail caught" in line]
    smtp_lines = [line for line in first.splitlines() if "127.0.0.1', " in line]
    assert caught and smtp_lines == []
