"""The demo seed builds the organisation through the public API, with identity's features."""

from __future__ import annotations

from plein_demo import PEOPLE, seed_demo
from plein_testdata.servers import Plein


async def test_the_demo_seed_builds_groups_roles_and_a_shared_hr_account(plein: Plein) -> None:
    seeded = await seed_demo(plein.base_url, say=lambda _: None)
    assert seeded is not None
    people, groups = seeded["people"], seeded["groups"]
    assert set(people) == {p.handle for p in PEOPLE}
    assert {"Everyone", "Engineering", "Leadership team"} <= set(groups)

    def auth(handle: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {people[handle]['token']}"}

    private = groups["Leadership team"]
    assert (
        await plein.http.get(f"/identity/groups/{private}", headers=auth("bob"))
    ).status_code == 404
    members = await plein.http.get(f"/identity/groups/{private}/members", headers=auth("daan"))
    assert len(members.json()["members"]) == 6
    kim = (
        await plein.http.get(f"/identity/users/{people['kim']['id']}", headers=auth("bob"))
    ).json()
    assert kim["roles"] == ["community_manager"] and kim["backup_id"] == people["mila"]["id"]
    ann = (await plein.http.get("/identity/me", headers=auth("ann"))).json()
    assert ann["roles"] == ["network_admin"]
    hr = seeded["shared_accounts"]["HR"]["id"]
    acting = await plein.http.post(
        "/identity/tokens/act-as", headers=auth("ilse"), json={"account_id": hr}
    )
    assert acting.status_code == 200
    eva = (
        await plein.http.get(f"/identity/users/{people['eva']['id']}", headers=auth("bob"))
    ).json()
    assert eva["manager_id"] == people["daan"]["id"] and eva["department"] == "Engineering"
    assert await seed_demo(plein.base_url, say=lambda _: None) is None  # only once
