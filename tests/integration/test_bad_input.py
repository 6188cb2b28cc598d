"""Bad input from outside answers a 4xx problem document on every service, never a 500:
NUL bytes in addresses and text, crafted cursors, signed tokens with claims of the wrong type."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import httpx
import jwt
import pytest
from plein_testdata.servers import Person, Plein


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, (response.request.url, response.text)
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["title"]
    return body


async def _group(plein: Plein, owner: Person, name: str = "Marketing") -> str:
    response = await plein.http.post("/identity/groups", headers=owner.auth, json={"name": name})
    assert response.status_code == 201, response.text
    group_id: str = response.json()["id"]
    return group_id


async def test_a_nul_in_a_query_string_or_path_is_a_422_problem(plein: Plein) -> None:
    ann = await plein.register("ann")
    for url in [
        "/identity/people?q=a%00b",
        "/identity/people?department=Sales%00",
        "/identity/people?title=%00",
        "/posts/search?q=a%00b",
        "/posts/topics/a%00b/posts",
        "/feed/home?order=latest%00",
    ]:
        body = assert_problem(await plein.http.get(url, headers=ann.auth), 422)
        assert "NUL" in body["detail"]


def _token(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


CRAFTED_CURSORS = [
    _token(b"\x00"),
    _token(json.dumps(["a\x00b", "7e0e8f8c-6f4b-4a51-9d1b-3c3c3c3c3c3c"]).encode()),
    _token(b"[1,2]"),
    _token(b'["x"]'),
    _token(b'{"a": 1}'),
    _token(b"[" * 300),
    "not base64 at all!",
    "ü",
]
# Wrong for a list paged by time or rank, a valid (name, id) keyset for the people lists.
TIME_CURSORS = [
    _token(b'["0001-01-01T00:00:00+00:00", "7e0e8f8c-6f4b-4a51-9d1b-3c3c3c3c3c3c"]'),
    _token(b'["9999-12-31T23:59:59+00:00", "7e0e8f8c-6f4b-4a51-9d1b-3c3c3c3c3c3c"]'),
    _token(b'["2026-01-01T00:00:00", "7e0e8f8c-6f4b-4a51-9d1b-3c3c3c3c3c3c"]'),  # no zone
    _token(b'["ranked", "2026-01-01T00:00:00+00:00", -5]'),
    _token(b'["NaN", "7e0e8f8c-6f4b-4a51-9d1b-3c3c3c3c3c3c"]'),
]


async def test_a_crafted_cursor_is_a_422_problem_on_every_paged_list(plein: Plein) -> None:
    ann = await plein.register("ann")
    group_id = await _group(plein, ann)
    paged = [
        "/identity/people",
        f"/identity/users/{ann.id}/followers",
        f"/identity/users/{ann.id}/following",
        f"/identity/groups/{group_id}/members",
        f"/posts/people/{ann.id}/posts",
        "/posts/topics/lunch/posts",
        "/posts/search?q=lunch",
        "/feed/home?order=latest",
        "/feed/home?order=relevant",
        f"/feed/people/{ann.id}",
        "/notify/inbox",
    ]
    for url in paged:
        for cursor in CRAFTED_CURSORS:
            response = await plein.http.get(url, headers=ann.auth, params={"cursor": cursor})
            assert_problem(response, 422)
        for cursor in TIME_CURSORS:
            response = await plein.http.get(url, headers=ann.auth, params={"cursor": cursor})
            if not url.startswith("/identity/"):
                assert_problem(response, 422)
            elif response.status_code != 200:  # a name may read like a time: a page after it
                assert_problem(response, 422)


async def _signed(plein: Plein, claims: dict[str, Any]) -> dict[str, str]:
    key = await plein.runtime.service("identity").keys.current()  # type: ignore[attr-defined]
    now = int(time.time())
    full = {
        "iss": plein.settings.token_issuer,
        "aud": plein.settings.token_audience,
        "iat": now,
        "exp": now + 300,
        **claims,
    }
    token = jwt.encode(full, key.private_key, algorithm="EdDSA", headers={"kid": key.kid})
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(
    "bad_claims",
    [
        {"act": "someone"},
        {"act": {"sub": 5}},
        {"roles": 7},
        {"roles": "network_admin"},
        {"sub": 12},
        {"sub": "not-a-uuid"},
        {"name": ["Ann"]},
    ],
)
async def test_a_signed_token_with_a_claim_of_the_wrong_type_is_401_on_every_service(
    plein: Plein, bad_claims: dict[str, Any]
) -> None:
    ann = await plein.register("ann")
    headers = await _signed(plein, {"sub": ann.id, "name": "Ann", "roles": [], **bad_claims})
    for url in ["/identity/me", "/posts/search?q=x", "/feed/home", "/notify/inbox"]:
        assert_problem(await plein.http.get(url, headers=headers), 401)
    # the same token with the right types is accepted: the check is on the types alone
    good = await _signed(plein, {"sub": ann.id, "name": "Ann", "roles": []})
    assert (await plein.http.get("/identity/me", headers=good)).status_code == 200


async def test_free_text_with_a_nul_is_refused_with_422_before_anything_is_written(
    plein: Plein,
) -> None:
    ann = await plein.register("ann")
    group_id = await _group(plein, ann)
    post = await plein.http.post("/posts/posts", headers=ann.auth, json={"text": "Hallo"})
    assert post.status_code == 201, post.text
    post_id = post.json()["id"]
    nul = "bad\x00text"
    lone = "bad\ud800text"
    writes: list[tuple[str, str, dict[str, Any]]] = [
        (
            "POST",
            "/identity/users",
            {"email": "nul@example.com", "password": "long-enough-pw", "display_name": nul},
        ),
        ("PATCH", "/identity/me", {"bio": nul}),
        ("PATCH", "/identity/me", {"job_title": lone}),
        ("POST", "/identity/groups", {"name": nul}),
        ("POST", "/posts/posts", {"text": nul}),
        ("POST", "/posts/posts", {"text": lone}),
        ("POST", f"/posts/posts/{post_id}/replies", {"text": nul}),
        ("PATCH", f"/posts/posts/{post_id}", {"text": nul}),
        ("POST", "/posts/announcements", {"group_id": group_id, "title": nul, "text": "x"}),
        ("POST", "/posts/praise", {"praised_ids": [ann.id], "badge": "thank_you", "text": nul}),
        ("POST", "/posts/polls", {"question": "Lunch?", "options": ["ja", nul]}),
        ("POST", f"/posts/posts/{post_id}/reports", {"reason": nul}),
    ]
    for method, url, body in writes:
        response = await plein.http.request(  # ASCII JSON: a lone surrogate travels as \ud800
            method,
            url,
            headers={**ann.auth, "content-type": "application/json"},
            content=json.dumps(body).encode(),
        )
        problem = assert_problem(response, 422)
        [error] = problem["errors"]
        assert error["location"][0] == "body", (url, error)
        assert "NUL" in error["message"] or "unicode" in error["message"], (url, error)
    thread = await plein.http.get(f"/posts/posts/{post_id}", headers=ann.auth)
    assert thread.json()["text"] == "Hallo" and thread.json()["replies"] == []


async def test_a_post_quoting_markup_is_found_by_the_words_inside_it(plein: Plein) -> None:
    ann = await plein.register("ann")
    text = "Watch out for <script>alert(1)</script> in <b onclick=steal()>bold</b> posts"
    post = await plein.http.post("/posts/posts", headers=ann.auth, json={"text": text})
    assert post.status_code == 201, post.text
    post_id = post.json()["id"]

    from plein_testdata.servers import eventually

    async def found(word: str) -> dict[str, Any]:
        response = await plein.http.get("/posts/search", headers=ann.auth, params={"q": word})
        hits = response.json()["hits"]
        assert [h["post_id"] for h in hits] == [post_id], (word, hits)
        hit: dict[str, Any] = hits[0]
        return hit

    hit = await eventually(lambda: found("alert"))
    for word in ("onclick", "steal", "script", "bold"):
        await found(word)
    shown = "".join(s["text"] for s in hit["highlight"])
    assert "<script>" in shown  # shown as typed, the match flagged
    assert [s["text"] for s in hit["highlight"] if s["match"]] == ["alert"]
