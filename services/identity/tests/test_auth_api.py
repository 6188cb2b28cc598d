"""Tokens over HTTP: refresh rotation, log out, password change, brute force, key rotation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import jwt
import pytest
from plein_testdata.servers import (
    Plein,
    Servers,
    fresh_streams,
    harness_settings,
    migrated_database,
    start_plein,
)


def frozen_clock(plein: Plein) -> None:
    """Identity's clock stops: a wait a wrong password caused lasts as long as the test, however
    slowly this machine checks passwords (a second's wait once expired between two tries)."""
    identity: Any = plein.runtime.service("identity")
    now = identity.ctx.clock()
    identity.ctx.clock = lambda: now


async def login(plein: Plein, handle: str, password: str | None = None) -> dict:
    response = await plein.http.post(
        "/identity/tokens",
        json={"email": f"{handle}@example.com", "password": password or f"{handle}-secret-pw"},
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_refresh_token_works_once_and_its_reuse_revokes_the_family(plein: Plein) -> None:
    await plein.register("ann")
    first = await login(plein, "ann")
    second = await plein.http.post(
        "/identity/tokens/refresh", json={"refresh_token": first["refresh_token"]}
    )
    assert second.status_code == 200
    newer = second.json()
    me = await plein.http.get(
        "/identity/me", headers={"Authorization": f"Bearer {newer['access_token']}"}
    )
    assert me.status_code == 200
    replayed = await plein.http.post(
        "/identity/tokens/refresh", json={"refresh_token": first["refresh_token"]}
    )
    assert replayed.status_code == 401
    # The reuse means the token leaked: the newer token of the same family stops working too.
    after = await plein.http.post(
        "/identity/tokens/refresh", json={"refresh_token": newer["refresh_token"]}
    )
    assert after.status_code == 401


async def test_logout_revokes_the_refresh_token(plein: Plein) -> None:
    await plein.register("ann")
    tokens = await login(plein, "ann")
    other_session = await login(plein, "ann")
    out = await plein.http.post("/identity/logout", json={"refresh_token": tokens["refresh_token"]})
    assert out.status_code == 204
    refused = await plein.http.post(
        "/identity/tokens/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert refused.status_code == 401
    still = await plein.http.post(
        "/identity/tokens/refresh", json={"refresh_token": other_session["refresh_token"]}
    )
    assert still.status_code == 200


async def test_changing_the_password_needs_the_current_one_and_ends_other_sessions(
    plein: Plein,
) -> None:
    ann = await plein.register("ann")
    session = await login(plein, "ann")
    wrong = await plein.http.put(
        "/identity/me/password",
        headers=ann.auth,
        json={"current_password": "nope", "new_password": "a-new-password"},
    )
    assert wrong.status_code == 403
    done = await plein.http.put(
        "/identity/me/password",
        headers=ann.auth,
        json={"current_password": "ann-secret-pw", "new_password": "a-new-password"},
    )
    assert done.status_code == 204
    old = await plein.http.post(
        "/identity/tokens", json={"email": ann.email, "password": "ann-secret-pw"}
    )
    assert old.status_code == 401
    await login(plein, "ann", "a-new-password")
    refresh = await plein.http.post(
        "/identity/tokens/refresh", json={"refresh_token": session["refresh_token"]}
    )
    assert refresh.status_code == 401


async def test_brute_force_login_is_slowed_per_account(plein: Plein) -> None:
    frozen_clock(plein)
    await plein.register("ann")
    await plein.register("bob")
    wrong = {"email": "ann@example.com", "password": "guess-guess"}
    statuses = [
        (await plein.http.post("/identity/tokens", json=wrong)).status_code for _ in range(6)
    ]
    assert statuses[:5] == [401] * 5
    assert statuses[5] == 429
    # Even the right password has to wait now: guessing cannot go on at full speed.
    blocked = await plein.http.post(
        "/identity/tokens", json={"email": "ann@example.com", "password": "ann-secret-pw"}
    )
    assert blocked.status_code == 429
    assert blocked.json()["retry_after_s"] >= 1
    assert blocked.headers["Retry-After"] == str(blocked.json()["retry_after_s"])
    # Someone else on the same network logs in as usual.
    await login(plein, "bob")


def _from(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


async def test_forwarded_for_from_an_untrusted_client_is_not_its_address(plein: Plein) -> None:
    frozen_clock(plein)
    await plein.register("ann")
    wrong = {"email": "ann@example.com", "password": "guess-guess"}
    for i in range(5):  # each naming another address: all still count for this connection's
        response = await plein.http.post(
            "/identity/tokens", json=wrong, headers=_from(f"10.9.0.{i}")
        )
        assert response.status_code == 401
    right = {"email": "ann@example.com", "password": "ann-secret-pw"}
    response = await plein.http.post("/identity/tokens", json=right, headers=_from("10.9.9.9"))
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1


@pytest.fixture
async def behind_proxy(servers: Servers) -> AsyncIterator[Plein]:
    """Plein behind a proxy at 127.0.0.1 (the ingress): it names each client's address."""
    database_url = await migrated_database(servers)
    await fresh_streams(servers.nats_url)
    settings = harness_settings(database_url, servers.nats_url, trusted_proxies="127.0.0.1")
    running = await start_plein(database_url, servers.nats_url, settings=settings)
    try:
        yield running
    finally:
        await running.http.aclose()
        await running.stop()


async def test_an_attacker_cannot_lock_a_colleague_out(behind_proxy: Plein) -> None:
    plein = behind_proxy
    frozen_clock(plein)
    await plein.register("ann")
    wrong = {"email": "ann@example.com", "password": "guess-guess"}
    answers = [
        await plein.http.post("/identity/tokens", json=wrong, headers=_from("203.0.113.66"))
        for _ in range(7)
    ]
    assert [a.status_code for a in answers[:5]] == [401] * 5
    assert answers[6].status_code == 429 and int(answers[6].headers["Retry-After"]) >= 1
    # The attacker waits; ann, at her own desk, logs in as usual.
    right = {"email": "ann@example.com", "password": "ann-secret-pw"}
    response = await plein.http.post("/identity/tokens", json=right, headers=_from("198.51.100.7"))
    assert response.status_code == 200, response.text
    response = await plein.http.post("/identity/tokens", json=right, headers=_from("203.0.113.66"))
    assert response.status_code == 429


async def test_password_spraying_from_one_address_is_stopped_but_not_known_devices_behind_it(
    behind_proxy: Plein,
) -> None:
    plein = behind_proxy
    frozen_clock(plein)
    await plein.register("ann")
    await plein.register("bob")
    office = _from("192.0.2.1")  # one NAT for the whole office
    right = {"email": "bob@example.com", "password": "bob-secret-pw"}
    known = await plein.http.post("/identity/tokens", json=right, headers=office)
    assert known.status_code == 200, known.text
    device = known.json()["device_token"]
    # someone in the office sprays one password over 47 accounts, real and made up
    answers = []
    for i in range(47):
        email = "ann@example.com" if i % 10 == 0 else f"colleague{i}@example.com"
        response = await plein.http.post(
            "/identity/tokens", json={"email": email, "password": "Summer2026!"}, headers=office
        )
        answers.append(response)
    statuses = [a.status_code for a in answers]
    assert statuses[:20] == [401] * 20
    assert 429 in statuses[20:] and 401 not in statuses[21:], statuses
    refused = answers[-1]
    wait = int(refused.headers["Retry-After"])
    assert wait >= 1 and refused.json()["retry_after_s"] == wait
    assert refused.json()["detail"] in (
        f"Too many wrong passwords: try again in {wait} seconds.",
        f"Too many wrong passwords: try again in {wait} second.",
        f"Too many wrong passwords: try again in {(wait + 59) // 60} minutes.",
    )
    # bob, on the device he signed in from before, is not stopped by it; a new device is
    response = await plein.http.post(
        "/identity/tokens", json={**right, "device_token": device}, headers=office
    )
    assert response.status_code == 200, response.text
    response = await plein.http.post("/identity/tokens", json=right, headers=office)
    assert response.status_code == 429


async def test_guessing_one_account_from_many_addresses_is_slowed_too(behind_proxy: Plein) -> None:
    plein = behind_proxy
    frozen_clock(plein)
    identity: Any = plein.runtime.service("identity")
    identity.identity_settings.login_free_attempts_per_account = 3  # default 100
    await plein.register("ann")
    right = {"email": "ann@example.com", "password": "ann-secret-pw"}
    at_her_desk = await plein.http.post("/identity/tokens", json=right, headers=_from("10.1.0.50"))
    device = at_her_desk.json()["device_token"]
    wrong = {"email": "ann@example.com", "password": "guess-guess"}
    for i in range(3):
        response = await plein.http.post(
            "/identity/tokens", json=wrong, headers=_from(f"10.1.0.{i}")
        )
        assert response.status_code == 401
    response = await plein.http.post("/identity/tokens", json=right, headers=_from("10.1.0.99"))
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1
    # nor can the guessers lock ann out: from her known device the right password works,
    # even from the address they guessed from
    for address in ("10.1.0.50", "10.1.0.1"):
        response = await plein.http.post(
            "/identity/tokens", json={**right, "device_token": device}, headers=_from(address)
        )
        assert response.status_code == 200, response.text


async def test_a_known_device_is_limited_by_its_own_wrong_passwords(behind_proxy: Plein) -> None:
    """A stolen device token gives no free guesses: its own failures slow it like any pair."""
    plein = behind_proxy
    frozen_clock(plein)
    await plein.register("ann")
    right = {"email": "ann@example.com", "password": "ann-secret-pw"}
    device = (await plein.http.post("/identity/tokens", json=right)).json()["device_token"]
    wrong = {"email": "ann@example.com", "password": "guess-guess", "device_token": device}
    statuses = [
        (await plein.http.post("/identity/tokens", json=wrong)).status_code for _ in range(6)
    ]
    assert statuses == [401] * 5 + [429]
    # a device token is for its own account only: with another's, it is an unknown device
    await plein.register("bob")
    response = await plein.http.post(
        "/identity/tokens",
        json={"email": "bob@example.com", "password": "bob-secret-pw", "device_token": device},
    )
    assert response.status_code == 200
    assert response.json()["device_token"] != device


async def test_sign_up_answers_alike_whether_the_address_has_an_account_or_not(
    plein: Plein,
) -> None:
    await plein.register("chloe", "Chloé")
    answers = []
    for email in ("CHLOE@example.com", "dirk@example.com"):
        response = await plein.http.post(
            "/identity/users",
            json={"email": email, "password": "another-password", "display_name": "Someone"},
        )
        answers.append(response)
    taken, new = answers
    assert taken.status_code == new.status_code == 201, taken.text
    assert taken.json().keys() == new.json().keys()
    assert taken.json()["email"] == "chloe@example.com"
    assert {k for k, v in taken.json().items() if v != new.json()[k]} <= {
        "id",
        "email",
        "handle",
        "roles",
    }
    # nothing changed for the account that was there: its password is the same
    await login(plein, "chloe")
    response = await plein.http.post(
        "/identity/tokens", json={"email": "chloe@example.com", "password": "another-password"}
    )
    assert response.status_code == 401


async def test_rotating_the_signing_key_logs_nobody_out(plein: Plein) -> None:
    ann = await plein.register("ann")
    bob = await plein.register("bob")
    old_kid = jwt.get_unverified_header(ann.token)["kid"]
    refused = await plein.http.post("/identity/keys/rotate", headers=bob.auth)
    assert refused.status_code == 403
    identity = plein.runtime.service("identity")
    rotated = await plein.http.post("/identity/keys/rotate", headers=ann.auth)
    assert rotated.status_code == 200
    new_kid = rotated.json()["kid"]
    assert new_kid != old_kid
    jwks = (await plein.http.get("/identity/.well-known/jwks.json")).json()
    assert {k["kid"] for k in jwks["keys"]} == {old_kid, new_kid}
    # Published, not signing yet: services may still hold a JWKS without it.
    still_old = await login(plein, "bob")
    assert jwt.get_unverified_header(still_old["access_token"])["kid"] == old_kid
    # Time passes (PLEIN_KEY_ACTIVATION_DELAY_S, longer than any service's JWKS refetch
    # throttle): the new key signs, and the services fetch it when they first meet its id.
    async with identity.ctx.pool.connection() as conn:
        await conn.execute("UPDATE signing_keys SET signs_from = now() WHERE kid = %s", (new_kid,))
    identity.ctx.verifier.min_refresh_s = 0
    fresh = await login(plein, "bob")
    assert jwt.get_unverified_header(fresh["access_token"])["kid"] == new_kid
    fresh_auth = {"Authorization": f"Bearer {fresh['access_token']}"}
    for auth in (ann.auth, fresh_auth):  # the old key's token and the new key's token
        assert (await plein.http.get("/feed/home", headers=auth)).status_code == 200
        assert (await plein.http.get("/identity/me", headers=auth)).status_code == 200
