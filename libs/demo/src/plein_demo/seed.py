"""The demo organisation `make run` seeds on first start, created through the public HTTP API
(so the demo obeys every rule a real user does)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from .conversations import seed_conversations
from .notifications import seed_notifications

DEMO_PASSWORD = "plein-demo-2026"
DEMO_DOMAIN = "example.com"
DEMO_LANGUAGE = "nl"  # a Dutch organisation: pages and e-mails follow the profile's language


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
    # Sales and Engineering have at least k = 5 people, so that a department's KPIs show
    # (`scope=department:Sales`, the README's example); smaller ones are refused.
    Person("umar", "Umar Yilmaz", "Sales", "Account Manager", "noah"),
    Person("vera", "Vera Kok", "Sales", "Sales Engineer", "noah"),
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
    "umar": ["noah", "olivia"],
    "vera": ["noah", "pieter", "daan"],
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


# Groups: name -> (visibility, owner, members). The owner creates it and becomes its admin.
GROUPS: dict[str, tuple[str, str, list[str]]] = {
    "Engineering": ("public", "daan", ["eva", "farid", "greet", "hugo", "sanne"]),
    "Marketing": ("public", "ann", ["bob", "chloe", "tom"]),
    "Hardloopclub": ("public", "greet", ["bob", "kim", "olivia", "rosa", "farid"]),
    "Leadership team": ("private", "ann", ["daan", "ilse", "lars", "noah", "quinten"]),
}
NETWORK_ADMIN = "ann"  # the first person to register becomes the network admin
COMMUNITY_MANAGER, COMMUNITY_BACKUP = "kim", "mila"
SHARED_ACCOUNTS = {"HR": ("HR", ["ilse", "jeroen"])}  # name -> (department, delegates)

Seeded = dict[str, Any]


async def seed_demo(base_url: str, say: Callable[[str], None] = print) -> Seeded | None:
    """Create the demo organisation; None if it was already there.

    Returns {"people": {handle: {"id", "token"}}, "groups": {name: id},
    "shared_accounts": {name: {"id", "delegates"}}} for seeds that build on it.
    """
    async with httpx.AsyncClient(base_url=f"{base_url}/api", timeout=30.0) as http:
        ids: dict[str, str] = {}
        tokens: dict[str, str] = {}
        # Sign-up answers alike whether an address has an account or not (identity tells no
        # stranger who is registered): the demo's first person signing in says it is seeded.
        first = PEOPLE[0]
        response = await http.post(
            "/identity/tokens", json={"email": first.email, "password": DEMO_PASSWORD}
        )
        if response.status_code == 200:
            return None
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
                    "languages": [DEMO_LANGUAGE],
                },
            )
            response.raise_for_status()
            ids[person.handle] = response.json()["id"]
        for person in PEOPLE:
            response = await http.post(
                "/identity/tokens", json={"email": person.email, "password": DEMO_PASSWORD}
            )
            response.raise_for_status()
            tokens[person.handle] = response.json()["access_token"]
        say(f"seeded {len(PEOPLE)} people; {NETWORK_ADMIN} is the network admin")

        def auth(handle: str) -> dict[str, str]:
            return {"Authorization": f"Bearer {tokens[handle]}"}

        async def call(method: str, path: str, handle: str, **kwargs: Any) -> Any:
            response = await http.request(method, path, headers=auth(handle), **kwargs)
            response.raise_for_status()
            return response.json() if response.content else None

        for follower, followees in FOLLOWS.items():
            for followee in followees:
                await call(
                    "POST", "/identity/me/following", follower, json={"user_id": ids[followee]}
                )

        await call(
            "POST",
            f"/identity/users/{ids[COMMUNITY_MANAGER]}/roles",
            NETWORK_ADMIN,
            json={"role": "community_manager"},
        )
        await call(
            "PUT",
            f"/identity/users/{ids[COMMUNITY_MANAGER]}/availability",
            COMMUNITY_MANAGER,
            json={"away_until": None, "backup_id": ids[COMMUNITY_BACKUP]},
        )

        groups = await _seed_groups(call, ids)
        accounts: dict[str, Any] = {}
        for name, (department, delegates) in SHARED_ACCOUNTS.items():
            account = await call(
                "POST",
                "/identity/shared-accounts",
                NETWORK_ADMIN,
                json={"name": name, "department": department},
            )
            for delegate in delegates:
                await call(
                    "PUT",
                    f"/identity/shared-accounts/{account['id']}/delegates/{ids[delegate]}",
                    NETWORK_ADMIN,
                )
            accounts[name] = {"id": account["id"], "delegates": delegates}
        say(
            f"seeded {sum(map(len, FOLLOWS.values()))} follows, {len(groups)} groups "
            f"(one private), community manager {COMMUNITY_MANAGER} (backup {COMMUNITY_BACKUP}), "
            f"shared account HR (delegates {', '.join(SHARED_ACCOUNTS['HR'][1])})"
        )

        for author, text in POSTS:
            await call("POST", "/posts/posts", author, json={"text": text})
        say(f"seeded {len(POSTS)} posts")

        people = {h: {"id": ids[h], "token": tokens[h]} for h in ids}
        await seed_conversations(http, people, groups)
        await seed_notifications(http, ids, tokens, say)
        return {"people": people, "groups": groups, "shared_accounts": accounts}


async def _seed_groups(call: Callable[..., Any], ids: dict[str, str]) -> dict[str, str]:
    """The demo's groups, by name (the all-company group included). The private group is
    filled by invitation, and one member gets in by a request the owner approves."""
    groups: dict[str, str] = {}
    for name, (visibility, owner, members) in GROUPS.items():
        group = await call(
            "POST",
            "/identity/groups",
            owner,
            json={
                "name": name,
                "description": f"{name} at the demo company",
                "visibility": visibility,
            },
        )
        groups[name] = group["id"]
        for i, member in enumerate(members):
            if visibility == "public":
                await call("POST", f"/identity/groups/{group['id']}/join", member)
            elif i == 0:
                await call("POST", f"/identity/groups/{group['id']}/requests", member, json={})
                await call(
                    "POST", f"/identity/groups/{group['id']}/requests/{ids[member]}/approve", owner
                )
            else:
                await call(
                    "POST",
                    f"/identity/groups/{group['id']}/invitations",
                    owner,
                    json={"user_id": ids[member]},
                )
                await call("POST", f"/identity/groups/{group['id']}/join", member)
    listed = await call("GET", "/identity/groups", NETWORK_ADMIN)
    for group in listed["groups"]:
        if group["is_all_company"]:
            groups[group["name"]] = group["id"]
    return groups
