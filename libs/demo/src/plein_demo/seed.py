"""The demo organisation `make run` seeds on first start, created through the public HTTP API
(so the demo obeys every rule a real user does).

Two sizes: over HTTP (`seed_demo(base_url)`) the 22 people everyone signs in as, their groups
and a few conversations of today (what most tests seed); given the running app
(`seed_demo(base_url, app=app)`, what `plein run` does) also ~130 colleagues and twelve weeks
of history before today, each request made in process at its moment in the past
(history.py plans it, history_seed.py writes it)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime, time, timedelta
from typing import Any
from uuid import UUID

import httpx
from plein_events import clock
from starlette.routing import Mount

from .conversations import seed_conversations
from .history import ALL_COMPANY, DAYS, group_owner, plan
from .history_seed import Historian, at_most, caught_up
from .notifications import seed_notifications
from .organisation import COLLEAGUES, DEPARTMENTS, EVERYONE
from .people import DEMO_LANGUAGE, PEOPLE, Person

DEMO_PASSWORD = "plein-demo-2026"

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
DESCRIPTIONS = {
    **{name: description for name, description, _ in DEPARTMENTS.values()},
    "Hardloopclub": "Samen hardlopen op dinsdag- en donderdagavond, elk niveau welkom. "
    "Runners of every pace are welcome.",
    "Leadership team": "Het managementteam: strategie, kwartaalcijfers en besluiten die nog "
    "niet gedeeld kunnen worden.",
}
NETWORK_ADMIN = "ann"  # the first person to register becomes the network admin
COMMUNITY_MANAGER, COMMUNITY_BACKUP = "kim", "mila"
SHARED_ACCOUNTS = {"HR": ("HR", ["ilse", "jeroen"])}  # name -> (department, delegates)

Seeded = dict[str, Any]


def history_start(now: datetime) -> datetime:
    """Day 0 of the history that ends yesterday (twelve whole weeks before today)."""
    today = datetime.combine(now.date(), time(0), now.tzinfo)
    return today - timedelta(days=DAYS)


async def seed_demo(
    base_url: str, say: Callable[[str], None] = print, *, app: Any = None
) -> Seeded | None:
    """Create the demo organisation; None if it was already there.

    `app`: the running Plein's ASGI app, in this process. With it, requests go to it in
    process and the demo gets its colleagues and twelve weeks of history, its people
    registered a few days before; without it, the 22 people and today's conversations only.

    Returns {"people": {handle: {"id", "token"}}, "groups": {name: id},
    "shared_accounts": {name: {"id", "delegates"}}, "history": History | None}.
    """
    transport = httpx.ASGITransport(app=app) if app is not None else None
    async with httpx.AsyncClient(
        base_url=f"{base_url}/api", timeout=60.0, transport=transport
    ) as http:
        start = history_start(clock.now())
        history = plan(start.date()) if app is not None else None
        # The company opens its Plein on a morning three days before its history begins.
        founded = start - timedelta(days=3, hours=-9) if history is not None else None

        def then(offset_h: float = 0) -> AbstractContextManager[Any]:
            """Back at the founding of the company (+ offset), when there is a history."""
            if founded is None:
                return nullcontext()
            return clock.at(founded + timedelta(hours=offset_h))

        people = [*PEOPLE, *COLLEAGUES] if history is not None else PEOPLE
        ids = await _register(http, PEOPLE, then)
        if ids is None:
            return None
        tokens = await _log_in(http, PEOPLE)
        if history is not None:
            colleagues = await _register_colleagues(app, ids, then)
            ids.update({h: c[0] for h, c in colleagues.items()})
            tokens.update({h: c[1] for h, c in colleagues.items()})
        say(f"seeded {len(people)} people; {NETWORK_ADMIN} is the network admin")

        def auth(handle: str) -> dict[str, str]:
            return {"Authorization": f"Bearer {tokens[handle]}"}

        async def call(method: str, path: str, handle: str, **kwargs: Any) -> Any:
            with then(1):
                response = await http.request(method, path, headers=auth(handle), **kwargs)
            response.raise_for_status()
            return response.json() if response.content else None

        follows = _follows(people)

        async def follow(follower: str, followees: list[str]) -> None:
            for followee in followees:  # one person's follows in turn: one aggregate
                await call(
                    "POST", "/identity/me/following", follower, json={"user_id": ids[followee]}
                )

        await at_most(6, (follow(f, fs) for f, fs in follows.items()))

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

        groups = await _seed_groups(call, ids, departments=history is not None)
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
            f"seeded {sum(map(len, follows.values()))} follows, {len(groups)} groups "
            f"(one private), community manager {COMMUNITY_MANAGER} (backup {COMMUNITY_BACKUP}), "
            f"shared account HR (delegates {', '.join(SHARED_ACCOUNTS['HR'][1])})"
        )

        await caught_up(http, "posts")
        for author, text in POSTS:
            await call("POST", "/posts/posts", author, json={"text": text})
        say(f"seeded {len(POSTS)} posts")

        seeded = {h: {"id": ids[h], "token": tokens[h]} for h in ids}
        if history is not None:
            say(f"history: twelve weeks from {history.first_day} to {history.last_day}…")
            places = {d: groups[name] for d, (name, _, _) in DEPARTMENTS.items()}
            places[ALL_COMPANY] = groups[ALL_COMPANY_NAME]
            await Historian(http, seeded, places, say).write(history)
            say("history: written; the services are still reading it (a minute at most)")
        core = {h: seeded[h] for h in (p.handle for p in PEOPLE)}
        named = {n: i for n, i in groups.items() if n != ALL_COMPANY_NAME}
        await seed_conversations(http, core, named)
        await seed_notifications(http, ids, tokens, say)
        return {
            "people": seeded,
            "groups": named,
            "shared_accounts": accounts,
            "history": history,
        }


ALL_COMPANY_NAME = "*all-company*"  # replaced by its real name in _seed_groups' answer


async def _register(
    http: httpx.AsyncClient, people: list[Person], then: Callable[..., Any]
) -> dict[str, str] | None:
    """Register `people` (None if the first one was there already): the first one alone (the
    network admin), then heads of department, then everyone else, a few at a time."""
    ids: dict[str, str] = {}
    managers = {p.manager for p in people if p.manager} | {
        p.handle for p in people if not p.manager
    }

    async def register(person: Person) -> bool:
        with then():
            response = await http.post(
                "/identity/users",
                json={
                    "email": person.email,
                    "password": DEMO_PASSWORD,
                    "display_name": person.name,
                    "department": person.department,
                    "job_title": person.title,
                    "is_manager": person.handle in managers,
                    "manager_id": ids.get(person.manager) if person.manager else None,
                    "languages": [DEMO_LANGUAGE],
                },
            )
        if response.status_code == 409 and person is people[0]:
            return False
        response.raise_for_status()
        ids[person.handle] = response.json()["id"]
        return True

    if not await register(people[0]):
        return None
    heads = [p for p in people[1:] if p.manager is None]
    await at_most(4, (register(p) for p in heads))
    await at_most(4, (register(p) for p in people[1:] if p.manager is not None))
    return {p.handle: ids[p.handle] for p in people}


async def _register_colleagues(
    app: Any, ids: dict[str, str], then: Callable[..., Any]
) -> dict[str, tuple[str, str]]:
    """Register the colleagues (handle -> (id, access token)) by identity's own use cases in
    this process, without a password: nobody signs in as them, and 130 password hashes
    (argon2, made slow on purpose) would take most of the seed's minute. Their tokens are
    issued by identity as at a log in."""
    accounts = _identity_accounts(app)
    managers = {p.manager for p in COLLEAGUES if p.manager} | {
        p.handle for p in COLLEAGUES if not p.manager
    }
    out: dict[str, tuple[str, str]] = {}

    async def register(person: Person) -> None:
        known = ids | {h: registered[0] for h, registered in out.items()}
        manager = known.get(person.manager) if person.manager else None
        with then():
            user = await accounts.register(
                email=person.email,
                invitation=None,
                password=None,
                display_name=person.name,
                department=person.department,
                job_title=person.title,
                is_manager=person.handle in managers,
                manager_id=UUID(manager) if manager else None,
                languages=[DEMO_LANGUAGE],
            )
        issued = await accounts.issue(user.id)
        out[person.handle] = (str(user.id), issued["access_token"])

    await at_most(4, (register(p) for p in COLLEAGUES if p.manager is None))
    await at_most(4, (register(p) for p in COLLEAGUES if p.manager is not None))
    return out


def _identity_accounts(app: Any) -> Any:
    """identity's account use cases, from the app this process serves it in."""
    for route in app.routes:
        if isinstance(route, Mount) and route.path == "/api/identity":
            return route.app.state.service.accounts
    raise RuntimeError("the demo's history needs identity running in this process")


async def _log_in(http: httpx.AsyncClient, people: list[Person]) -> dict[str, str]:
    """Access tokens, issued now (a token issued in the past would have expired)."""
    tokens: dict[str, str] = {}

    async def log_in(person: Person) -> None:
        response = await http.post(
            "/identity/tokens", json={"email": person.email, "password": DEMO_PASSWORD}
        )
        response.raise_for_status()
        tokens[person.handle] = response.json()["access_token"]

    await at_most(4, (log_in(p) for p in people))
    return tokens


def _follows(people: list[Person]) -> dict[str, list[str]]:
    """The core people's follows, and every colleague follows their head of department and
    two colleagues (the same two on every run)."""
    follows = {h: list(f) for h, f in FOLLOWS.items()}
    handles = {p.handle for p in people}
    for i, person in enumerate(p for p in people if p.handle not in FOLLOWS):
        same = [p.handle for p in people if p.department == person.department]
        others = [h for h in same if h != person.handle]
        chosen = [person.manager] if person.manager else []
        for k in (i * 7, i * 13 + 3):
            candidate = others[k % len(others)]
            if candidate not in chosen:
                chosen.append(candidate)
        follows[person.handle] = [h for h in chosen if h in handles]
    return follows


async def _seed_groups(
    call: Callable[..., Any], ids: dict[str, str], *, departments: bool = False
) -> dict[str, str]:
    """The demo's groups, by name (the all-company group under ALL_COMPANY_NAME). The private
    group is filled by invitation, and one member gets in by a request the owner approves.
    With `departments`, every department has its public group with all its people in it."""
    plans = dict(GROUPS)
    if departments:
        for department, (name, _, _) in DEPARTMENTS.items():
            staff = [p.handle for p in EVERYONE if p.department == department]
            owner = group_owner(department)
            known = plans.get(name, ("public", owner, []))
            members = [*known[2], *(h for h in staff if h not in known[2] and h != known[1])]
            plans[name] = ("public", known[1], members)
    groups: dict[str, str] = {}

    async def fill(group_id: str, visibility: str, owner: str, members: list[str]) -> None:
        for i, member in enumerate(members):  # one group's members in turn: one aggregate
            if visibility == "public":
                await call("POST", f"/identity/groups/{group_id}/join", member)
            elif i == 0:
                await call("POST", f"/identity/groups/{group_id}/requests", member, json={})
                await call(
                    "POST", f"/identity/groups/{group_id}/requests/{ids[member]}/approve", owner
                )
            else:
                await call(
                    "POST",
                    f"/identity/groups/{group_id}/invitations",
                    owner,
                    json={"user_id": ids[member]},
                )
                await call("POST", f"/identity/groups/{group_id}/join", member)

    for name, (visibility, owner, _) in plans.items():
        group = await call(
            "POST",
            "/identity/groups",
            owner,
            json={
                "name": name,
                "description": DESCRIPTIONS.get(name, name),
                "visibility": visibility,
            },
        )
        groups[name] = group["id"]
    await at_most(6, (fill(groups[name], *plan) for name, plan in plans.items()))
    listed = await call("GET", "/identity/groups", NETWORK_ADMIN)
    for group in listed["groups"]:
        if group["is_all_company"]:
            groups[ALL_COMPANY_NAME] = group["id"]
            groups[group["name"]] = group["id"]
    return groups
