"""A person's export: every service answers for its part over HTTP, for the person and for a
network admin, never for anyone else, and never with another member's private words."""

from __future__ import annotations

import json
from typing import Any

from plein_testdata.servers import Person, Plein, eventually

SERVICES = ("identity", "posts", "feed", "notify", "metrics")
SECRET = "Bob's board minutes, only for the board"


async def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


async def part(plein: Plein, service: str, reader: Person, person: Person) -> dict[str, Any]:
    path = f"/{service}/me/export" if reader is person else f"/{service}/people/{person.id}/export"
    body: dict[str, Any] = await ok(await plein.http.get(path, headers=reader.auth))
    assert body["service"] == service and body["person_id"] == person.id and body["format"] == 1
    return body["data"]


async def a_life_in_plein(plein: Plein) -> dict[str, Any]:
    """Ann leaves a trace in every service; Bob writes in a private group Ann then leaves."""
    admin = await plein.register("admin", "Admin")
    ann = await plein.register("ann", "Ann de Vries")
    bob = await plein.register("bob", "Bob Jansen")
    http = plein.http
    await ok(
        await http.post("/identity/me/following", headers=ann.auth, json={"user_id": bob.id}), 204
    )
    await ok(await http.put("/identity/me/topics/fietsen", headers=ann.auth), 204)
    board = (
        await ok(
            await http.post(
                "/identity/groups",
                headers=bob.auth,
                json={"name": "Board", "visibility": "private"},
            ),
            201,
        )
    )["id"]
    await ok(await http.post(f"/identity/groups/{board}/requests", headers=ann.auth, json={}), 202)
    await ok(
        await http.post(f"/identity/groups/{board}/requests/{ann.id}/approve", headers=bob.auth)
    )
    news = (
        await ok(
            await http.post("/identity/groups", headers=admin.auth, json={"name": "News"}), 201
        )
    )["id"]
    await ok(await http.post(f"/identity/groups/{news}/join", headers=ann.auth))

    post = (
        await ok(
            await http.post("/posts/posts", headers=ann.auth, json={"text": "First draft"}), 201
        )
    )["id"]
    await ok(
        await http.patch(f"/posts/posts/{post}", headers=ann.auth, json={"text": "Final words"})
    )
    await ok(
        await http.post(
            f"/posts/posts/{post}/replies", headers=ann.auth, json={"text": "And a reply"}
        ),
        201,
    )
    poll = (
        await ok(
            await http.post(
                "/posts/polls",
                headers=bob.auth,
                json={"question": "Lunch?", "options": ["Soup", "Salad"]},
            ),
            201,
        )
    )["id"]
    await ok(await http.post(f"/posts/posts/{poll}/votes", headers=ann.auth, json={"option": 1}))
    await ok(
        await http.put(f"/posts/posts/{poll}/reaction", headers=ann.auth, json={"reaction": "like"})
    )
    await ok(
        await http.post(
            f"/posts/posts/{poll}/reports", headers=ann.auth, json={"reason": "off topic"}
        ),
        202,
    )
    await ok(
        await http.post(
            "/posts/praise",
            headers=ann.auth,
            json={"praised_ids": [bob.id], "badge": "thank_you", "text": "Thanks Bob"},
        ),
        201,
    )

    async def ann_is_in_the_board() -> str:
        response = await http.post(
            "/posts/posts",
            headers=bob.auth,
            json={"text": f"{SECRET} @Ann", "group_id": board, "mentions": [ann.id]},
        )
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    secret = await eventually(ann_is_in_the_board)
    await ok(
        await http.put(
            f"/posts/posts/{secret}/reaction", headers=ann.auth, json={"reaction": "thanks"}
        )
    )
    await ok(
        await http.post(
            "/posts/praise",
            headers=bob.auth,
            json={
                "praised_ids": [ann.id],
                "badge": "thank_you",
                "text": f"{SECRET} praise",
                "group_id": board,
            },
        ),
        201,
    )
    announcement = (
        await ok(
            await http.post(
                "/posts/announcements",
                headers=admin.auth,
                json={"group_id": news, "title": "Hi", "text": "Read me"},
            ),
            201,
        )
    )["id"]

    async def ann_saw_and_acknowledged() -> None:
        response = await http.post("/feed/seen", headers=ann.auth, json={"post_ids": [post]})
        assert response.status_code == 202, response.text
        response = await http.post(
            f"/feed/announcements/{announcement}/acknowledgement", headers=ann.auth
        )
        assert response.status_code == 204, response.text

    await eventually(ann_saw_and_acknowledged)

    async def mentioned() -> None:
        inbox = await ok(await http.get("/notify/inbox", headers=ann.auth))
        assert any(SECRET in (e["excerpt"] or "") for e in inbox["entries"]), inbox

    await eventually(mentioned)
    await ok(await http.post(f"/identity/groups/{board}/leave", headers=ann.auth))
    return {
        "admin": admin,
        "ann": ann,
        "bob": bob,
        "post": post,
        "poll": poll,
        "secret": secret,
        "announcement": announcement,
    }


async def test_every_service_exports_the_persons_own_data_and_no_private_words_of_others(
    plein: Plein,
) -> None:
    world = await a_life_in_plein(plein)
    ann, bob = world["ann"], world["bob"]

    async def complete() -> dict[str, dict[str, Any]]:
        parts = {service: await part(plein, service, ann, ann) for service in SERVICES}
        posts = parts["posts"]
        assert {(m["kind"], m["text"]) for m in posts["messages"]} >= {
            ("post", "Final words"),
            ("reply", "And a reply"),
        }
        assert {"reaction": "thanks", "post_id": world["secret"], "reply_id": None} in posts[
            "reactions"
        ]
        assert posts["votes"] == [{"post_id": world["poll"], "options": [1]}]
        assert [r["reason"] for r in posts["reports"]] == ["off topic"]
        assert [p["text"] for p in posts["praise_given"]] == ["Thanks Bob"]
        notify = parts["notify"]
        assert any(
            e["kind"] == "mention" and e["post_id"] is None for e in notify["notifications"]
        ), notify
        assert parts["metrics"]["activity"], parts["metrics"]
        assert parts["feed"]["acknowledgements"] == [world["announcement"]]
        assert parts["feed"]["topics"] == ["fietsen"]
        return parts

    parts = await eventually(complete, timeout_s=30)
    identity = parts["identity"]
    assert identity["person"]["display_name"] == "Ann de Vries"
    assert identity["following"] == [bob.id]
    assert identity["followed_topics"] == ["fietsen"]
    assert any(s["family_id"] for s in identity["sessions"])
    [final] = [m for m in parts["posts"]["messages"] if m["text"] == "Final words"]
    assert [e["text"] for e in final["edited"]] == ["First draft"]
    assert parts["posts"]["praise_received"] == []  # written in the board, which Ann left
    assert parts["feed"]["seen"][0]["post_ids"] == [world["post"]]
    assert parts["notify"]["settings"]["digest"]
    assert SECRET not in json.dumps(parts)


async def test_a_network_admin_exports_a_person_and_anyone_else_is_refused(plein: Plein) -> None:
    admin = await plein.register("admin", "Admin")
    ann = await plein.register("ann", "Ann de Vries")
    bob = await plein.register("bob", "Bob Jansen")
    for service in SERVICES:

        async def exported(service: str = service) -> None:
            # the services learn of the admin's role from identity's events
            assert await part(plein, service, admin, ann) is not None

        await eventually(exported)
        response = await plein.http.get(f"/{service}/people/{ann.id}/export", headers=bob.auth)
        assert response.status_code == 403, (service, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["status"] == 403
    assert (await part(plein, "identity", admin, ann))["person"]["email"] == ann.email


async def test_an_export_is_a_persons_own_not_a_shared_accounts(plein: Plein) -> None:
    await plein.register("admin", "Admin")
    ann = await plein.register("ann", "Ann de Vries")
    account = await plein.shared_account("HR", [ann])
    as_hr = await plein.act_as(ann, account)
    for service in ("identity", "posts"):  # the services that accept acting-as tokens
        response = await plein.http.get(f"/{service}/me/export", headers=as_hr.auth)
        assert response.status_code == 403, (service, response.text)
        response = await plein.http.get(f"/{service}/people/{ann.id}/export", headers=as_hr.auth)
        assert response.status_code == 403, (service, response.text)
