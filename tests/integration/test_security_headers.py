"""Every answer carries the security headers, whichever service gives it; HSTS over https
(as a trusted proxy reports it), embedding only from configured origins, tokens never cached."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from plein_testdata.servers import (
    Plein,
    Servers,
    fresh_database,
    fresh_streams,
    harness_settings,
    start_plein,
)


def assert_secure(response: httpx.Response) -> None:
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff", response.request.url
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "frame-ancestors 'self'" in headers["Content-Security-Policy"]


async def test_every_service_answers_with_security_headers_and_tokens_are_not_stored(
    plein: Plein,
) -> None:
    ann = await plein.register("ann")
    answers = [
        await plein.http.get(f"/{name}/health") for name in ("identity", "posts", "feed", "notify")
    ]
    answers.append(await plein.http.get("/feed/home"))  # a 401 problem
    answers.append(await plein.http.get("/posts/search", headers=ann.auth, params={"q": "x"}))
    for response in answers:
        assert_secure(response)
        assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
        assert "Strict-Transport-Security" not in response.headers  # plain http here
    tokens = await plein.http.post(
        "/identity/tokens", json={"email": ann.email, "password": "ann-secret-pw"}
    )
    assert tokens.status_code == 200
    assert_secure(tokens)
    assert tokens.headers["Cache-Control"] == "no-store"
    # A client cannot claim https for itself: only a trusted proxy's word counts.
    claimed = await plein.http.get("/feed/health", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in claimed.headers


async def _started(servers: Servers, **overrides: Any) -> Plein:
    database_url = await fresh_database(servers)
    await fresh_streams(servers.nats_url)
    settings = harness_settings(database_url, servers.nats_url, **overrides)
    return await start_plein(database_url, servers.nats_url, settings=settings)


@pytest.fixture
async def behind_proxy_with_embed(servers: Servers) -> AsyncIterator[Plein]:
    running = await _started(
        servers, trusted_proxies="127.0.0.1", frame_ancestors="https://intranet.example.com"
    )
    try:
        yield running
    finally:
        await running.http.aclose()
        await running.stop()


async def test_https_behind_a_trusted_proxy_gets_hsts_and_embeds_follow_the_settings(
    behind_proxy_with_embed: Plein,
) -> None:
    plein = behind_proxy_with_embed
    response = await plein.http.get("/feed/health", headers={"X-Forwarded-Proto": "https"})
    assert_secure(response)
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    policy = response.headers["Content-Security-Policy"]
    assert policy == "frame-ancestors 'self' https://intranet.example.com"
    assert "X-Frame-Options" not in response.headers  # it cannot name an embedding origin
    plain = await plein.http.get("/feed/health")
    assert "Strict-Transport-Security" not in plain.headers
