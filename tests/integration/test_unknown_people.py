"""A validly signed token of a person identity never registered is 401 on every service;
a person who registered a moment ago is served, even before their registration reached the
service that answers (it waits briefly for it)."""

from __future__ import annotations

import asyncio
import time
from uuid import UUID, uuid4

import jwt
import pytest
from plein_events.identity import UserRegistered
from plein_testdata.servers import Plein, publish

pytestmark = pytest.mark.services("identity", "posts", "feed", "notify", "metrics")

READS = ["/identity/me", "/posts/search?q=x", "/feed/home", "/notify/inbox", "/metrics/kpis"]


async def signed(plein: Plein, sub: str, *, issued_s_ago: float = 0) -> dict[str, str]:
    """A token signed with identity's own key, for `sub`, issued `issued_s_ago`."""
    key = await plein.runtime.service("identity").keys.current()  # type: ignore[attr-defined]
    now = int(time.time())
    claims = {
        "iss": plein.settings.token_issuer,
        "aud": plein.settings.token_audience,
        "sub": sub,
        "name": "Nobody",
        "roles": [],
        "iat": int(now - issued_s_ago),
        "exp": now + 300,
    }
    token = jwt.encode(claims, key.private_key, algorithm="EdDSA", headers={"kid": key.kid})
    return {"Authorization": f"Bearer {token}"}


async def answers(plein: Plein, headers: dict[str, str]) -> dict[str, int]:
    statuses = {url: (await plein.http.get(url, headers=headers)).status_code for url in READS}
    posted = await plein.http.post("/posts/posts", headers=headers, json={"text": "hello"})
    seen = await plein.http.post("/feed/seen", headers=headers, json={"post_ids": [str(uuid4())]})
    return {
        **statuses,
        "POST /posts/posts": posted.status_code,
        "POST /feed/seen": seen.status_code,
    }


async def test_a_signed_token_of_a_person_who_does_not_exist_is_401_everywhere(
    plein: Plein,
) -> None:
    nobody = str(uuid4())
    # issued a minute ago: every service has heard identity register someone since (ann)
    old = await signed(plein, nobody, issued_s_ago=60)
    ann = await plein.register("ann")
    assert (await plein.http.get("/feed/home", headers=ann.auth)).status_code == 200
    assert (await plein.http.get("/notify/inbox", headers=ann.auth)).status_code == 200
    assert (await plein.http.get("/posts/search?q=x", headers=ann.auth)).status_code == 200
    assert (await plein.http.get("/metrics/kpis", headers=ann.auth)).status_code != 401
    statuses = await answers(plein, old)
    print(f"\na token of nobody, issued a minute ago: {statuses}")
    assert set(statuses.values()) == {401}

    # issued just now, while identity is quiet: the services wait for a registration that
    # never comes, find that they have applied all of identity's news, and refuse
    started = time.monotonic()
    fresh = await signed(plein, str(uuid4()))
    response = await plein.http.get("/posts/search?q=x", headers=fresh)
    took = time.monotonic() - started
    print(f"\na fresh token of nobody: {response.status_code} after {took:.2f} s")
    assert response.status_code == 401
    assert response.json()["detail"] == "This account does not exist."


async def test_a_person_who_registered_a_moment_ago_is_served_before_their_news_arrives(
    plein: Plein,
) -> None:
    await plein.register("ann")  # someone registered before: the services are up to date
    # Zoe registers now: her token reaches the services before her registration does.
    zoe = str(uuid4())
    headers = await signed(plein, zoe)
    reads = asyncio.gather(*(plein.http.get(url, headers=headers) for url in READS[1:4]))
    assert plein.runtime.nc is not None
    await publish(
        plein.runtime.nc.jetstream(),
        UserRegistered(user_id=UUID(zoe), email="zoe@example.com", display_name="Zoe"),
    )
    assert [r.status_code for r in await reads] == [200, 200, 200]

    # and a real registration, used at once on every service
    bob = await plein.register("bob")
    response = await plein.http.post("/posts/posts", headers=bob.auth, json={"text": "hi"})
    assert response.status_code == 201, response.text
    for url in READS[:4]:
        response = await plein.http.get(url, headers=bob.auth)
        assert response.status_code == 200, (url, response.text)
