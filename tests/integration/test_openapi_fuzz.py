"""Every service against its own OpenAPI, with generated requests (schemathesis), signed in as
a demo member and as the demo network admin: no 5xx, every answer as documented (status,
content type, body schema), and every error a problem document.

Bounded for CI: a few examples per operation (PLEIN_FUZZ_EXAMPLES, default 4), against one
`plein run` with its embedded servers and the demo organisation.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from plein_demo import DEMO_PASSWORD
from plein_platform.embedded import free_port
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = pytest.mark.integration

EXAMPLES = int(os.environ.get("PLEIN_FUZZ_EXAMPLES", "4"))
# An endless Server-Sent Events stream has no response to check.
SKIPPED = {("GET", "/stream")}


@dataclass
class Running:
    base_url: str
    member: dict[str, str]
    admin: dict[str, str]


def _token(http: httpx.Client, handle: str) -> dict[str, str]:
    response = http.post(
        "/api/identity/tokens",
        json={"email": f"{handle}@example.com", "password": DEMO_PASSWORD},
    )
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """`plein run` with the demo organisation (ann is its network admin, bob a member)."""
    data_dir: Path = tmp_path_factory.mktemp("fuzz") / ".plein"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("PLEIN_DATABASE_URL", "PLEIN_NATS_URL")}
    env.update(PLEIN_DATA_DIR=str(data_dir), PLEIN_LOG_LEVEL="ERROR")
    process = subprocess.Popen(
        [sys.executable, "-m", "plein_platform.cli", "run", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base_url, timeout=30) as http:
            deadline = time.monotonic() + 180
            while True:  # until the demo is seeded and its people can sign in
                assert process.poll() is None, "plein run stopped"
                assert time.monotonic() < deadline, "plein run did not come up"
                try:
                    member, admin = _token(http, "bob"), _token(http, "ann")
                    break
                except httpx.HTTPError:
                    time.sleep(0.5)
        yield Running(base_url, member, admin)
    finally:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _schema(running: Running, name: str) -> Any:
    return schemathesis.openapi.from_url(f"{running.base_url}/api/{name}/openapi.json")


def _is_problem(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every error answers an RFC 9457 problem document."""
    if response.status_code < 400:
        return None
    content_type = response.headers.get("content-type", [""])
    content_type = content_type[0] if isinstance(content_type, list) else content_type
    assert content_type.startswith("application/problem+json"), (
        f"{response.status_code} answered as {content_type!r}"
    )
    body = response.json()
    assert body.get("status") == response.status_code and body.get("title"), body
    return True


def _check(case: Any, running: Running, name: str) -> None:
    for who in (running.member, running.admin):
        case.call_and_validate(
            base_url=f"{running.base_url}/api/{name}",
            headers={**(case.headers or {}), **who},
            checks=[
                schemathesis.checks.not_a_server_error,
                status_code_conformance,
                content_type_conformance,
                response_schema_conformance,
            ],
            additional_checks=[schemathesis.check(_is_problem)],
            timeout=30,
        )


SERVICES = ["identity", "posts", "feed", "notify", "metrics"]


@pytest.mark.parametrize("name", SERVICES)
def test_every_operation_answers_as_the_openapi_says(running: Running, name: str) -> None:
    schema = _schema(running, name)
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def answers_as_documented(case: Any) -> None:
            _check(case, running, name)

        try:
            answers_as_documented()
        except (Exception, BaseExceptionGroup) as error:  # collect all: one run shows every lie
            failures.append(f"{operation.method.upper()} {operation.path}: {error}"[:3000])
    assert not failures, "\n\n".join(failures)
