"""Property: the write side and every read side accept exactly the same texts.

Any text a person types is either refused at the API (422) because no store could keep it, or
accepted and then found by every projection that keeps it: in the thread, the search index,
the home feed and the people directory, with nothing dead-lettered anywhere.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
from uuid import uuid4

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from plein_platform.text import unstorable
from plein_testdata.servers import Plein, eventually

# Every code point, surrogates and controls included, and the cases that once went wrong.
any_text = st.text(st.characters(exclude_categories=()), min_size=1, max_size=30)


async def _caught_up(plein: Plein) -> None:
    for service in plein.runtime.services:
        for runner in service.runners.values():
            assert await runner.pending() == 0, runner.projection.name


async def _dead_letters(plein: Plein) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for service in plein.runtime.services:
        async with service.ctx.pool.connection() as conn:
            cur = await conn.execute("SELECT projection, error FROM dead_letters")
            found += [(row[0], row[1]) for row in await cur.fetchall()]
    return found


async def test_every_text_the_api_accepts_reaches_every_projection_and_no_other(
    plein: Plein,
) -> None:
    ann = await plein.register("ann")
    http = plein.http
    loop = asyncio.get_running_loop()

    async def send(method: str, url: str, body: dict[str, Any]) -> Any:
        return await http.request(  # ASCII JSON, so that a lone surrogate travels as \ud800
            method,
            url,
            headers={**ann.auth, "content-type": "application/json"},
            content=json.dumps(body).encode(),
        )

    async def run(text: str) -> None:
        marker = f"m{uuid4().hex[:12]}"  # finds this example's post and profile
        post = await send("POST", "/posts/posts", {"text": f"{marker} {text}"})
        profile = await send("PATCH", "/identity/me", {"job_title": f"{marker} {text}"})
        if unstorable(text) is not None:
            assert post.status_code == 422, post.text
            assert profile.status_code == 422, profile.text
            return
        assert profile.status_code == 200, profile.text
        if post.status_code != 201:  # refused for another rule (e.g. blank), never half-done
            assert post.status_code == 422, post.text
            return
        post_id = post.json()["id"]
        title = profile.json()["job_title"]  # as the write side kept it (whitespace trimmed)

        async def everywhere() -> None:
            home = await http.get("/feed/home", headers=ann.auth, params={"limit": 5})
            assert any(e["post_id"] == post_id for e in home.json()["entries"]), home.text
            hits = await http.get("/posts/search", headers=ann.auth, params={"q": marker})
            assert [h["post_id"] for h in hits.json()["hits"]] == [post_id], hits.text
            people = await http.get("/identity/people", headers=ann.auth, params={"title": marker})
            titles = [p["job_title"] for p in people.json()["people"]]
            assert titles == [title], people.text

        await eventually(everywhere)
        thread = await http.get(f"/posts/posts/{post_id}", headers=ann.auth)
        # As typed, less the surrounding whitespace the write side trims (posts' clean_text).
        assert thread.json()["text"] == f"{marker} {text}".strip()

    @settings(
        max_examples=25,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(any_text)
    @example("a\x00b")
    @example("\ud800 lone")
    @example("<script>alert(1)</script>")
    @example("tab\tnew\nline\x01\x7f\u200b\ufeff")
    @example("trailing  ")  # kept less the whitespace around it
    def property_holds(text: str) -> None:
        asyncio.run_coroutine_threadsafe(run(text), loop).result()

    # Hypothesis drives the examples from a thread while this loop serves the HTTP calls.
    await asyncio.to_thread(property_holds)
    await eventually(lambda: _caught_up(plein), timeout_s=60)
    assert await _dead_letters(plein) == []
