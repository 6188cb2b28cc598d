"""The demo organisation `make run` seeds on first start, created through the public HTTP API
(so the demo obeys every rule a real user does)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import httpx

from .demo_notify import seed_notifications

DEMO_PASSWORD = "plein-demo-2026"
DEMO_DOMAIN = "example.com"


@dataclass(frozen=True)
class Person:
    handle: str
    name: str
    department: str
    title: str
    manager: str | None = None

    @property
    def email(self) -> str:
        return f"{self.handle}@{DEMO_DOMAIN}"


PEOPLE = [
    Person("ann", "Ann de Vries", "Marketing", "Head of Marketing"),
    Person("bob", "Bob Jansen", "Marketing", "Campaign Manager", "ann"),
    Person("chloe", "Chloé Bakker", "Marketing", "Content Writer", "ann"),
    Person("daan", "Daan Visser", "Engineering", "CTO"),
    Person("eva", "Eva Smit", "Engineering", "Backend Engineer", "daan"),
    Person("farid", "Farid El Amrani", "Engineering", "Frontend Engineer", "daan"),
    Person("greet", "Greet Mulder", "Engineering", "SRE", "daan"),
    Person("hugo", "Hugo de Boer", "Engineering", "Data Engineer", "daan"),
    Person("ilse", "Ilse Meijer", "HR", "HR Director"),
    Person("jeroen", "Jeroen de Groot", "HR", "Recruiter", "ilse"),
    Person("kim", "Kim Bos", "HR", "People Partner", "ilse"),
    Person("lars", "Lars Vos", "Facilities", "Facilities Lead"),
    Person("mila", "Mila Peters", "Facilities", "Office Manager", "lars"),
    Person("noah", "Noah Hendriks", "Sales", "Sales Director"),
    Person("olivia", "Olivia van Dijk", "Sales", "Account Executive", "noah"),
    Person("pieter", "Pieter van Leeuwen", "Sales", "Account Executive", "noah"),
    Person("quinten", "Quinten Dekker", "Finance", "CFO"),
    Person("rosa", "Rosa Brouwer", "Finance", "Controller", "quinten"),
    Person("sanne", "Sanne de Wit", "Engineering", "QA Engineer", "daan"),
    Person("tom", "Tom Dijkstra", "Marketing", "Designer", "ann"),
]
MANAGERS = {p.manager for p in PEOPLE if p.manager} | {p.handle for p in PEOPLE if not p.manager}

FOLLOWS = {
    "bob": ["ann", "chloe", "tom", "daan"],
    "chloe": ["ann", "bob"],
    "eva": ["daan", "farid", "greet", "hugo"],
    "farid": ["eva", "tom"],
    "ann": ["bob", "noah", "ilse"],
    "daan": ["eva", "ann"],
    "ilse": ["jeroen", "kim", "ann"],
    "kim": ["ilse", "mila"],
    "noah": ["olivia", "pieter", "ann"],
    "olivia": ["noah", "bob"],
    "lars": ["mila"],
    "mila": ["lars", "kim"],
    "quinten": ["rosa", "noah"],
    "rosa": ["quinten"],
    "sanne": ["eva", "greet"],
    "tom": ["ann", "chloe", "farid"],
    "hugo": ["eva", "rosa"],
    "greet": ["daan", "sanne"],
    "jeroen": ["ilse"],
    "pieter": ["noah"],
}

POSTS = [
    ("ann", "Hallo allemaal! Welkom op Plein, ons nieuwe intranet. #welkom"),
    ("daan", "The new CI pipeline is live: builds are twice as fast. #engineering"),
    ("ilse", "Vergeet niet je verlofaanvragen voor de kerst vóór 1 december in te dienen. #hr"),
    ("bob", "Who has a good example of a campaign brief? Sharing ours next week. #marketing"),
    ("eva", "Wrote up how our event store works; feedback welcome. #engineering #docs"),
    ("lars", "De koffiemachine op de tweede verdieping is gerepareerd. #kantoor"),
    ("noah", "Great quarter, team: we closed three new customers in Utrecht. #sales"),
    ("chloe", "Nieuwe huisstijlgids staat online, kijk even of je teksten kloppen. #marketing"),
]


async def seed_demo(base_url: str, say: Callable[[str], None] = print) -> bool:
    """Create the demo organisation; False if it was already there."""
    async with httpx.AsyncClient(base_url=f"{base_url}/api", timeout=30.0) as http:
        ids: dict[str, str] = {}
        tokens: dict[str, str] = {}
        for person in PEOPLE:
            response = await http.post(
                "/identity/users",
                json={
                    "email": person.email,
                    "password": DEMO_PASSWORD,
                    "display_name": person.name,
                    "department": person.department,
                    "job_title": person.title,
                    "is_manager": person.handle in MANAGERS,
                    "manager_id": ids.get(person.manager) if person.manager else None,
                },
            )
            if response.status_code == 409 and person is PEOPLE[0]:
                return False
            response.raise_for_status()
            ids[person.handle] = response.json()["id"]
        for person in PEOPLE:
            response = await http.post(
                "/identity/tokens", json={"email": person.email, "password": DEMO_PASSWORD}
            )
            response.raise_for_status()
            tokens[person.handle] = response.json()["access_token"]
        say(f"seeded {len(PEOPLE)} people")

        def auth(handle: str) -> dict[str, str]:
            return {"Authorization": f"Bearer {tokens[handle]}"}

        for follower, followees in FOLLOWS.items():
            for followee in followees:
                response = await http.post(
                    "/identity/me/following",
                    headers=auth(follower),
                    json={"user_id": ids[followee]},
                )
                response.raise_for_status()
        for author, text in POSTS:
            response = await http.post("/posts/posts", headers=auth(author), json={"text": text})
            response.raise_for_status()
        say(f"seeded {sum(map(len, FOLLOWS.values()))} follows and {len(POSTS)} posts")
        await seed_notifications(http, ids, tokens, say)
    return True
