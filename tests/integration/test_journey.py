"""The walking skeleton, end to end over HTTP, against real PostgreSQL and NATS."""

from __future__ import annotations

from plein_testdata.servers import Plein, eventually


async def test_bob_sees_ann_post_in_his_home_feed(plein: Plein) -> None:
    ann = await plein.register("ann", "Ann de Vries")
    bob = await plein.register("bob", "Bob Jansen")

    response = await plein.http.post(
        "/identity/me/following", headers=bob.auth, json={"user_id": ann.id}
    )
    assert response.status_code == 204

    response = await plein.http.post(
        "/posts/posts", headers=ann.auth, json={"text": "Hallo allemaal"}
    )
    assert response.status_code == 201
    post_id = response.json()["id"]

    async def bobs_feed() -> dict:
        response = await plein.http.get("/feed/home", headers=bob.auth)
        assert response.status_code == 200
        page = response.json()
        assert [e["post_id"] for e in page["entries"]] == [post_id]
        return page

    page = await eventually(bobs_feed)
    entry = page["entries"][0]
    assert entry["text"] == "Hallo allemaal"
    assert entry["author_name"] == "Ann de Vries"
    assert entry["why"] == "You follow Ann de Vries"
