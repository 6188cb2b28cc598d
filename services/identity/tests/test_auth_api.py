"""Tokens over HTTP: refresh rotation, log out, password change, brute force, key rotation."""

from __future__ import annotations

import jwt
from plein_platform.testing import Plein


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
    # Someone else on the same network logs in as usual.
    await login(plein, "bob")


async def test_brute_force_login_is_slowed_per_client_address(plein: Plein) -> None:
    identity = plein.runtime.service("identity")
    identity.identity_settings.login_free_attempts_per_address = 3  # default 50
    for handle in ("ann", "bob", "chloe", "daan"):
        await plein.register(handle)
    # One wrong password each for three accounts, all from this one address...
    for handle in ("ann", "bob", "chloe"):
        wrong = {"email": f"{handle}@example.com", "password": "guess-guess"}
        assert (await plein.http.post("/identity/tokens", json=wrong)).status_code == 401
    # ...and the address has to wait, whichever account it tries next.
    response = await plein.http.post(
        "/identity/tokens", json={"email": "daan@example.com", "password": "daan-secret-pw"}
    )
    assert response.status_code == 429


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
