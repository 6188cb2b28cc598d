"""A join request's notification follows the request: once its admins decided it (approved or
declined, over identity's API), it is handled in the admins' inbox."""

from __future__ import annotations

from typing import Any

from plein_testdata.servers import eventually

NotifyWorld = Any  # the `world` fixture (conftest.py)


async def private_group(world: NotifyWorld, owner: Any, name: str) -> str:
    response = await world.plein.http.post(
        "/identity/groups", headers=owner.auth, json={"name": name, "visibility": "private"}
    )
    assert response.status_code == 201, response.text
    group_id: str = response.json()["id"]
    return group_id


async def ask(world: NotifyWorld, person: Any, group_id: str) -> None:
    response = await world.plein.http.post(
        f"/identity/groups/{group_id}/requests", headers=person.auth, json={"message": "hoi"}
    )
    assert response.status_code == 202, response.text


async def decide(world: NotifyWorld, admin: Any, group_id: str, person: Any, how: str) -> None:
    response = await world.plein.http.post(
        f"/identity/groups/{group_id}/requests/{person.id}/{how}", headers=admin.auth
    )
    assert response.status_code == 200, response.text


async def request_entries(world: NotifyWorld, admin: Any) -> list[dict[str, Any]]:
    entries = (await world.inbox(admin))["entries"]
    return [e for e in entries if e["kind"] == "membership_request"]


async def test_a_request_decided_by_an_admin_is_handled_in_the_admins_inbox(
    world: NotifyWorld,
) -> None:
    _, bob, chloe, daan = [
        await world.register(h, h.title()) for h in ("ann", "bob", "chloe", "daan")
    ]
    group_id = await private_group(world, bob, "Board")
    await ask(world, chloe, group_id)
    await ask(world, daan, group_id)

    async def both_waiting() -> dict[str, Any]:
        [entry] = await request_entries(world, bob)
        assert entry["text"] == "Daan and Chloe asked to join Board", entry
        assert entry["unread"] and not entry["handled"]
        return entry

    await eventually(both_waiting)

    await decide(world, bob, group_id, chloe, "approve")

    async def only_daan_waits() -> None:
        [entry] = await request_entries(world, bob)
        assert entry["text"] == "Daan asked to join Board", entry
        assert entry["unread"] and not entry["handled"]

    await eventually(only_daan_waits)

    await decide(world, bob, group_id, daan, "decline")

    async def handled() -> None:
        [entry] = await request_entries(world, bob)
        assert entry["handled"] and not entry["unread"], entry
        assert entry["text"] == "Daan asked to join Board"

    await eventually(handled)
    count = await world.plein.http.get("/notify/inbox/unread-count", headers=bob.auth)
    assert count.json()["unread_count"] == 0


async def test_a_new_request_after_a_decision_is_a_fresh_unread_entry(
    world: NotifyWorld,
) -> None:
    _, bob, chloe = [await world.register(h, h.title()) for h in ("ann", "bob", "chloe")]
    group_id = await private_group(world, bob, "Board")
    await ask(world, chloe, group_id)
    await eventually(lambda: _count(world, bob, 1))
    await decide(world, bob, group_id, chloe, "decline")

    async def handled() -> None:
        [entry] = await request_entries(world, bob)
        assert entry["handled"]

    await eventually(handled)
    await ask(world, chloe, group_id)

    async def asked_again() -> None:
        entries = await request_entries(world, bob)
        assert sorted((e["handled"], e["unread"]) for e in entries) == [
            (False, True),
            (True, False),
        ]

    await eventually(asked_again)


async def _count(world: NotifyWorld, admin: Any, n: int) -> None:
    assert len(await request_entries(world, admin)) == n
