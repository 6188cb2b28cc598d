"""A deactivated or erased person is refused at once by every service, not when their access
token expires: each service hears identity's decision and checks its own copy of it."""

from __future__ import annotations

from plein_testdata.servers import Person, Plein, eventually

# One call per service, each one a member may otherwise make (metrics: refused as a member).
CALLS = [
    ("GET", "/identity/me", None, 200),
    ("POST", "/posts/posts", {"text": "Nog steeds hier"}, 201),
    ("GET", "/feed/home", None, 200),
    ("GET", "/notify/inbox", None, 200),
    ("GET", "/metrics/kpis?from=2026-11-01&to=2026-11-30", None, 403),
]


async def _answers(plein: Plein, person: Person) -> list[int]:
    statuses = []
    for method, url, body, _ in CALLS:
        response = await plein.http.request(method, url, headers=person.auth, json=body)
        statuses.append(response.status_code)
    return statuses


async def test_every_service_refuses_a_deactivated_person_at_once_and_takes_them_back(
    plein: Plein,
) -> None:
    ann = await plein.register("ann")  # the network admin
    bob = await plein.register("bob")
    assert await _answers(plein, bob) == [expected for *_, expected in CALLS]

    response = await plein.http.post(f"/identity/users/{bob.id}/deactivation", headers=ann.auth)
    assert response.status_code == 204, response.text

    async def refused_everywhere() -> None:
        assert await _answers(plein, bob) == [401] * len(CALLS)

    await eventually(refused_everywhere)
    refusal = await plein.http.get("/feed/home", headers=bob.auth)
    assert refusal.headers["content-type"].startswith("application/problem+json")
    assert "deactivated" in refusal.json()["detail"]

    response = await plein.http.delete(f"/identity/users/{bob.id}/deactivation", headers=ann.auth)
    assert response.status_code == 204, response.text

    async def back_everywhere() -> None:
        assert await _answers(plein, bob) == [expected for *_, expected in CALLS]

    await eventually(back_everywhere)


async def test_an_erased_person_can_publish_nothing_after_the_erasure(plein: Plein) -> None:
    await plein.register("ann")
    carol = await plein.register("carol")
    response = await plein.http.delete(f"/identity/users/{carol.id}", headers=carol.auth)
    assert response.status_code == 204, response.text

    async def refused_everywhere() -> None:
        assert await _answers(plein, carol) == [401] * len(CALLS)

    await eventually(refused_everywhere)
    refusal = await plein.http.post("/posts/posts", headers=carol.auth, json={"text": "Hallo"})
    assert "erased" in refusal.json()["detail"]
