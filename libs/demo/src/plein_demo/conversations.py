"""Demo conversations, created through posts' HTTP API like a real user would: threads with
nested replies, questions with and without a best answer, an announcement, praise and a poll,
in Dutch and English.

Called at the end of the demo seed, once people (and, where identity has them, groups) exist.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

REFUSED = {403, 404, 409}


@dataclass(frozen=True)
class Thread:
    author: str
    text: str
    kind: str = "post"
    replies: list[tuple[str, str, int | None]] = field(default_factory=list)  # who, text, parent
    reactions: dict[str, str] = field(default_factory=dict)  # who -> reaction
    best_answer: int | None = None  # index into replies


THREADS = [
    Thread(
        "ann",
        "Wie gaat er mee naar de kerstborrel op 19 december? Graag even reageren voor de "
        "catering. #kerstborrel",
        replies=[
            ("bob", "Ik ben erbij! Neem ik iemand mee?", None),
            ("ann", "Partners zijn welkom, Bob.", 0),
            ("chloe", "Gezellig, ik kom ook.", None),
        ],
        reactions={"bob": "celebrate", "chloe": "like", "tom": "love"},
    ),
    Thread(
        "daan",
        "Next week we move the staging environment to the new cluster. Expect a short "
        "freeze on Tuesday morning. #engineering",
        replies=[
            ("eva", "Will the old database URLs keep working?", None),
            ("daan", "Yes, for two weeks; we'll send the new ones on Monday.", 0),
            ("greet", "Monitoring dashboards are already moved.", None),
        ],
        reactions={"eva": "thanks", "greet": "like", "hugo": "insightful"},
    ),
    Thread(
        "jeroen",
        "Weet iemand hoe ik een declaratie indien voor een treinreis naar een klant? #hr",
        kind="question",
        replies=[
            (
                "kim",
                "Via het onkostenformulier op het intranet, met je OV-factuur als bijlage.",
                None,
            ),
            ("ilse", "En vergeet de projectcode niet.", None),
        ],
        reactions={"kim": "like"},
        best_answer=0,
    ),
    Thread(
        "farid",
        "How do I get access to the design system repository? #engineering #design",
        kind="question",
        replies=[("daan", "Ask Eva; she manages the team permissions.", None)],
        best_answer=0,
    ),
    Thread(
        "mila",
        "Heeft iemand donderdag een parkeerplek over? Mijn auto staat in de garage. #kantoor",
        kind="question",
        replies=[("lars", "Ik kijk even of er een gastplek vrij is.", None)],
    ),
    Thread(
        "pieter",
        "Does anyone have a good template for a quarterly business review? #sales",
        kind="question",
    ),
]

PRAISE = [
    ("ann", ["bob", "chloe"], "team_player", "Geweldige campagne neergezet, samen in recordtijd!"),
    ("daan", ["eva"], "problem_solver", "Eva found the bug that had haunted our builds for weeks."),
]

POLL = (
    "ilse",
    "Welke dag past het best voor de teamdag in januari? / Which day suits the team day best?",
    ["Dinsdag / Tuesday", "Woensdag / Wednesday", "Donderdag / Thursday"],
    {"ann": 0, "bob": 2, "daan": 2, "eva": 1, "kim": 2},
)

ANNOUNCEMENT = (
    "Nieuw: hybride werkbeleid / New hybrid work policy",
    "Vanaf 1 februari werken we minimaal twee dagen per week op kantoor. "
    "From February 1st we work at the office at least two days a week. #hr",
)


async def seed_conversations(
    http: httpx.AsyncClient, people: dict[str, dict[str, Any]], groups: dict[str, str]
) -> None:
    """Create the demo conversations (people: handle -> {"id", "token"}; groups: name -> id;
    `http` has base_url .../api). Posts on profiles when there are no groups."""
    await _wait_until_posts_caught_up(http)

    def auth(handle: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {people[handle]['token']}"}

    group_list = list(groups.values())
    turn = itertools.count()

    async def start(path: str, author: str, body: dict[str, Any]) -> tuple[str, str] | None:
        """Start a thread by `author` in the next group (in turn) they may post in; on their
        profile when there is none."""
        first = next(turn)
        rotated = [group_list[(first + i) % len(group_list)] for i in range(len(group_list))]
        for group_id in [*rotated, None]:
            response = await http.post(
                path, headers=auth(author), json={**body, "group_id": group_id}
            )
            if response.status_code not in REFUSED:
                response.raise_for_status()
                return response.json()["id"], author
        return None

    for thread in THREADS:
        if thread.author not in people:
            continue
        started = await start(
            "/posts/posts", thread.author, {"text": thread.text, "kind": thread.kind}
        )
        if started is None:
            continue
        post_id, asker = started
        reply_ids: list[str] = []
        for who, text, parent in thread.replies:
            if who not in people:
                who = asker
            body = {"text": text, "parent_id": reply_ids[parent] if parent is not None else None}
            response = await http.post(
                f"/posts/posts/{post_id}/replies", headers=auth(who), json=body
            )
            if response.status_code in REFUSED:
                response = await http.post(
                    f"/posts/posts/{post_id}/replies", headers=auth(asker), json=body
                )
            response.raise_for_status()
            reply_ids.append(response.json()["reply_id"])
        for who, reaction in thread.reactions.items():
            if who in people:
                await http.put(
                    f"/posts/posts/{post_id}/reaction",
                    headers=auth(who),
                    json={"reaction": reaction},
                )  # a non-member of a group is refused: fine, the demo obeys the rules
        if thread.best_answer is not None and reply_ids:
            response = await http.put(
                f"/posts/posts/{post_id}/best-answer",
                headers=auth(asker),
                json={"reply_id": reply_ids[thread.best_answer]},
            )
            response.raise_for_status()

    for author, praised, badge, text in PRAISE:
        praised_ids = [people[h]["id"] for h in praised if h in people]
        if author in people and praised_ids:
            response = await http.post(
                "/posts/praise",
                headers=auth(author),
                json={"praised_ids": praised_ids, "badge": badge, "text": text},
            )
            response.raise_for_status()

    author, question, options, votes = POLL
    if author in people:
        started = await start("/posts/polls", author, {"question": question, "options": options})
        if started is not None:
            for who, option in votes.items():
                if who in people:
                    await http.post(
                        f"/posts/posts/{started[0]}/votes",
                        headers=auth(who),
                        json={"option": option},
                    )

    # An announcement needs a group and a group admin or community manager: the first demo
    # person posts accepts is the one who announces.
    title, text = ANNOUNCEMENT
    for group_id in list(groups.values())[:1]:
        for handle in people:
            response = await http.post(
                "/posts/announcements",
                headers=auth(handle),
                json={"group_id": group_id, "title": title, "text": text},
            )
            if response.status_code not in REFUSED:
                response.raise_for_status()
                break


async def _wait_until_posts_caught_up(http: httpx.AsyncClient, timeout_s: float = 30.0) -> None:
    """Posts learns people and groups from identity's events: wait until it has read them."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        response = await http.get("/posts/ready")
        if response.status_code == 200:
            lags = [p.get("lag") for p in response.json().get("projections", [])]
            if lags and all(lag == 0 for lag in lags):
                return
        await asyncio.sleep(0.2)
