"""Notify's part of the demo seed: conversations that leave people notifications, and an
escalation. Kept apart from demo.py (the organisation itself) so each has one author.

It uses the group, question, reply and reaction endpoints of identity and posts; where a
running Plein does not have them, it says so and leaves that part out.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx


class _Missing(Exception):
    """An endpoint this Plein does not have (yet)."""


async def _call(http: httpx.AsyncClient, method: str, url: str, **kwargs: Any) -> Any:
    response = await http.request(method, url, **kwargs)
    if response.status_code in (404, 405, 422) and "/notify/" not in url:
        raise _Missing(f"{method} {url}: {response.status_code}")
    response.raise_for_status()
    return response.json() if response.content else None


async def seed_notifications(
    http: httpx.AsyncClient,
    ids: dict[str, str],
    tokens: dict[str, str],
    say: Callable[[str], None] = print,
) -> None:
    def auth(handle: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens[handle]}"}

    try:
        # Chloé asks, mentioning Ann; three colleagues answer: one consolidated entry for her.
        question = await _call(
            http,
            "POST",
            "/posts/posts",
            headers=auth("chloe"),
            json={
                "text": "Welke fotograaf hebben we vorig jaar voor de teamfoto gebruikt?",
                "kind": "question",
                "mentions": [ids["ann"]],
            },
        )
        for handle, text in [
            ("bob", "Ik meen Studio Licht uit Utrecht."),
            ("tom", "Klopt, Studio Licht. Ik heb hun nummer."),
            ("eva", "Their invoice is in the finance share."),
        ]:
            await _call(
                http,
                "POST",
                f"/posts/posts/{question['id']}/replies",
                headers=auth(handle),
                json={"text": text},
            )
        # Eva's write-up gets reactions: one aggregated entry.
        post = await _call(
            http,
            "POST",
            "/posts/posts",
            headers=auth("eva"),
            json={"text": "Part two of the event store write-up is up. #engineering"},
        )
        for handle in ("daan", "farid", "greet", "hugo"):
            await _call(
                http,
                "PUT",
                f"/posts/posts/{post['id']}/reaction",
                headers=auth(handle),
                json={"reaction": "insightful"},
            )
        say("seeded notifications: replies to Chloé, a mention of Ann, reactions for Eva")

        # A question in a group that nobody answers: Mila (group admin) raises it at once
        # instead of waiting 24 working hours; Lars, Mila and the community manager see it.
        group = await _call(
            http,
            "POST",
            "/identity/groups",
            headers=auth("lars"),
            json={"name": "Kantoor & Facilities", "description": "Alles over het kantoor"},
        )
        for handle in ("mila", "jeroen"):
            await _call(http, "POST", f"/identity/groups/{group['id']}/join", headers=auth(handle))
        await _call(
            http,
            "PUT",
            f"/identity/groups/{group['id']}/admins/{ids['mila']}",
            headers=auth("lars"),
        )
        asked = await _call(
            http,
            "POST",
            "/posts/posts",
            headers=auth("jeroen"),
            json={
                "text": "Wie heeft de sleutel van de fietsenstalling?",
                "kind": "question",
                "group_id": group["id"],
            },
        )
        await _raise_when_notify_knows(http, asked["id"], auth("mila"))
        say("seeded an escalation: Jeroen's unanswered question in Kantoor & Facilities")
    except _Missing as missing:
        say(f"notifications demo left out ({missing})")


async def _raise_when_notify_knows(
    http: httpx.AsyncClient, post_id: str, headers: dict[str, str]
) -> None:
    """Notify learns of the post from the event stream, a moment after posts stored it."""
    for _ in range(100):
        response = await http.post(
            "/notify/escalations", headers=headers, json={"post_id": post_id}
        )
        if response.status_code in (202, 409):
            return
        if response.status_code not in (403, 404):
            response.raise_for_status()
        await asyncio.sleep(0.1)  # the post or Mila's admin role has not arrived yet
    raise RuntimeError("notify did not learn of the demo question in time")
