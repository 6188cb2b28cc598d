"""Read receipts: "seen by 312 of 400" for an announcement (or any thread), its reach and its
engagement. Pure functions over the read model's rows of the posts asked about."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from .domain_measures import active_during, share_of
from .history import Memberships
from .inputs import Dataset, Row, from_us


def may_see_receipts(
    viewer: set[str], thread: Row, roles: set[str], admin_of: set[str], member_of: set[str]
) -> bool:
    """The author (also when they wrote as a shared account: `viewer` holds both ids), the
    group's admins and community managers; a private group's only for its members too."""
    group, private = thread["group_id"], bool(thread["private"])
    if thread["author_id"] in viewer or (group is not None and group in admin_of):
        return True
    return "community_manager" in roles and (not private or group in member_of)


def receipts(data: Dataset, post_ids: list[str]) -> list[dict[str, Any]]:
    """For each thread: its audience when it was posted (the group's members and admins then,
    or everyone for a post outside groups; active, registered, not its author), how many of
    them saw it (had it on screen, or responded), acknowledged it and interacted with it
    (replied or reacted); reach = seen / audience, engagement = interacted / seen."""
    threads = {t["post_id"]: t for t in data.threads}
    memberships = Memberships(data.membership_history)
    status: dict[str, list[Row]] = defaultdict(list)
    for s in sorted(data.person_status, key=lambda s: (s["at"], s["event_id"])):
        status[s["user_id"]].append(s)
    read: dict[str, set[str]] = defaultdict(set)
    interacted: dict[str, set[str]] = defaultdict(set)
    for r in data.activity:
        thread = threads.get(r["post_id"])
        if thread is None or r["at"] < thread["at"]:
            continue
        if r["kind"] == "read":
            read[r["post_id"]].add(r["user_id"])
        elif r["kind"] == "respond":
            interacted[r["post_id"]].add(r["user_id"])
    acknowledged: dict[str, set[str]] = defaultdict(set)
    for a in data.acknowledgements:
        acknowledged[a["post_id"]].add(a["user_id"])
    registered = {
        p["user_id"]: p["registered_at"] for p in data.people if p["registered_at"] is not None
    }
    out = []
    for post_id in post_ids:
        thread = threads[post_id]
        at, group = thread["at"], thread["group_id"]
        candidates = (
            memberships.members_at(group, at)
            if group is not None
            else {p["user_id"] for p in data.people}
        )
        audience = {
            u
            for u in candidates
            if u != thread["author_id"]
            and u in registered
            and registered[u] <= at
            and active_during(status[u], at, at + 1)
        }
        responded = interacted[post_id] & audience
        seen = (read[post_id] & audience) | responded
        acks = acknowledged[post_id] & audience
        out.append(
            {
                "post_id": post_id,
                "kind": thread["kind"],
                "group_id": group,
                "posted_at": from_us(at).isoformat(),
                "audience": len(audience),
                "seen": len(seen),
                "acknowledged": len(acks),
                "interacted": len(responded),
                "reach": share_of(len(seen), len(audience)),
                "engagement": share_of(len(responded), len(seen)),
                "summary": f"seen by {len(seen)} of {len(audience)}, acknowledged by {len(acks)}",
            }
        )
    return out
