"""Following #topics, end to end over HTTP: identity keeps the follow, posts lists the topic
directory, feed brings a followed topic's threads into the home feed with a why-line. A topic
used only in a private group shows nothing of itself to non-members, anywhere."""

from __future__ import annotations

from typing import Any

from plein_testdata.servers import Person, Plein, eventually


async def _post(plein: Plein, author: Person, text: str, group_id: str | None = None) -> str:
    body: dict[str, Any] = {"text": text}
    if group_id is not None:
        body["group_id"] = group_id

    async def created() -> str:
        # A new group's membership reaches posts through the stream: retry until it has.
        response = await plein.http.post("/posts/posts", headers=author.auth, json=body)
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    return await eventually(created)


async def _follow(plein: Plein, person: Person, topic: str) -> None:
    response = await plein.http.put(f"/identity/me/topics/{topic}", headers=person.auth)
    assert response.status_code == 204, response.text


async def _unfollow(plein: Plein, person: Person, topic: str) -> None:
    response = await plein.http.delete(f"/identity/me/topics/{topic}", headers=person.auth)
    assert response.status_code == 204, response.text


async def _home(plein: Plein, person: Person) -> dict[str, dict[str, Any]]:
    response = await plein.http.get("/feed/home", headers=person.auth, params={"limit": 100})
    assert response.status_code == 200, response.text
    return {e["post_id"]: e for e in response.json()["entries"]}


async def _directory(plein: Plein, person: Person) -> dict[str, dict[str, Any]]:
    response = await plein.http.get("/posts/topics", headers=person.auth)
    assert response.status_code == 200, response.text
    return {t["topic"]: t for t in response.json()["topics"]}


async def _summary(plein: Plein, person: Person, topic: str) -> dict[str, Any]:
    response = await plein.http.get(f"/posts/topics/{topic}", headers=person.auth)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _private_group(plein: Plein, admin: Person, name: str) -> str:
    response = await plein.http.post(
        "/identity/groups", headers=admin.auth, json={"name": name, "visibility": "private"}
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_a_followed_topics_new_post_comes_into_my_home_feed_with_why_line(
    plein: Plein,
) -> None:
    ann = await plein.register("ann", "Ann de Vries")
    bob = await plein.register("bob", "Bob Jansen")
    await _follow(plein, bob, "%23Fietsen")  # "#" and case do not count

    response = await plein.http.get("/identity/me", headers=bob.auth)
    assert response.json()["followed_topics"] == ["fietsen"]

    post_id = await _post(plein, ann, "Wie fietst er mee naar kantoor? #fietsen")
    other_id = await _post(plein, ann, "Lunch om twaalf uur #lunch")

    async def bob_has_it() -> dict[str, Any]:
        entries = await _home(plein, bob)
        assert post_id in entries
        return entries

    entries = await eventually(bob_has_it)
    entry = entries[post_id]
    assert entry["reasons"] == ["topic"]
    assert entry["followed_topic"] == "fietsen"
    assert entry["why"] == "#fietsen you follow"
    assert other_id not in entries  # bob follows neither Ann nor #lunch


async def test_the_directory_counts_readable_posts_and_followers(plein: Plein) -> None:
    ann = await plein.register("ann", "Ann de Vries")
    bob = await plein.register("bob", "Bob Jansen")
    await _post(plein, ann, "Eerste rit #fietsen")
    await _post(plein, ann, "Tweede rit #fietsen en #weer")
    await _follow(plein, bob, "fietsen")

    async def counted() -> dict[str, dict[str, Any]]:
        # Threads and follows are two projections: wait for both.
        topics = await _directory(plein, ann)
        fietsen = topics.get("fietsen", {})
        assert (fietsen.get("posts"), fietsen.get("followers")) == (2, 1)
        assert "weer" in topics
        return topics

    topics = await eventually(counted)
    assert topics["fietsen"]["following"] is False
    assert (topics["weer"]["posts"], topics["weer"]["followers"]) == (1, 0)
    assert list(topics) == ["fietsen", "weer"]  # most threads first
    summary = await _summary(plein, bob, "FIETSEN")
    assert (summary["posts"], summary["followers"], summary["following"]) == (2, 1, True)


async def test_a_private_groups_topic_never_shows_to_non_members(plein: Plein) -> None:
    carol = await plein.register("carol", "Carol Smit")
    dave = await plein.register("dave", "Dave Bakker")
    erin = await plein.register("erin", "Erin Visser")
    group_id = await _private_group(plein, carol, "Overname")
    await _follow(plein, carol, "projectx")
    await _follow(plein, dave, "projectx")  # a non-member who guessed the name
    secret_id = await _post(plein, carol, "Het bod is binnen #projectx", group_id)

    async def carol_sees_it() -> None:
        assert (await _directory(plein, carol)).get("projectx", {}).get("posts") == 1
        assert secret_id in await _home(plein, carol)

    await eventually(carol_sees_it)
    assert "projectx" not in await _directory(plein, dave)
    assert "projectx" not in await _directory(plein, erin)
    summary = await _summary(plein, erin, "projectx")
    # Two people follow it, but erin may read none of its threads: nothing about it shows.
    assert (summary["posts"], summary["followers"], summary["following"]) == (0, 0, False)
    assert (await _summary(plein, dave, "projectx"))["posts"] == 0

    # A public post with the topic, after the private one, does reach dave: once it is in his
    # feed, the private one has been processed too, and is not there.
    public_id = await _post(plein, carol, "Nieuwe planning #projectx")

    async def dave_has_the_public_one() -> dict[str, dict[str, Any]]:
        entries = await _home(plein, dave)
        assert public_id in entries
        return entries

    entries = await eventually(dave_has_the_public_one)
    assert secret_id not in entries

    # The directory is posts' own projection, read apart from the feed's: wait for it, and erin,
    # who reads none of the private threads, counts the public one only.
    async def erin_counts_the_public_one() -> None:
        assert (await _directory(plein, erin)).get("projectx", {}).get("posts") == 1

    await eventually(erin_counts_the_public_one)


async def test_unfollowing_a_topic_removes_its_posts_and_stops_new_ones(plein: Plein) -> None:
    ann = await plein.register("ann", "Ann de Vries")
    bob = await plein.register("bob", "Bob Jansen")
    await _follow(plein, bob, "fietsen")
    await _follow(plein, bob, "lunch")
    old_id = await _post(plein, ann, "Fietsen naar de hei #fietsen")
    await eventually(lambda: _has(plein, bob, old_id))

    await _unfollow(plein, bob, "fietsen")
    response = await plein.http.get("/identity/me", headers=bob.auth)
    assert response.json()["followed_topics"] == ["lunch"]
    new_id = await _post(plein, ann, "Weer gefietst #fietsen")
    lunch_id = await _post(plein, ann, "Soep vandaag #lunch")

    # The #lunch post came after the #fietsen one and the unfollow: once it is there, both
    # have been processed.
    entries = await eventually(lambda: _has(plein, bob, lunch_id))
    assert old_id not in entries
    assert new_id not in entries


async def _has(plein: Plein, person: Person, post_id: str) -> dict[str, dict[str, Any]]:
    entries = await _home(plein, person)
    assert post_id in entries
    return entries


async def test_following_something_that_is_no_topic_is_a_problem_document(plein: Plein) -> None:
    ann = await plein.register("ann", "Ann de Vries")
    response = await plein.http.put("/identity/me/topics/no%20topic!", headers=ann.auth)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    response = await plein.http.get("/identity/me", headers=ann.auth)
    assert response.json()["followed_topics"] == []
    response = await plein.http.get("/posts/topics/no%20topic!", headers=ann.auth)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
