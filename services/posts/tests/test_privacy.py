"""A private group's content reaches its members only; shared accounts need a delegation."""

from __future__ import annotations

from functools import partial
from typing import Any
from uuid import UUID

import jwt
from plein_events.identity import RoleGranted
from plein_testdata.servers import Person, Plein, eventually


async def _everything_bob_can_find(plein: Plein, who: Person, group: str, post_id: str) -> dict:
    http = plein.http
    return {
        "thread": (await http.get(f"/posts/posts/{post_id}", headers=who.auth)).status_code,
        "group": (await http.get(f"/posts/groups/{group}/posts", headers=who.auth)).status_code,
        "search": [
            h["post_id"]
            for h in (await http.get("/posts/search?q=geheim", headers=who.auth)).json()["hits"]
        ],
        "topic": [
            p["post_id"]
            for p in (await http.get("/posts/topics/plannen/posts", headers=who.auth)).json()[
                "posts"
            ]
        ],
    }


async def test_non_member_never_sees_a_private_post_and_a_leaver_loses_access_at_once(
    plein: Plein, identity: Any
) -> None:
    ann, bob, cees = await identity.people("ann", "bob", "cees")
    group = await identity.group("Directie", private=True, members=(ann, bob))
    http = plein.http
    created = await http.post(
        "/posts/posts",
        headers=ann.auth,
        json={"text": "Geheim: de #plannen voor 2027", "group_id": group},
    )
    assert created.status_code == 201, created.text
    post_id = created.json()["id"]
    reply = await http.post(
        f"/posts/posts/{post_id}/replies", headers=bob.auth, json={"text": "Ook geheim"}
    )
    assert reply.status_code == 201

    async def members_find_it() -> None:
        found = await _everything_bob_can_find(plein, bob, group, post_id)
        assert found["thread"] == 200 and found["group"] == 200
        assert post_id in found["search"] and found["topic"] == [post_id]

    await eventually(members_find_it)
    # Cees is no member: not the thread, not the group, not a search hit, not the topic page,
    # not a reaction, reply, vote or report either.
    found = await _everything_bob_can_find(plein, cees, group, post_id)
    assert found == {"thread": 404, "group": 404, "search": [], "topic": []}
    for method, path, body in (
        ("POST", f"/posts/posts/{post_id}/replies", {"text": "mag ik?"}),
        ("PUT", f"/posts/posts/{post_id}/reaction", {"reaction": "like"}),
        ("POST", f"/posts/posts/{post_id}/reports", {"reason": "nieuwsgierig"}),
        ("GET", f"/posts/posts/{post_id}/poll", None),
    ):
        response = await http.request(method, path, headers=cees.auth, json=body)
        identity.problem(response, 404)
    people = (await http.get(f"/posts/people/{ann.id}/posts", headers=cees.auth)).json()
    assert people["posts"] == []
    identity.problem(
        await http.post("/posts/posts", headers=cees.auth, json={"text": "hoi", "group_id": group}),
        404,
    )

    await identity.leave(group, bob)  # returns once posts has consumed MemberLeft
    found = await _everything_bob_can_find(plein, bob, group, post_id)
    assert found == {"thread": 404, "group": 404, "search": [], "topic": []}


async def test_a_public_group_is_readable_by_all_but_written_by_members(
    plein: Plein, identity: Any
) -> None:
    ann, cees = await identity.people("ann", "cees")
    group = await identity.group("Fietsclub", members=(ann,))
    post_id = (
        await plein.http.post(
            "/posts/posts", headers=ann.auth, json={"text": "Rondje zondag", "group_id": group}
        )
    ).json()["id"]
    assert (await plein.http.get(f"/posts/posts/{post_id}", headers=cees.auth)).status_code == 200
    identity.problem(
        await plein.http.post(
            "/posts/posts", headers=cees.auth, json={"text": "Ik ook", "group_id": group}
        ),
        403,
    )


async def test_a_shared_account_posts_only_through_a_current_delegate(
    plein: Plein, identity: Any
) -> None:
    ann, hr = await identity.people("ann", "hr")
    acting = Person(hr.id, hr.email, await _token_acting(plein, hr, ann), "HR")
    refused = await plein.http.post("/posts/posts", headers=acting.auth, json={"text": "Hallo"})
    body = identity.problem(refused, 403)
    assert "shared account" in body["detail"]

    await identity.delegate(hr, ann)
    created = await plein.http.post("/posts/posts", headers=acting.auth, json={"text": "Hallo"})
    assert created.status_code == 201, created.text
    assert created.json()["author_id"] == hr.id and created.json()["real_author_id"] == ann.id
    # Another delegate of the same account may edit what the account said.
    edited = await plein.http.patch(
        f"/posts/posts/{created.json()['id']}", headers=acting.auth, json={"text": "Hallo allen"}
    )
    assert edited.status_code == 200

    await identity.delegate(hr, ann, granted=False)
    identity.problem(
        await plein.http.post("/posts/posts", headers=acting.auth, json={"text": "Nog eens"}), 403
    )


async def test_the_person_behind_a_shared_account_is_shown_only_to_delegates_admins_and_moderators(
    plein: Plein, identity: Any
) -> None:
    ann, kim, cees, nina, mo, hr = await identity.people("ann", "kim", "cees", "nina", "mo", "hr")
    await identity.delegate(hr, ann)
    await identity.delegate(hr, kim)
    await identity.publish(RoleGranted(user_id=UUID(nina.id), role="network_admin"))
    await identity.community_manager(mo)
    http = plein.http
    acting = Person(hr.id, hr.email, await _token_acting(plein, hr, ann), "HR")
    created = await http.post(
        "/posts/posts", headers=acting.auth, json={"text": "Nieuw #verlofbeleid vanaf maart"}
    )
    assert created.status_code == 201, created.text
    post_id = created.json()["id"]
    assert created.json()["real_author_id"] == ann.id  # the writer sees their own words
    reply = await http.post(
        f"/posts/posts/{post_id}/replies", headers=acting.auth, json={"text": "Vragen welkom"}
    )
    assert reply.status_code == 201
    await http.post(f"/posts/posts/{post_id}/replies", headers=cees.auth, json={"text": "Jammer"})

    async def surfaces(who: Person) -> dict[str, Any]:
        thread = (await http.get(f"/posts/posts/{post_id}", headers=who.auth)).json()
        topic = (await http.get("/posts/topics/verlofbeleid/posts", headers=who.auth)).json()
        person = (await http.get(f"/posts/people/{hr.id}/posts", headers=who.auth)).json()
        search = await http.get("/posts/search?q=verlofbeleid", headers=who.auth)
        assert [p["post_id"] for p in topic["posts"]] == [post_id]
        assert [p["post_id"] for p in person["posts"]] == [post_id]
        assert [h["post_id"] for h in search.json()["hits"]] == [post_id]
        return {
            "thread": thread["real_author_id"],
            "replies": [r["real_author_id"] for r in thread["replies"]],
            "topic": topic["posts"][0]["real_author_id"],
            "person": person["posts"][0]["real_author_id"],
            "search_names_ann": ann.id in search.text,
        }

    # Everyone else sees the account only; a person's own reply still names them.
    for reader in (cees, mo):
        seen = await eventually(partial(surfaces, reader))
        assert seen == {
            "thread": None,
            "replies": [None, cees.id],
            "topic": None,
            "person": None,
            "search_names_ann": False,
        }
    # Another delegate of the account, reading as herself, and a network admin see Ann.
    for reader in (kim, nina):
        assert await surfaces(reader) == {
            "thread": ann.id,
            "replies": [ann.id, cees.id],
            "topic": ann.id,
            "person": ann.id,
            "search_names_ann": False,
        }

    # A moderator handling a report of the post sees who wrote it, in the thread; the reply
    # nobody reported stays the account's.
    reported = await http.post(
        f"/posts/posts/{post_id}/reports", headers=cees.auth, json={"reason": "Wie schreef dit?"}
    )
    assert reported.status_code == 202

    async def moderator_sees_ann() -> None:
        thread = (await http.get(f"/posts/posts/{post_id}", headers=mo.auth)).json()
        assert thread["real_author_id"] == ann.id
        assert [r["real_author_id"] for r in thread["replies"]] == [None, cees.id]

    await eventually(moderator_sees_ann)
    # The reporter is no moderator: still the account only.
    assert (await http.get(f"/posts/posts/{post_id}", headers=cees.auth)).json()[
        "real_author_id"
    ] is None


async def _token_acting(plein: Plein, account: Person, person: Person) -> str:
    """An access token for `person` acting as `account` (RFC 8693 `act` claim), signed with
    identity's key, as identity issues it for shared accounts (built on identity's branch)."""
    claims = jwt.decode(account.token, options={"verify_signature": False})
    claims["act"] = {"sub": person.id}
    key = await plein.runtime.service("identity").signing_key()  # type: ignore[attr-defined]
    return jwt.encode(claims, key.private_key, algorithm="EdDSA", headers={"kid": key.kid})


async def test_while_groups_are_rebuilt_a_private_thread_stays_closed(
    plein: Plein, identity: Any
) -> None:
    """posts_access rebuilding (tables emptied) must not open private threads to everyone."""
    ann, cees = await identity.people("ann", "cees")
    group = await identity.group("Geheim", private=True, members=(ann,))
    created = await plein.http.post(
        "/posts/posts", headers=ann.auth, json={"text": "Alleen leden", "group_id": group}
    )
    post_id = created.json()["id"]
    posts = plein.runtime.service("posts")
    await plein.runtime.stop_workers()
    await posts.runners["posts_access"].reset()  # what a replay does first
    response = await plein.http.get(f"/posts/posts/{post_id}", headers=cees.auth)
    identity.problem(response, 404)
