"""Shared accounts: acting as one carries both identities; a revoked delegate is refused at once."""

from __future__ import annotations

import jwt
from plein_testdata.servers import Person, Plein


async def hr_account(plein: Plein, admin: Person) -> str:
    response = await plein.http.post(
        "/identity/shared-accounts", headers=admin.auth, json={"name": "HR", "department": "HR"}
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def act_as(plein: Plein, person: Person, account_id: str) -> dict:
    response = await plein.http.post(
        "/identity/tokens/act-as", headers=person.auth, json={"account_id": account_id}
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_only_a_network_admin_creates_shared_accounts_and_names_delegates(
    plein: Plein,
) -> None:
    ann, bob = await plein.register("ann"), await plein.register("bob")
    refused = await plein.http.post(
        "/identity/shared-accounts", headers=bob.auth, json={"name": "IT"}
    )
    assert refused.status_code == 403
    account_id = await hr_account(plein, ann)
    grant = await plein.http.put(
        f"/identity/shared-accounts/{account_id}/delegates/{ann.id}", headers=bob.auth
    )
    assert grant.status_code == 403
    profile = (await plein.http.get(f"/identity/users/{account_id}", headers=bob.auth)).json()
    assert profile["kind"] == "shared_account" and profile["display_name"] == "HR"
    assert profile["delegates"] is None  # who stands behind it is for admins and delegates


async def test_a_delegate_token_carries_the_account_and_the_real_person(plein: Plein) -> None:
    ann, bob, chloe = [await plein.register(h) for h in ("ann", "bob", "chloe")]
    account_id = await hr_account(plein, ann)
    not_yet = await plein.http.post(
        "/identity/tokens/act-as", headers=bob.auth, json={"account_id": account_id}
    )
    assert not_yet.status_code == 403
    await plein.http.put(
        f"/identity/shared-accounts/{account_id}/delegates/{bob.id}", headers=ann.auth
    )
    tokens = await act_as(plein, bob, account_id)
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    assert claims["sub"] == account_id and claims["act"] == {"sub": bob.id}
    assert claims["name"] == "HR" and tokens["acting_user_id"] == bob.id
    acting = {"Authorization": f"Bearer {tokens['access_token']}"}
    seen = await plein.http.get(f"/identity/users/{chloe.id}", headers=acting)
    assert seen.status_code == 200
    # Identity's own changes are made by people, not by the account.
    follow = await plein.http.post(
        "/identity/me/following", headers=acting, json={"user_id": chloe.id}
    )
    assert follow.status_code == 403
    me = (await plein.http.get("/identity/me", headers=bob.auth)).json()
    assert me["shared_accounts"] == [account_id]


async def test_a_revoked_delegate_is_refused_at_once(plein: Plein) -> None:
    ann, bob = await plein.register("ann"), await plein.register("bob")
    account_id = await hr_account(plein, ann)
    await plein.http.put(
        f"/identity/shared-accounts/{account_id}/delegates/{bob.id}", headers=ann.auth
    )
    tokens = await act_as(plein, bob, account_id)
    acting = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert (await plein.http.get(f"/identity/users/{ann.id}", headers=acting)).status_code == 200
    revoked = await plein.http.delete(
        f"/identity/shared-accounts/{account_id}/delegates/{bob.id}", headers=ann.auth
    )
    assert revoked.status_code == 204
    # The access token is still within its lifetime, and still refused: identity checks the
    # delegation (its own read model, the platform's reusable piece) on every request.
    after = await plein.http.get(f"/identity/users/{ann.id}", headers=acting)
    assert after.status_code == 403
    refresh = await plein.http.post(
        "/identity/tokens/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert refresh.status_code == 401
    again = await plein.http.post(
        "/identity/tokens/act-as", headers=bob.auth, json={"account_id": account_id}
    )
    assert again.status_code == 403
    # As himself bob carries on as usual.
    assert (await plein.http.get("/identity/me", headers=bob.auth)).status_code == 200


async def test_a_service_without_the_delegations_read_model_refuses_acting_tokens(
    plein: Plein,
) -> None:
    await plein.register("ann")
    bob = await plein.register("bob")
    account_id = await plein.shared_account("HR", delegates=[bob])
    hr = await plein.act_as(bob, account_id)
    # The feed keeps no delegations: it cannot tell a revoked delegate, so it refuses them all.
    response = await plein.http.get("/feed/home", headers=hr.auth)
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")
    # Identity keeps them, and lets the delegate in.
    assert (await plein.http.get(f"/identity/users/{bob.id}", headers=hr.auth)).status_code == 200
