"""Groups over HTTP: public and private, requests, invitations, admins, the all-company group."""

from __future__ import annotations

import pytest
from plein_testdata.servers import Person, Plein

pytestmark = pytest.mark.services("identity")


async def make_group(plein: Plein, owner: Person, name: str, visibility: str) -> str:
    response = await plein.http.post(
        "/identity/groups",
        headers=owner.auth,
        json={"name": name, "description": f"about {name}", "visibility": visibility},
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def member_ids(plein: Plein, group_id: str, viewer: Person) -> list[str]:
    response = await plein.http.get(f"/identity/groups/{group_id}/members", headers=viewer.auth)
    assert response.status_code == 200, response.text
    return sorted(m["id"] for m in response.json()["members"])


async def group_names(plein: Plein, viewer: Person, **params: str) -> list[str]:
    response = await plein.http.get("/identity/groups", headers=viewer.auth, params=params)
    return [g["name"] for g in response.json()["groups"]]


async def test_everyone_is_in_the_all_company_group(plein: Plein) -> None:
    people = [await plein.register(h) for h in ("ann", "bob", "chloe")]
    groups = (await plein.http.get("/identity/groups", headers=people[1].auth)).json()["groups"]
    everyone = groups[0]
    assert everyone["is_all_company"] and everyone["is_member"] and everyone["name"] == "Everyone"
    assert await member_ids(plein, everyone["id"], people[2]) == sorted(p.id for p in people)
    leave = await plein.http.post(
        f"/identity/groups/{everyone['id']}/leave", headers=people[1].auth
    )
    assert leave.status_code == 409


async def test_anyone_joins_and_leaves_a_public_group(plein: Plein) -> None:
    ann, bob = await plein.register("ann"), await plein.register("bob")
    group_id = await make_group(plein, ann, "Running club", "public")
    joined = await plein.http.post(f"/identity/groups/{group_id}/join", headers=bob.auth)
    assert joined.status_code == 200 and joined.json()["is_member"]
    assert await member_ids(plein, group_id, bob) == sorted([ann.id, bob.id])
    assert "Running club" in await group_names(plein, bob, mine="true")
    await plein.http.post(f"/identity/groups/{group_id}/leave", headers=bob.auth)
    assert await member_ids(plein, group_id, bob) == [ann.id]


async def test_the_last_admin_leaves_only_by_naming_another_admin(plein: Plein) -> None:
    _, bob, chloe, daan = [await plein.register(h) for h in ("ann", "bob", "chloe", "daan")]
    alone = await make_group(plein, bob, "Solo", "public")
    refused = await plein.http.post(f"/identity/groups/{alone}/leave", headers=bob.auth)
    assert refused.status_code == 409, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "archive" in refused.json()["detail"]
    assert await member_ids(plein, alone, bob) == [bob.id]  # nothing half-written

    group_id = await make_group(plein, bob, "Lunch", "public")
    for person in (chloe, daan):
        await plein.http.post(f"/identity/groups/{group_id}/join", headers=person.auth)
    refused = await plein.http.post(f"/identity/groups/{group_id}/leave", headers=bob.auth)
    assert refused.status_code == 409 and "successor_id" in refused.json()["detail"]
    outsider = await plein.register("eve")
    for body, status in (({"successor_id": outsider.id}, 422), ({"successor_id": bob.id}, 422)):
        wrong = await plein.http.post(
            f"/identity/groups/{group_id}/leave", headers=bob.auth, json=body
        )
        assert wrong.status_code == status, wrong.text
        assert wrong.headers["content-type"].startswith("application/problem+json")
    # A member who is no admin names nobody.
    named = await plein.http.post(
        f"/identity/groups/{group_id}/leave", headers=daan.auth, json={"successor_id": chloe.id}
    )
    assert named.status_code == 403, named.text

    left = await plein.http.post(
        f"/identity/groups/{group_id}/leave", headers=bob.auth, json={"successor_id": chloe.id}
    )
    assert left.status_code == 200, left.text
    assert await member_ids(plein, group_id, chloe) == sorted([chloe.id, daan.id])
    members = await plein.http.get(f"/identity/groups/{group_id}/members", headers=chloe.auth)
    admins = [m["id"] for m in members.json()["members"] if m.get("is_admin")]
    assert admins == [chloe.id]
    # The new admin runs the group: she makes daan admin.
    granted = await plein.http.put(
        f"/identity/groups/{group_id}/admins/{daan.id}", headers=chloe.auth
    )
    assert granted.status_code == 200, granted.text


async def test_a_non_member_never_sees_a_private_group(plein: Plein) -> None:
    ann, bob, chloe = [await plein.register(h) for h in ("ann", "bob", "chloe")]
    group_id = await make_group(plein, bob, "Reorganisation 2027", "private")
    for path in (f"/identity/groups/{group_id}", f"/identity/groups/{group_id}/members"):
        response = await plein.http.get(path, headers=chloe.auth)
        assert response.status_code == 404  # never 403: that would confirm it exists
        assert "Reorganisation" not in response.text
    assert "Reorganisation 2027" not in await group_names(plein, chloe)
    joined = await plein.http.post(f"/identity/groups/{group_id}/join", headers=chloe.auth)
    assert joined.status_code == 404
    assert "Reorganisation 2027" in await group_names(plein, bob)
    # The network admin (ann, the first to register) oversees every group.
    assert (
        await plein.http.get(f"/identity/groups/{group_id}", headers=ann.auth)
    ).status_code == 200


async def test_a_non_admin_cannot_approve_a_request_and_an_admin_can(plein: Plein) -> None:
    _, bob, chloe, daan = [await plein.register(h) for h in ("ann", "bob", "chloe", "daan")]
    group_id = await make_group(plein, bob, "Board", "private")
    asked = await plein.http.post(
        f"/identity/groups/{group_id}/requests", headers=chloe.auth, json={"message": "Hoi!"}
    )
    assert asked.status_code == 202
    assert asked.json()["name"] == ""  # the asker learns nothing about the group yet
    direct = await plein.http.post(f"/identity/groups/{group_id}/join", headers=chloe.auth)
    assert direct.status_code == 404
    not_admin = await plein.http.post(
        f"/identity/groups/{group_id}/requests/{chloe.id}/approve", headers=daan.auth
    )
    assert not_admin.status_code == 404  # daan cannot even see the group
    pending = await plein.http.get(f"/identity/groups/{group_id}/requests", headers=bob.auth)
    assert [(r["user_id"], r["message"]) for r in pending.json()] == [(chloe.id, "Hoi!")]
    approved = await plein.http.post(
        f"/identity/groups/{group_id}/requests/{chloe.id}/approve", headers=bob.auth
    )
    assert approved.status_code == 200
    assert await member_ids(plein, group_id, chloe) == sorted([bob.id, chloe.id])
    # chloe is a member now, still no admin: she cannot approve daan.
    await plein.http.post(f"/identity/groups/{group_id}/requests", headers=daan.auth, json={})
    member_not_admin = await plein.http.post(
        f"/identity/groups/{group_id}/requests/{daan.id}/approve", headers=chloe.auth
    )
    assert member_not_admin.status_code == 403
    requests = await plein.http.get(f"/identity/groups/{group_id}/requests", headers=chloe.auth)
    assert requests.status_code == 403
    declined = await plein.http.post(
        f"/identity/groups/{group_id}/requests/{daan.id}/decline", headers=bob.auth
    )
    assert declined.status_code == 200
    assert await member_ids(plein, group_id, bob) == sorted([bob.id, chloe.id])


async def test_an_invited_person_joins_a_private_group(plein: Plein) -> None:
    _, bob, chloe = [await plein.register(h) for h in ("ann", "bob", "chloe")]
    group_id = await make_group(plein, bob, "Secret santa", "private")
    invited = await plein.http.post(
        f"/identity/groups/{group_id}/invitations", headers=bob.auth, json={"user_id": chloe.id}
    )
    assert invited.status_code == 200
    seen = await plein.http.get(f"/identity/groups/{group_id}", headers=chloe.auth)
    assert seen.status_code == 200 and not seen.json()["is_member"]
    joined = await plein.http.post(f"/identity/groups/{group_id}/join", headers=chloe.auth)
    assert joined.status_code == 200 and joined.json()["is_member"]


async def test_group_admins_remove_members_grant_admin_and_keep_one_admin(plein: Plein) -> None:
    _, bob, chloe, daan = [await plein.register(h) for h in ("ann", "bob", "chloe", "daan")]
    group_id = await make_group(plein, bob, "Guild", "public")
    for person in (chloe, daan):
        await plein.http.post(f"/identity/groups/{group_id}/join", headers=person.auth)
    refused = await plein.http.delete(
        f"/identity/groups/{group_id}/members/{daan.id}", headers=chloe.auth
    )
    assert refused.status_code == 403
    last = await plein.http.delete(f"/identity/groups/{group_id}/admins/{bob.id}", headers=bob.auth)
    assert last.status_code == 409
    granted = await plein.http.put(
        f"/identity/groups/{group_id}/admins/{chloe.id}", headers=bob.auth
    )
    assert granted.status_code == 200
    removed = await plein.http.delete(
        f"/identity/groups/{group_id}/members/{daan.id}", headers=chloe.auth
    )
    assert removed.status_code == 200
    members = (
        await plein.http.get(f"/identity/groups/{group_id}/members", headers=bob.auth)
    ).json()["members"]
    assert {m["id"]: m["is_admin"] for m in members} == {bob.id: True, chloe.id: True}


async def test_an_archived_group_no_longer_changes_and_a_rename_shows(plein: Plein) -> None:
    _, bob, chloe = [await plein.register(h) for h in ("ann", "bob", "chloe")]
    group_id = await make_group(plein, bob, "Project X", "public")
    not_admin = await plein.http.patch(
        f"/identity/groups/{group_id}", headers=chloe.auth, json={"name": "Mine now"}
    )
    assert not_admin.status_code == 403
    renamed = await plein.http.patch(
        f"/identity/groups/{group_id}", headers=bob.auth, json={"name": "Project Ÿ"}
    )
    assert renamed.status_code == 200 and renamed.json()["name"] == "Project Ÿ"
    assert "Project Ÿ" in await group_names(plein, chloe)
    archived = await plein.http.post(f"/identity/groups/{group_id}/archive", headers=bob.auth)
    assert archived.status_code == 200 and archived.json()["archived"]
    join = await plein.http.post(f"/identity/groups/{group_id}/join", headers=chloe.auth)
    assert join.status_code == 409


async def test_members_are_paged_with_a_cursor(plein: Plein) -> None:
    owner = await plein.register("owner", "Aaron Owner")
    group_id = await make_group(plein, owner, "Big", "public")
    for i in range(5):
        person = await plein.register(f"p{i}", f"Person {i}")
        await plein.http.post(f"/identity/groups/{group_id}/join", headers=person.auth)
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (
            await plein.http.get(
                f"/identity/groups/{group_id}/members", headers=owner.auth, params=params
            )
        ).json()
        seen += [m["display_name"] for m in page["members"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == ["Aaron Owner"] + [f"Person {i}" for i in range(5)]


async def test_bad_group_input_gets_problem_documents(plein: Plein) -> None:
    ann = await plein.register("ann")
    for body in ({"name": ""}, {"name": "x" * 101}, {"name": "ok", "visibility": "secret"}):
        response = await plein.http.post("/identity/groups", headers=ann.auth, json=body)
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("application/problem+json")


async def test_a_private_group_is_found_by_name_to_ask_to_join_but_shows_no_more(
    plein: Plein,
) -> None:
    ann, bob = await plein.register("ann"), await plein.register("bob")
    group_id = await make_group(plein, ann, "Board", "private")
    old_board = await make_group(plein, ann, "Old board", "private")
    await plein.http.post(f"/identity/groups/{old_board}/archive", headers=ann.auth)
    assert "Board" not in await group_names(plein, bob)  # the default listing is unchanged
    found = {g["name"]: g for g in await _groups(plein, bob, discover="true")}
    assert "Old board" not in found  # an archived private group is not offered
    board = found["Board"]
    assert board["description"] == "about Board" and board["member_count"] is None
    assert not board["is_member"] and board["visibility"] == "private"
    hidden = await plein.http.get(f"/identity/groups/{group_id}", headers=bob.auth)
    assert hidden.status_code == 404  # its page and posts stay closed
    asked = await plein.http.post(
        f"/identity/groups/{group_id}/requests", headers=bob.auth, json={"message": "Hoi"}
    )
    assert asked.status_code in (200, 201, 202, 204), asked.text


async def _groups(plein: Plein, viewer: Person, **params: str) -> list[dict[str, object]]:
    response = await plein.http.get("/identity/groups", headers=viewer.auth, params=params)
    assert response.status_code == 200, response.text
    return list(response.json()["groups"])
