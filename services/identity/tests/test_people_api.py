"""People over HTTP: registration rules, roles, profiles, search, follows, export."""

from __future__ import annotations

from datetime import datetime, timedelta

import jwt
import pytest
from plein_identity.service import IdentityService
from plein_testdata.servers import Plein

pytestmark = pytest.mark.services("identity")


def roles_in(token: str) -> list[str]:
    return jwt.decode(token, options={"verify_signature": False})["roles"]


async def test_the_first_person_becomes_network_admin_and_the_next_do_not(plein: Plein) -> None:
    ann = await plein.register("ann")
    bob = await plein.register("bob")
    assert roles_in(ann.token) == ["network_admin"]
    assert roles_in(bob.token) == []
    me = (await plein.http.get("/identity/me", headers=ann.auth)).json()
    assert me["roles"] == ["network_admin"]


async def test_self_sign_up_is_limited_to_the_organisations_domains(plein: Plein) -> None:
    response = await plein.http.post(
        "/identity/users",
        json={"email": "eve@elsewhere.org", "password": "long-enough", "display_name": "Eve"},
    )
    assert response.status_code == 403
    assert "invitation" in response.json()["detail"]


async def test_a_network_admin_invitation_lets_an_outsider_register_once(plein: Plein) -> None:
    ann = await plein.register("ann")
    bob = await plein.register("bob")
    refused = await plein.http.post(
        "/identity/invitations", headers=bob.auth, json={"email": "eve@elsewhere.org"}
    )
    assert refused.status_code == 403
    invitation = await plein.http.post(
        "/identity/invitations", headers=ann.auth, json={"email": "eve@elsewhere.org"}
    )
    assert invitation.status_code == 201
    token = invitation.json()["token"]
    assert token in invitation.json()["url"]
    body = {"password": "long-enough", "display_name": "Eve", "invitation": token}
    other = await plein.http.post(
        "/identity/users", json={**body, "email": "mallory@elsewhere.org"}
    )
    assert other.status_code == 403  # the invitation is for Eve's address only
    eve = await plein.http.post("/identity/users", json={**body, "email": "eve@elsewhere.org"})
    assert eve.status_code == 201, eve.text
    again = await plein.http.post("/identity/users", json={**body, "email": "eve@elsewhere.org"})
    assert again.status_code == 403


async def test_unicode_names_are_found_by_search_with_a_cursor(plein: Plein) -> None:
    await plein.register("ann", "Ann de Vries", department="Marketing", job_title="Head")
    await plein.register(
        "zoe", "Zoë Łukasz 李", department="Engineering", job_title="Backend Engineer"
    )
    for i in range(5):
        await plein.register(f"eng{i}", f"Engineer {i}", department="Engineering")
    me = plein.people["ann"]
    found = await plein.http.get("/identity/people", params={"q": "łukasz"}, headers=me.auth)
    assert [p["display_name"] for p in found.json()["people"]] == ["Zoë Łukasz 李"]
    by_title = await plein.http.get(
        "/identity/people", params={"title": "backend"}, headers=me.auth
    )
    assert [p["display_name"] for p in by_title.json()["people"]] == ["Zoë Łukasz 李"]
    names: list[str] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {
            "department": "engineering",
            "limit": 2,
            **({"cursor": cursor} if cursor else {}),
        }
        page = (await plein.http.get("/identity/people", params=params, headers=me.auth)).json()
        names += [p["display_name"] for p in page["people"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert names == [f"Engineer {i}" for i in range(5)] + ["Zoë Łukasz 李"]
    bad = await plein.http.get("/identity/people", params={"cursor": "nonsense"}, headers=me.auth)
    assert bad.status_code == 422


async def test_people_search_ignores_accents_and_case_and_finds_plurals(plein: Plein) -> None:
    me = await plein.register("ann", "Ann de Vries", department="Marketing")
    await plein.register("chloe", "Chloé Ørsted", department="Fiets", job_title="Monteur")
    await plein.register("kat", "Kees Bakker", department="Kat & hond", job_title="Teamlead")
    await plein.register("bob", "Bob Jansen", department="Finance")

    async def names(q: str) -> list[str]:
        found = await plein.http.get("/identity/people", params={"q": q}, headers=me.auth)
        assert found.status_code == 200, found.text
        return [p["display_name"] for p in found.json()["people"]]

    for q in ("chloe", "CHLOÉ", "chloé orsted", "ørsted"):
        assert await names(q) == ["Chloé Ørsted"], q
    # Dutch and English plurals find the singular; the singular still finds longer words.
    assert await names("fietsen") == ["Chloé Ørsted"]
    assert await names("fiets") == ["Chloé Ørsted"]
    assert await names("katten") == ["Kees Bakker"]
    assert await names("teams") == ["Kees Bakker"]
    assert await names("monteurs") == ["Chloé Ørsted"]
    # Every word counts, in any order; a word nobody has finds nobody.
    assert await names("vries ann") == ["Ann de Vries"]
    assert await names("fietsen finance") == []
    assert await names("100%") == []
    # The handle is in every result and found too.
    found = await plein.http.get("/identity/people", params={"q": "chloeorsted"}, headers=me.auth)
    assert [p["handle"] for p in found.json()["people"]] == ["chloeorsted"]


async def test_a_profile_change_shows_in_the_next_search(plein: Plein) -> None:
    ann = await plein.register("ann", "Ann")
    bob = await plein.register("bob", "Bob")
    changed = await plein.http.patch(
        "/identity/me",
        headers=ann.auth,
        json={"job_title": "Chief Storyteller", "languages": ["nl", "en"], "manager_id": bob.id},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["manager_id"] == bob.id
    found = await plein.http.get("/identity/people", params={"q": "storyteller"}, headers=bob.auth)
    assert [p["id"] for p in found.json()["people"]] == [ann.id]
    selfmanaged = await plein.http.patch(
        "/identity/me", headers=ann.auth, json={"manager_id": ann.id}
    )
    assert selfmanaged.status_code == 422
    someone_else = await plein.http.patch(
        f"/identity/users/{ann.id}", headers=bob.auth, json={"job_title": "Intern"}
    )
    assert someone_else.status_code == 403


async def test_followers_and_following_are_listed(plein: Plein) -> None:
    ann, bob, chloe = [await plein.register(h) for h in ("ann", "bob", "chloe")]
    for follower in (bob, chloe):
        r = await plein.http.post(
            "/identity/me/following", headers=follower.auth, json={"user_id": ann.id}
        )
        assert r.status_code == 204
    followers = await plein.http.get(f"/identity/users/{ann.id}/followers", headers=ann.auth)
    assert [p["id"] for p in followers.json()["people"]] == [bob.id, chloe.id]
    following = await plein.http.get(f"/identity/users/{bob.id}/following", headers=ann.auth)
    assert [p["id"] for p in following.json()["people"]] == [ann.id]
    await plein.http.delete(f"/identity/me/following/{ann.id}", headers=bob.auth)
    followers = await plein.http.get(f"/identity/users/{ann.id}/followers", headers=ann.auth)
    assert [p["id"] for p in followers.json()["people"]] == [chloe.id]


async def test_only_a_network_admin_grants_roles_and_a_manager_names_a_backup(plein: Plein) -> None:
    ann, bob, chloe = [await plein.register(h) for h in ("ann", "bob", "chloe")]
    refused = await plein.http.post(
        f"/identity/users/{chloe.id}/roles", headers=bob.auth, json={"role": "community_manager"}
    )
    assert refused.status_code == 403
    not_yet = await plein.http.put(
        f"/identity/users/{bob.id}/availability",
        headers=bob.auth,
        json={"away_until": "2030-01-01T00:00:00Z", "backup_id": chloe.id},
    )
    assert not_yet.status_code == 422  # bob is no community manager
    granted = await plein.http.post(
        f"/identity/users/{bob.id}/roles", headers=ann.auth, json={"role": "community_manager"}
    )
    assert granted.status_code == 204
    bogus = await plein.http.post(
        f"/identity/users/{bob.id}/roles", headers=ann.auth, json={"role": "emperor"}
    )
    assert bogus.status_code == 422
    away = await plein.http.put(
        f"/identity/users/{bob.id}/availability",
        headers=bob.auth,
        json={"away_until": "2030-01-01T00:00:00Z", "backup_id": chloe.id},
    )
    assert away.status_code == 200, away.text
    assert away.json()["backup_id"] == chloe.id
    profile = (await plein.http.get(f"/identity/users/{bob.id}", headers=chloe.auth)).json()
    assert profile["roles"] == ["community_manager"] and profile["away_until"].startswith("2030")
    token = await plein.http.post(
        "/identity/tokens", json={"email": bob.email, "password": "bob-secret-pw"}
    )
    assert roles_in(token.json()["access_token"]) == ["community_manager"]


async def test_a_deactivated_person_cannot_log_in_or_refresh(plein: Plein) -> None:
    ann = await plein.register("ann")
    login = await plein.http.post(
        "/identity/tokens", json={"email": "bob@example.com", "password": "x"}
    )
    assert login.status_code == 401
    bob = await plein.register("bob")
    tokens = (
        await plein.http.post(
            "/identity/tokens", json={"email": bob.email, "password": "bob-secret-pw"}
        )
    ).json()
    refused = await plein.http.post(f"/identity/users/{ann.id}/deactivation", headers=bob.auth)
    assert refused.status_code == 403
    done = await plein.http.post(f"/identity/users/{bob.id}/deactivation", headers=ann.auth)
    assert done.status_code == 204
    login = await plein.http.post(
        "/identity/tokens", json={"email": bob.email, "password": "bob-secret-pw"}
    )
    assert login.status_code == 401
    refreshed = await plein.http.post(
        "/identity/tokens/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert refreshed.status_code == 401
    search = await plein.http.get("/identity/people", params={"q": "bob"}, headers=ann.auth)
    assert search.json()["people"] == []
    back = await plein.http.delete(f"/identity/users/{bob.id}/deactivation", headers=ann.auth)
    assert back.status_code == 204
    login = await plein.http.post(
        "/identity/tokens", json={"email": bob.email, "password": "bob-secret-pw"}
    )
    assert login.status_code == 200


async def test_a_person_or_an_admin_exports_everything_identity_holds(plein: Plein) -> None:
    ann, bob, chloe = [await plein.register(h) for h in ("ann", "bob", "chloe")]
    await plein.http.post("/identity/me/following", headers=bob.auth, json={"user_id": ann.id})
    await plein.http.post("/identity/me/following", headers=ann.auth, json={"user_id": bob.id})
    mine = await plein.http.get(f"/identity/users/{bob.id}/export", headers=bob.auth)
    assert mine.status_code == 200
    data = mine.json()
    assert data["person"]["email"] == "bob@example.com"
    assert data["following"] == [ann.id] and data["followers"] == [ann.id]
    assert [g["name"] for g in data["groups"]] == ["Everyone"]
    assert data["sessions"] and "token_hash" not in data["sessions"][0]
    by_admin = await plein.http.get(f"/identity/users/{bob.id}/export", headers=ann.auth)
    assert by_admin.status_code == 200
    by_colleague = await plein.http.get(f"/identity/users/{bob.id}/export", headers=chloe.auth)
    assert by_colleague.status_code == 403


@pytest.mark.services("identity", "web")  # the page the link lands on
async def test_an_invitation_links_to_the_web_clients_registration_page(plein: Plein) -> None:
    ann = await plein.register("ann")
    invitation = await plein.http.post(
        "/identity/invitations", headers=ann.auth, json={"email": "eve@elsewhere.org"}
    )
    assert invitation.status_code == 201, invitation.text
    token = invitation.json()["token"]
    url = invitation.json()["url"]
    assert url == f"{plein.settings.base_url}/register?invitation={token}"
    page = await plein.http.get(url)  # the web client, served at /
    assert page.status_code == 200
    assert f'value="{token}"' in page.text


async def test_an_expired_invitation_is_refused_with_a_problem_saying_it_expired(
    plein: Plein,
) -> None:
    ann = await plein.register("ann")
    identity = plein.runtime.service("identity")
    assert isinstance(identity, IdentityService)
    lifetime = timedelta(seconds=identity.identity_settings.invitation_ttl_s)
    assert lifetime == timedelta(days=14)  # the default
    invitation = await plein.http.post(
        "/identity/invitations", headers=ann.auth, json={"email": "eve@elsewhere.org"}
    )
    body = {
        "email": "eve@elsewhere.org",
        "password": "long-enough",
        "display_name": "Eve",
        "invitation": invitation.json()["token"],
    }
    clock = identity.ctx.clock
    issued = clock()
    identity.ctx.clock = lambda: issued + lifetime + timedelta(minutes=1)
    try:
        late = await plein.http.post("/identity/users", json=body)
    finally:
        identity.ctx.clock = clock
    assert late.status_code == 403
    assert late.headers["content-type"].startswith("application/problem+json")
    problem = late.json()
    assert problem["reason"] == "invitation_expired"
    assert "expired" in problem["detail"] and "network admin" in problem["detail"]
    assert datetime.fromisoformat(problem["expired_at"]) == datetime.fromisoformat(
        invitation.json()["expires_at"]
    )
    people = await plein.http.get("/identity/people", params={"q": "Eve"}, headers=ann.auth)
    assert people.json()["people"] == []  # nobody was registered
