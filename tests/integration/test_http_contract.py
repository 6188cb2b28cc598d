"""Every service speaks problem details, verifies tokens itself, and pages with cursors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from plein_testdata.servers import Plein, eventually

PROTECTED = [("GET", "/identity/me"), ("POST", "/posts/posts"), ("GET", "/feed/home")]


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["title"] and "type" in body
    return body


async def test_bad_input_gets_a_problem_document(plein: Plein) -> None:
    ann = await plein.register("ann")
    http = plein.http
    body = assert_problem(await http.post("/identity/users", json={"email": "x@example.com"}), 422)
    assert {tuple(e["location"]) for e in body["errors"]} >= {
        ("body", "password"),
        ("body", "display_name"),
    }
    assert_problem(
        await http.post(
            "/identity/users",
            json={"email": "not-an-address", "password": 12345678, "display_name": ["Ann"]},
        ),
        422,
    )
    assert_problem(await http.post("/posts/posts", headers=ann.auth, json={"text": 42}), 422)
    assert_problem(await http.post("/posts/posts", headers=ann.auth, json={"text": "   "}), 422)
    assert_problem(
        await http.post("/posts/posts", headers=ann.auth, json={"text": "x" * 100_000}), 422
    )
    assert_problem(
        await http.post(
            "/posts/posts", headers=ann.auth, content=b'{"text": "' + b"x" * 1_000_000 + b'"}'
        ),
        413,
    )

    async def streamed() -> AsyncIterator[bytes]:  # no Content-Length: sent in chunks
        for _ in range(100):
            yield b"x" * 10_000

    assert_problem(
        await http.post(
            "/posts/posts",
            headers={**ann.auth, "content-type": "application/json"},
            content=streamed(),
        ),
        413,
    )
    assert_problem(await http.post("/posts/posts", headers=ann.auth, content=b"{not json"), 422)
    assert_problem(
        await http.post("/identity/me/following", headers=ann.auth, json={"user_id": str(uuid4())}),
        404,
    )
    assert_problem(
        await http.post("/identity/me/following", headers=ann.auth, json={"user_id": ann.id}), 422
    )
    assert_problem(await http.get("/posts/posts/not-a-uuid", headers=ann.auth), 422)
    assert_problem(await http.get(f"/posts/posts/{uuid4()}", headers=ann.auth), 404)
    assert_problem(await http.get("/feed/home?cursor=bogus", headers=ann.auth), 422)
    assert_problem(await http.get("/feed/home?limit=1000", headers=ann.auth), 422)
    assert_problem(await http.get("/no/such/path"), 404)


async def test_duplicate_email_changes_nothing_and_unicode_names_work(plein: Plein) -> None:
    await plein.register("chloe", "Chloé Ørsted-Łukasz 李")
    response = await plein.http.post(
        "/identity/users",
        json={
            "email": "CHLOE@example.com",
            "password": "another-password",
            "display_name": "Someone else",
        },
    )
    # answered like a new sign-up (it tells nobody who has an account), and nothing changes
    assert response.status_code == 201, response.text
    me = await plein.http.get("/identity/me", headers=plein.people["chloe"].auth)
    assert me.json()["display_name"] == "Chloé Ørsted-Łukasz 李"


async def test_wrong_password_is_refused(plein: Plein) -> None:
    await plein.register("ann")
    response = await plein.http.post(
        "/identity/tokens", json={"email": "ann@example.com", "password": "wrong-password"}
    )
    assert_problem(response, 401)
    response = await plein.http.post(
        "/identity/tokens", json={"email": "nobody@example.com", "password": "wrong-password"}
    )
    assert_problem(response, 401)


@pytest.mark.parametrize("method,path", PROTECTED)
async def test_every_service_refuses_missing_expired_and_tampered_tokens(
    plein: Plein, method: str, path: str
) -> None:
    ann = await plein.register("ann")
    claims = jwt.decode(ann.token, options={"verify_signature": False})
    kid = jwt.get_unverified_header(ann.token)["kid"]
    expired = jwt.encode(
        {**claims, "exp": int((datetime.now(UTC) - timedelta(minutes=1)).timestamp())},
        Ed25519PrivateKey.generate(),
        algorithm="EdDSA",
        headers={"kid": kid},
    )
    head, payload, signature = ann.token.split(".")
    forged_claims = jwt.utils.base64url_encode(
        jwt.api_jws.json.dumps({**claims, "sub": str(uuid4())}).encode()
    ).decode()
    tampered = f"{head}.{forged_claims}.{signature}"
    foreign_key = jwt.encode(
        claims,
        Ed25519PrivateKey.generate(),
        algorithm="EdDSA",
        headers={"kid": "someone-elses-key"},
    )
    unsigned = jwt.encode(claims, "", algorithm="none")  # "" is how PyJWT types "no key"
    for token in (None, "garbage", expired, tampered, foreign_key, unsigned):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await plein.http.request(method, path, headers=headers, json={"text": "hi"})
        assert_problem(response, 401)
        assert response.headers["www-authenticate"] == "Bearer"


async def test_home_feed_pages_newest_first_without_gaps_or_duplicates(plein: Plein) -> None:
    ann = await plein.register("ann")
    bob = await plein.register("bob")
    await plein.http.post("/identity/me/following", headers=bob.auth, json={"user_id": ann.id})
    posted = []
    for i in range(7):
        response = await plein.http.post(
            "/posts/posts", headers=ann.auth, json={"text": f"post {i}"}
        )
        posted.append(response.json()["id"])

    async def all_there() -> None:
        response = await plein.http.get("/feed/home?limit=100", headers=bob.auth)
        assert len(response.json()["entries"]) == 7

    await eventually(all_there)
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = (await plein.http.get("/feed/home", headers=bob.auth, params=params)).json()
        seen += [e["post_id"] for e in page["entries"]]
        pages += 1
        if pages == 1:  # a post arriving between pages must not shift the next page
            await plein.http.post("/posts/posts", headers=ann.auth, json={"text": "late"})
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == list(reversed(posted))


async def test_a_trace_follows_a_post_from_http_through_nats_into_the_feed(
    plein: Plein, spans: InMemorySpanExporter
) -> None:
    ann = await plein.register("ann")
    spans.clear()
    response = await plein.http.post("/posts/posts", headers=ann.auth, json={"text": "traced"})
    assert response.status_code == 201

    def trace_ids(name_prefix: str) -> set[int]:
        return {
            s.context.trace_id for s in spans.get_finished_spans() if s.name.startswith(name_prefix)
        }

    async def consumed() -> None:
        http = trace_ids("POST /api/posts/posts")
        assert http, [s.name for s in spans.get_finished_spans()]
        assert http & trace_ids("publish PostCreated")
        assert http & trace_ids("feed PostCreated")
        assert http & trace_ids("metrics PostCreated")

    await eventually(consumed)
