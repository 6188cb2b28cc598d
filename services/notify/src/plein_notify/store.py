"""SQL for notify's own schema; the only module that knows its table names."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from psycopg import AsyncConnection
from psycopg.rows import dict_row

from .domain import Channel, Cursor, Kind

# What `plein replay notify` empties and refills. Preferences, the e-mail queue (what was sent
# stays sent), digests sent and the signing secret are not rebuilt from events.
TABLES = (
    "people",
    "groups",
    "members",
    "roles",
    "availability",
    "threads",
    "thread_participants",
    "notifications",
    "notification_actors",
    "causes",
    "escalations",
    "guideline_notices",
)
INBOX_CHANNEL = "plein_notify_inbox"
Conn = AsyncConnection[Any]


async def _rows(conn: Conn, query: str, params: Any = None) -> list[dict[str, Any]]:
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(query, params)
        return await cur.fetchall()


async def _ids(conn: Conn, query: str, params: Any = None) -> list[UUID]:
    cur = await conn.execute(query, params)
    return [row[0] for row in await cur.fetchall()]


# -- people, groups, roles -----------------------------------------------------------------


async def upsert_person(conn: Conn, user_id: UUID, name: str, email: str) -> None:
    await conn.execute(
        "INSERT INTO people (user_id, display_name, email) VALUES (%s, %s, %s) "
        "ON CONFLICT (user_id) DO UPDATE SET display_name = EXCLUDED.display_name, "
        "email = EXCLUDED.email",
        (user_id, name, email),
    )


async def set_active(conn: Conn, user_id: UUID, active: bool) -> None:
    await conn.execute("UPDATE people SET active = %s WHERE user_id = %s", (active, user_id))


async def forget_inbox(conn: Conn, user_id: UUID) -> None:
    """A deactivated or erased person's inbox and pending e-mails leave the read models."""
    await conn.execute(
        "DELETE FROM notification_actors WHERE notification_id IN "
        "(SELECT id FROM notifications WHERE recipient_id = %s)",
        (user_id,),
    )
    await conn.execute("DELETE FROM notifications WHERE recipient_id = %s", (user_id,))
    await conn.execute(
        "UPDATE email_queue SET cancelled = true WHERE recipient_id = %s AND sent_at IS NULL",
        (user_id,),
    )


async def erase_person(conn: Conn, user_id: UUID) -> None:
    """Everything notify holds about an erased person goes: their row, inbox, preferences,
    memberships, roles, and their name and words in other people's entries."""
    await forget_inbox(conn, user_id)
    for table in ("people", "members", "roles", "availability", "preferences", "digest_settings"):
        await conn.execute(f"DELETE FROM {table} WHERE user_id = %s", (user_id,))
    await conn.execute("DELETE FROM thread_participants WHERE user_id = %s", (user_id,))
    await conn.execute(
        "UPDATE notifications SET excerpt = NULL WHERE excerpt_author = %s", (user_id,)
    )
    touched = await _ids(
        conn,
        "DELETE FROM notification_actors WHERE actor_id = %s RETURNING notification_id",
        (user_id,),
    )
    for notification_id in touched:
        await _recount(conn, notification_id)
    await conn.execute("DELETE FROM email_queue WHERE recipient_id = %s", (user_id,))


async def recipient_choices(
    conn: Conn, wanted: list[tuple[UUID, Kind]]
) -> dict[tuple[UUID, Kind], str | None]:
    """For each (person, kind) whose person is known and active: the channel they chose for
    that kind (None: the kind's default). Inactive and unknown people are left out."""
    if not wanted:
        return {}
    cur = await conn.execute(
        "SELECT w.user_id, w.kind, c.channel "
        "FROM unnest(%s::uuid[], %s::text[]) AS w(user_id, kind) "
        "JOIN people p ON p.user_id = w.user_id AND p.active "
        "LEFT JOIN preferences c ON c.user_id = w.user_id AND c.kind = w.kind",
        ([user for user, _ in wanted], [kind.value for _, kind in wanted]),
    )
    return {(user, Kind(kind)): channel for user, kind, channel in await cur.fetchall()}


async def person(conn: Conn, user_id: UUID) -> dict[str, Any] | None:
    rows = await _rows(conn, "SELECT * FROM people WHERE user_id = %s", (user_id,))
    return rows[0] if rows else None


async def upsert_group(conn: Conn, group_id: UUID, name: str, private: bool) -> None:
    await conn.execute(
        "INSERT INTO groups (group_id, name, private) VALUES (%s, %s, %s) "
        "ON CONFLICT (group_id) DO UPDATE SET name = EXCLUDED.name, private = EXCLUDED.private",
        (group_id, name, private),
    )


async def add_member(conn: Conn, group_id: UUID, user_id: UUID, *, admin: bool = False) -> None:
    await conn.execute(
        "INSERT INTO members (group_id, user_id, is_admin) VALUES (%s, %s, %s) "
        "ON CONFLICT (group_id, user_id) DO UPDATE SET is_admin = members.is_admin OR %s",
        (group_id, user_id, admin, admin),
    )


async def remove_member(conn: Conn, group_id: UUID, user_id: UUID) -> None:
    await conn.execute(
        "DELETE FROM members WHERE group_id = %s AND user_id = %s", (group_id, user_id)
    )


async def touch_entries_in_group(conn: Conn, group_id: UUID, user_id: UUID) -> None:
    """`user_id`'s entries about the group change how they read (they left, or were removed):
    give them a new change_seq and wake the person's live streams to show them again."""
    await conn.execute(
        "UPDATE notifications SET change_seq = nextval('inbox_changes') "
        "WHERE group_id = %s AND recipient_id = %s",
        (group_id, user_id),
    )
    await signal(conn, user_id)


async def touch_outsiders_entries(conn: Conn, group_id: UUID) -> None:
    """The group turned private: non-members' entries about it change how they read."""
    await conn.execute(
        "WITH touched AS (UPDATE notifications n SET change_seq = nextval('inbox_changes') "
        " WHERE n.group_id = %(group)s AND NOT EXISTS (SELECT 1 FROM members m "
        " WHERE m.group_id = n.group_id AND m.user_id = n.recipient_id) "
        " RETURNING n.recipient_id) "
        "SELECT count(pg_notify(%(channel)s, r::text)) FROM (SELECT DISTINCT recipient_id AS r "
        "FROM touched) AS t",
        {"group": group_id, "channel": INBOX_CHANNEL},
    )


async def outside_managers_welcome(conn: Conn, group_id: UUID) -> bool:
    """Whether the group's admins opened its escalations to community managers outside it."""
    cur = await conn.execute(
        "SELECT outside_managers FROM group_escalation_choices WHERE group_id = %s", (group_id,)
    )
    row = await cur.fetchone()
    return bool(row and row[0])


async def set_outside_managers_welcome(conn: Conn, group_id: UUID, welcome: bool) -> None:
    await conn.execute(
        "INSERT INTO group_escalation_choices (group_id, outside_managers) VALUES (%s, %s) "
        "ON CONFLICT (group_id) DO UPDATE SET outside_managers = EXCLUDED.outside_managers",
        (group_id, welcome),
    )


async def is_member(conn: Conn, group_id: UUID, user_id: UUID) -> bool:
    return bool(await members_among(conn, group_id, [user_id]))


async def revoke_admin(conn: Conn, group_id: UUID, user_id: UUID) -> None:
    await conn.execute(
        "UPDATE members SET is_admin = false WHERE group_id = %s AND user_id = %s",
        (group_id, user_id),
    )


async def group_is_private(conn: Conn, group_id: UUID) -> bool:
    cur = await conn.execute("SELECT private FROM groups WHERE group_id = %s", (group_id,))
    row = await cur.fetchone()
    return bool(row and row[0])


async def members_among(conn: Conn, group_id: UUID, people: list[UUID]) -> set[UUID]:
    """Which of `people` are members of the group."""
    return set(
        await _ids(
            conn,
            "SELECT user_id FROM members WHERE group_id = %s AND user_id = ANY(%s)",
            (group_id, people),
        )
    )


async def group_members(conn: Conn, group_id: UUID) -> list[UUID]:
    return await _ids(conn, "SELECT user_id FROM members WHERE group_id = %s", (group_id,))


async def group_admins(conn: Conn, group_id: UUID) -> list[UUID]:
    return await _ids(
        conn, "SELECT user_id FROM members WHERE group_id = %s AND is_admin", (group_id,)
    )


async def everyone_active(conn: Conn) -> list[UUID]:
    return await _ids(conn, "SELECT user_id FROM people WHERE active")


async def grant_role(conn: Conn, user_id: UUID, role: str) -> None:
    await conn.execute(
        "INSERT INTO roles (user_id, role) VALUES (%s, %s) ON CONFLICT DO NOTHING", (user_id, role)
    )


async def revoke_role(conn: Conn, user_id: UUID, role: str) -> None:
    await conn.execute("DELETE FROM roles WHERE user_id = %s AND role = %s", (user_id, role))


async def holders_of(conn: Conn, *roles: str) -> list[UUID]:
    return await _ids(
        conn,
        "SELECT DISTINCT r.user_id FROM roles r JOIN people p USING (user_id) "
        "WHERE r.role = ANY(%s) AND p.active ORDER BY 1",
        (list(roles),),
    )


async def set_availability(
    conn: Conn, user_id: UUID, away_until: datetime | None, backup_id: UUID | None
) -> None:
    await conn.execute(
        "INSERT INTO availability (user_id, away_until, backup_id) VALUES (%s, %s, %s) "
        "ON CONFLICT (user_id) DO UPDATE SET away_until = EXCLUDED.away_until, "
        "backup_id = EXCLUDED.backup_id",
        (user_id, away_until, backup_id),
    )


async def community_managers_now(conn: Conn, now: datetime) -> list[UUID]:
    """The community managers to tell now: each one, or their named backup while away."""
    return await _ids(
        conn,
        "SELECT DISTINCT CASE WHEN a.away_until > %s AND a.backup_id IS NOT NULL "
        "THEN a.backup_id ELSE r.user_id END "
        "FROM roles r JOIN people p USING (user_id) LEFT JOIN availability a USING (user_id) "
        "WHERE r.role = 'community_manager' AND p.active ORDER BY 1",
        (now,),
    )


# -- threads -------------------------------------------------------------------------------


async def add_thread(
    conn: Conn,
    *,
    post_id: UUID,
    author_id: UUID,
    group_id: UUID | None,
    group_private: bool,
    kind: str,
    created_at: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO threads (post_id, author_id, group_id, group_private, kind, created_at) "
        "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
        (post_id, author_id, group_id, group_private, kind, created_at),
    )
    await add_participant(conn, post_id, author_id)


async def add_participant(conn: Conn, post_id: UUID, user_id: UUID) -> None:
    await conn.execute(
        "INSERT INTO thread_participants (post_id, user_id) VALUES (%s, %s) ON CONFLICT DO NOTHING",
        (post_id, user_id),
    )


async def join_thread(conn: Conn, post_id: UUID, user_id: UUID) -> list[UUID]:
    """Add `user_id` to the thread's participants; returns those who were there before (the
    statement's SELECT sees the table as it was when the statement began)."""
    return await _ids(
        conn,
        "WITH joined AS (INSERT INTO thread_participants (post_id, user_id) VALUES (%(post)s, "
        "%(user)s) ON CONFLICT DO NOTHING) "
        "SELECT user_id FROM thread_participants WHERE post_id = %(post)s",
        {"post": post_id, "user": user_id},
    )


async def record_reply(conn: Conn, post_id: UUID, reply_id: UUID, at: datetime) -> None:
    await conn.execute(
        "UPDATE threads SET first_reply_id = %s, first_reply_at = %s "
        "WHERE post_id = %s AND first_reply_id IS NULL",
        (reply_id, at, post_id),
    )


async def thread_kind(conn: Conn, post_id: UUID) -> str | None:
    cur = await conn.execute("SELECT kind FROM threads WHERE post_id = %s", (post_id,))
    row = await cur.fetchone()
    return str(row[0]) if row else None


async def delete_thread(conn: Conn, post_id: UUID) -> None:
    await conn.execute("UPDATE threads SET deleted = true WHERE post_id = %s", (post_id,))


async def announcements_since(conn: Conn, group_id: UUID, since: datetime) -> int:
    cur = await conn.execute(
        "SELECT count(*) FROM threads WHERE group_id = %s AND kind = 'announcement' "
        "AND created_at > %s AND NOT deleted",
        (group_id, since),
    )
    row = await cur.fetchone()
    return int(row[0]) if row else 0


async def claim_guideline_notice(conn: Conn, group_id: UUID, week: str) -> bool:
    cur = await conn.execute(
        "INSERT INTO guideline_notices (group_id, week) VALUES (%s, %s) "
        "ON CONFLICT DO NOTHING RETURNING 1",
        (group_id, week),
    )
    return await cur.fetchone() is not None


# -- preferences ---------------------------------------------------------------------------


async def preferences(conn: Conn, user_id: UUID) -> dict[str, str]:
    cur = await conn.execute("SELECT kind, channel FROM preferences WHERE user_id = %s", (user_id,))
    return {kind: channel for kind, channel in await cur.fetchall()}


async def set_preference(conn: Conn, user_id: UUID, kind: Kind, channel: Channel) -> None:
    await conn.execute(
        "INSERT INTO preferences (user_id, kind, channel) VALUES (%s, %s, %s) "
        "ON CONFLICT (user_id, kind) DO UPDATE SET channel = EXCLUDED.channel",
        (user_id, kind.value, channel.value),
    )


async def digest_frequency(conn: Conn, user_id: UUID) -> str | None:
    cur = await conn.execute("SELECT frequency FROM digest_settings WHERE user_id = %s", (user_id,))
    row = await cur.fetchone()
    return str(row[0]) if row else None


async def set_digest_frequency(conn: Conn, user_id: UUID, frequency: str) -> None:
    await conn.execute(
        "INSERT INTO digest_settings (user_id, frequency) VALUES (%s, %s) "
        "ON CONFLICT (user_id) DO UPDATE SET frequency = EXCLUDED.frequency",
        (user_id, frequency),
    )


# -- the inbox -----------------------------------------------------------------------------


@dataclass(frozen=True)
class NewNotification:
    """One cause of a notification for one recipient."""

    recipient_id: UUID
    kind: Kind
    group_key: str
    cause_key: str
    at: datetime
    actor_id: UUID | None = None
    post_id: UUID | None = None
    group_id: UUID | None = None
    post_kind: str | None = None
    own_post: bool = True
    private_hidden: bool = False
    group_private: bool = False  # the group was private when this was made
    excerpt: str | None = None
    excerpt_author: UUID | None = None
    waited_hours: float | None = None


@dataclass(frozen=True)
class Delivery:
    """A notification to record, on the channel its recipient chose (an e-mail due or not)."""

    notification: NewNotification
    channel: Channel
    email_due: datetime | None


# One row per delivery, as arrays for unnest: column, SQL type, value of a delivery.
_DELIVERY_COLUMNS: tuple[tuple[str, str, Callable[[Delivery], Any]], ...] = (
    ("cause", "text", lambda d: d.notification.cause_key),
    ("id", "uuid", lambda d: uuid5(NAMESPACE_URL, f"plein:notify:{d.notification.cause_key}")),
    ("recipient", "uuid", lambda d: d.notification.recipient_id),
    ("kind", "text", lambda d: d.notification.kind.value),
    ("group_key", "text", lambda d: d.notification.group_key),
    ("post", "uuid", lambda d: d.notification.post_id),
    ("grp", "uuid", lambda d: d.notification.group_id),
    ("post_kind", "text", lambda d: d.notification.post_kind),
    ("own_post", "boolean", lambda d: d.notification.own_post),
    ("hidden", "boolean", lambda d: d.notification.private_hidden),
    ("grp_private", "boolean", lambda d: d.notification.group_private),
    ("excerpt", "text", lambda d: d.notification.excerpt),
    ("excerpt_author", "uuid", lambda d: d.notification.excerpt_author),
    ("waited", "double precision", lambda d: d.notification.waited_hours),
    ("at", "timestamptz", lambda d: d.notification.at),
    ("in_digest", "boolean", lambda d: d.channel is Channel.DIGEST),
)
_DELIVERIES = (
    "unnest("
    + ", ".join(f"%({name})s::{sql}[]" for name, sql, _ in _DELIVERY_COLUMNS)
    + ") AS i("
    + ", ".join(name for name, _, _ in _DELIVERY_COLUMNS)
    + ")"
)


async def add_notifications(conn: Conn, deliveries: list[Delivery]) -> int:
    """Record each delivery's cause for its recipient: a new entry, or an update of their
    unread entry with the same group_key. A cause already recorded (a redelivered event)
    changes nothing. Returns how many causes were new.

    Three statements whatever the number of recipients (an all-company announcement reaches
    everyone): the causes and the entries, the actors and the wake-ups, the e-mails. A
    handler's deliveries have distinct (recipient, group_key) pairs (`deliver` sees to it)."""
    if not deliveries:
        return 0
    params = {name: [value(d) for d in deliveries] for name, _, value in _DELIVERY_COLUMNS}
    cur = await conn.execute(
        f"WITH i AS (SELECT * FROM {_DELIVERIES}), "
        "cause AS (INSERT INTO causes (cause_key) SELECT cause FROM i "
        " ON CONFLICT DO NOTHING RETURNING cause_key) "
        "INSERT INTO notifications (id, recipient_id, kind, group_key, post_id, group_id, "
        "post_kind, own_post, private_hidden, group_private, excerpt, excerpt_author, "
        "waited_hours, created_at, updated_at, in_digest) "
        "SELECT i.id, i.recipient, i.kind, i.group_key, i.post, i.grp, i.post_kind, i.own_post, "
        "i.hidden, i.grp_private, i.excerpt, i.excerpt_author, i.waited, i.at, i.at, i.in_digest "
        "FROM i JOIN cause ON cause.cause_key = i.cause "
        "ON CONFLICT (recipient_id, group_key) WHERE read_at IS NULL DO UPDATE SET "
        "updated_at = GREATEST(notifications.updated_at, EXCLUDED.updated_at), "
        "excerpt = COALESCE(EXCLUDED.excerpt, notifications.excerpt), "
        "excerpt_author = CASE WHEN EXCLUDED.excerpt IS NULL THEN notifications.excerpt_author "
        "ELSE EXCLUDED.excerpt_author END, "
        "in_digest = notifications.in_digest OR EXCLUDED.in_digest, digested_at = NULL, "
        "change_seq = nextval('inbox_changes') RETURNING id, recipient_id, group_key",
        params,
    )
    entries = {(recipient, key): entry for entry, recipient, key in await cur.fetchall()}
    recorded = [
        (d, entries[d.notification.recipient_id, d.notification.group_key])
        for d in deliveries
        if (d.notification.recipient_id, d.notification.group_key) in entries
    ]
    if not recorded:
        return 0
    acted = [(d, entry) for d, entry in recorded if d.notification.actor_id is not None]
    # (xmax = 0) is true for a freshly inserted row: a known actor is not counted twice. The
    # wake-ups reach live streams when the transaction commits.
    await conn.execute(
        "WITH actor AS (INSERT INTO notification_actors (notification_id, actor_id, at) "
        " SELECT * FROM unnest(%(entries)s::uuid[], %(actors)s::uuid[], %(ats)s::timestamptz[]) "
        " ON CONFLICT (notification_id, actor_id) DO UPDATE SET at = EXCLUDED.at "
        " RETURNING notification_id, (xmax = 0) AS fresh), "
        "bumped AS (UPDATE notifications n SET actor_count = n.actor_count + 1 FROM actor "
        " WHERE n.id = actor.notification_id AND actor.fresh RETURNING 1) "
        "SELECT count(pg_notify(%(channel)s, r)), (SELECT count(*) FROM bumped) "
        "FROM unnest(%(recipients)s::text[]) AS r",
        {
            "entries": [entry for _, entry in acted],
            "actors": [d.notification.actor_id for d, _ in acted],
            "ats": [d.notification.at for d, _ in acted],
            "channel": INBOX_CHANNEL,
            "recipients": sorted({str(d.notification.recipient_id) for d, _ in recorded}),
        },
    )
    mailed = [(d, entry) for d, entry in recorded if d.email_due is not None]
    if mailed:
        await conn.execute(
            "INSERT INTO email_queue (cause_key, recipient_id, notification_id, kind, post_id, "
            "due_at) SELECT * FROM unnest(%s::text[], %s::uuid[], %s::uuid[], %s::text[], "
            "%s::uuid[], %s::timestamptz[]) ON CONFLICT (cause_key) DO NOTHING",
            (
                [d.notification.cause_key for d, _ in mailed],
                [d.notification.recipient_id for d, _ in mailed],
                [entry for _, entry in mailed],
                [d.notification.kind.value for d, _ in mailed],
                [d.notification.post_id for d, _ in mailed],
                [d.email_due for d, _ in mailed],
            ),
        )
    return len(recorded)


async def _recount(conn: Conn, notification_id: UUID) -> None:
    await conn.execute(
        "UPDATE notifications SET actor_count = (SELECT count(*) FROM notification_actors "
        "WHERE notification_id = %(id)s), change_seq = nextval('inbox_changes') "
        "WHERE id = %(id)s",
        {"id": notification_id},
    )


async def settle_request(conn: Conn, group_key: str, requester_id: UUID, at: datetime) -> None:
    """A join request was decided (approved, declined, or its person joined another way): it
    leaves the admins' entries. An entry others still wait in only drops the requester; an
    entry of theirs alone is marked read and handled, and its e-mail is not sent."""
    entries = await _rows(
        conn,
        "SELECT n.id, n.recipient_id, n.actor_count FROM notifications n "
        "JOIN notification_actors a ON a.notification_id = n.id "
        "WHERE n.group_key = %s AND a.actor_id = %s AND NOT n.handled",
        (group_key, requester_id),
    )
    for entry in entries:
        if entry["actor_count"] > 1:
            await conn.execute(
                "DELETE FROM notification_actors WHERE notification_id = %s AND actor_id = %s",
                (entry["id"], requester_id),
            )
            await _recount(conn, entry["id"])
        else:
            await conn.execute(
                "UPDATE notifications SET handled = true, read_at = COALESCE(read_at, %s), "
                "change_seq = nextval('inbox_changes') WHERE id = %s",
                (at, entry["id"]),
            )
            await conn.execute(
                "UPDATE email_queue SET cancelled = true "
                "WHERE notification_id = %s AND sent_at IS NULL",
                (entry["id"],),
            )
        await signal(conn, entry["recipient_id"])


async def signal(conn: Conn, recipient_id: UUID) -> None:
    """Wake live streams of `recipient_id` (PostgreSQL delivers it when the transaction commits)."""
    await conn.execute("SELECT pg_notify(%s, %s)", (INBOX_CHANNEL, str(recipient_id)))


# An entry with the facts its delivery is decided on now (plein_notify.domain.Access): whether
# its recipient is active, whether its group is private now (the group's row when notify knows
# the group, else what was known when the entry was made), whether the recipient is a member.
_ENTRY = (
    "SELECT n.id, n.kind, n.post_id, n.group_id, n.post_kind, n.own_post, n.private_hidden, "
    "n.excerpt, n.waited_hours, n.actor_count, n.created_at, n.updated_at, n.read_at, "
    "n.change_seq, n.handled, g.name AS group_name, "
    "ARRAY(SELECT p.display_name FROM notification_actors a JOIN people p "
    "ON p.user_id = a.actor_id WHERE a.notification_id = n.id "
    "ORDER BY a.at DESC, a.actor_id LIMIT 3) AS actor_names, "
    "(SELECT a.actor_id FROM notification_actors a WHERE a.notification_id = n.id "
    "ORDER BY a.at DESC, a.actor_id LIMIT 1) AS latest_actor_id, "
    "COALESCE(r.active, false) AS recipient_active, "
    "COALESCE(g.private, n.group_private) AS group_private_now, "
    "EXISTS (SELECT 1 FROM members m WHERE m.group_id = n.group_id "
    "AND m.user_id = n.recipient_id) AS recipient_member "
    "FROM notifications n LEFT JOIN groups g ON g.group_id = n.group_id "
    "LEFT JOIN people r ON r.user_id = n.recipient_id "
)


async def inbox_page(
    conn: Conn, recipient_id: UUID, after: Cursor | None, limit: int, *, unread_only: bool
) -> list[dict[str, Any]]:
    where = "n.recipient_id = %(me)s"
    params: dict[str, Any] = {"me": recipient_id, "limit": limit}
    if unread_only:
        where += " AND n.read_at IS NULL"
    if after is not None:
        where += " AND (n.updated_at, n.id) < (%(at)s, %(id)s)"
        params.update(at=after.updated_at, id=after.id)
    return await _rows(
        conn,
        _ENTRY + f"WHERE {where} ORDER BY n.updated_at DESC, n.id DESC LIMIT %(limit)s",
        params,
    )


async def entries_changed_since(
    conn: Conn, recipient_id: UUID, change_seq: int, limit: int = 100
) -> list[dict[str, Any]]:
    return await _rows(
        conn,
        _ENTRY + "WHERE n.recipient_id = %s AND n.change_seq > %s ORDER BY n.change_seq LIMIT %s",
        (recipient_id, change_seq, limit),
    )


async def latest_change(conn: Conn, recipient_id: UUID) -> int:
    cur = await conn.execute(
        "SELECT COALESCE(max(change_seq), 0) FROM notifications WHERE recipient_id = %s",
        (recipient_id,),
    )
    row = await cur.fetchone()
    return int(row[0]) if row else 0


async def entry(conn: Conn, notification_id: UUID) -> dict[str, Any] | None:
    rows = await _rows(conn, _ENTRY + "WHERE n.id = %s", (notification_id,))
    return rows[0] if rows else None


async def all_notifications(conn: Conn) -> list[tuple[Any, ...]]:
    """Every entry with its actors, in a stable order (to compare a rebuild with the live
    state; read state is not an event, so it is left out)."""
    cur = await conn.execute(
        "SELECT n.id, n.recipient_id, n.kind, n.group_key, n.post_id, n.group_id, "
        "n.private_hidden, n.excerpt, n.actor_count, n.in_digest, n.handled, "
        "ARRAY(SELECT actor_id FROM notification_actors a WHERE a.notification_id = n.id "
        "ORDER BY actor_id) FROM notifications n ORDER BY n.id"
    )
    return await cur.fetchall()


async def unread_count(conn: Conn, recipient_id: UUID) -> int:
    cur = await conn.execute(
        "SELECT count(*) FROM notifications WHERE recipient_id = %s AND read_at IS NULL",
        (recipient_id,),
    )
    row = await cur.fetchone()
    return int(row[0]) if row else 0


async def mark_read(conn: Conn, recipient_id: UUID, notification_id: UUID, at: datetime) -> bool:
    """False when the entry is not the recipient's (or not there)."""
    cur = await conn.execute(
        "UPDATE notifications SET read_at = COALESCE(read_at, %s), "
        "change_seq = nextval('inbox_changes') WHERE id = %s AND recipient_id = %s RETURNING 1",
        (at, notification_id, recipient_id),
    )
    found = await cur.fetchone() is not None
    if found:
        await signal(conn, recipient_id)
    return found


async def mark_all_read(conn: Conn, recipient_id: UUID, at: datetime) -> int:
    cur = await conn.execute(
        "UPDATE notifications SET read_at = %s, change_seq = nextval('inbox_changes') "
        "WHERE recipient_id = %s AND read_at IS NULL",
        (at, recipient_id),
    )
    await signal(conn, recipient_id)
    return cur.rowcount


async def cancel_announcement_emails(conn: Conn, reader_id: UUID, post_ids: list[UUID]) -> None:
    """Announcements seen in the app are not e-mailed later."""
    await conn.execute(
        "UPDATE email_queue SET cancelled = true WHERE recipient_id = %s AND kind = %s "
        "AND post_id = ANY(%s) AND sent_at IS NULL",
        (reader_id, Kind.ANNOUNCEMENT.value, post_ids),
    )


# -- e-mail --------------------------------------------------------------------------------


async def mail_secret(conn: Conn) -> str:
    await conn.execute(
        "INSERT INTO mail_secret (id, value) VALUES (1, %s) ON CONFLICT DO NOTHING",
        (secrets.token_urlsafe(32),),
    )
    cur = await conn.execute("SELECT value FROM mail_secret WHERE id = 1")
    row = await cur.fetchone()
    assert row is not None
    return str(row[0])


async def claim_due_emails(conn: Conn, now: datetime, limit: int = 50) -> list[dict[str, Any]]:
    """E-mails due by `now`, marked sent in the same statement (sent at most once; a failed
    send is put back with `release_email`)."""
    return await _rows(
        conn,
        "UPDATE email_queue SET sent_at = %(now)s, attempts = attempts + 1 WHERE id IN ("
        " SELECT q.id FROM email_queue q JOIN people p ON p.user_id = q.recipient_id "
        " WHERE q.sent_at IS NULL AND NOT q.cancelled AND q.due_at <= %(now)s AND p.active "
        " AND q.attempts < 5 ORDER BY q.due_at LIMIT %(limit)s FOR UPDATE OF q SKIP LOCKED) "
        "RETURNING id, recipient_id, notification_id, kind",
        {"now": now, "limit": limit},
    )


async def cancel_email(conn: Conn, email_id: int) -> None:
    """An e-mail claimed for sending whose recipient may no longer see what it is about."""
    await conn.execute(
        "UPDATE email_queue SET cancelled = true, sent_at = NULL WHERE id = %s", (email_id,)
    )


async def release_email(conn: Conn, email_id: int, error: str) -> None:
    await conn.execute(
        "UPDATE email_queue SET sent_at = NULL, last_error = %s WHERE id = %s", (error, email_id)
    )


async def digest_recipients(conn: Conn) -> list[dict[str, Any]]:
    """People with digest lines waiting, with when their last digest went out."""
    return await _rows(
        conn,
        "SELECT p.user_id, d.last_sent_at, s.frequency FROM people p "
        "LEFT JOIN digests_sent d USING (user_id) LEFT JOIN digest_settings s USING (user_id) "
        "WHERE p.active AND EXISTS (SELECT 1 FROM notifications n WHERE n.recipient_id = "
        "p.user_id AND n.in_digest AND n.digested_at IS NULL AND n.read_at IS NULL)",
    )


async def digest_entries(conn: Conn, recipient_id: UUID) -> list[dict[str, Any]]:
    return await _rows(
        conn,
        _ENTRY + "WHERE n.recipient_id = %s AND n.in_digest AND n.digested_at IS NULL "
        "AND n.read_at IS NULL ORDER BY n.updated_at DESC LIMIT 50",
        (recipient_id,),
    )


async def mark_digested(
    conn: Conn, recipient_id: UUID, notification_ids: list[UUID], now: datetime
) -> None:
    await conn.execute(
        "UPDATE notifications SET digested_at = %s WHERE recipient_id = %s AND id = ANY(%s)",
        (now, recipient_id, notification_ids),
    )
    await conn.execute(
        "INSERT INTO digests_sent (user_id, last_sent_at) VALUES (%s, %s) "
        "ON CONFLICT (user_id) DO UPDATE SET last_sent_at = EXCLUDED.last_sent_at",
        (recipient_id, now),
    )


# -- escalations ---------------------------------------------------------------------------


async def unanswered_threads(conn: Conn, older_than: datetime) -> list[dict[str, Any]]:
    """Group posts and questions without a reply, started before `older_than`, not escalated."""
    return await _rows(
        conn,
        "SELECT t.post_id, t.author_id, t.group_id, t.group_private, t.kind, t.created_at "
        "FROM threads t WHERE t.first_reply_id IS NULL AND t.group_id IS NOT NULL "
        "AND NOT t.deleted AND t.kind IN ('post', 'question') AND t.created_at <= %s "
        "AND NOT EXISTS (SELECT 1 FROM escalations e WHERE e.post_id = t.post_id) "
        "ORDER BY t.created_at LIMIT 200",
        (older_than,),
    )


async def thread(conn: Conn, post_id: UUID) -> dict[str, Any] | None:
    rows = await _rows(
        conn,
        "SELECT post_id, author_id, group_id, group_private, kind, created_at, first_reply_id, "
        "deleted FROM threads WHERE post_id = %s",
        (post_id,),
    )
    return rows[0] if rows else None


async def add_escalation(
    conn: Conn,
    escalation_id: UUID,
    post_id: UUID,
    group_id: UUID | None,
    raised_to: list[UUID],
    at: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO escalations (escalation_id, post_id, group_id, raised_to, raised_at) "
        "VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
        (escalation_id, post_id, group_id, raised_to, at),
    )


async def resolve_escalation(conn: Conn, escalation_id: UUID, at: datetime) -> None:
    await conn.execute(
        "UPDATE escalations SET resolved_at = %s WHERE escalation_id = %s AND resolved_at IS NULL",
        (at, escalation_id),
    )


async def answered_open_escalations(conn: Conn) -> list[dict[str, Any]]:
    return await _rows(
        conn,
        "SELECT e.escalation_id, e.post_id, t.first_reply_id FROM escalations e "
        "JOIN threads t USING (post_id) WHERE e.resolved_at IS NULL "
        "AND (t.first_reply_id IS NOT NULL OR t.deleted)",
    )


async def escalations(conn: Conn, viewer_id: UUID, *, open_only: bool) -> list[dict[str, Any]]:
    """Escalations, each with what deciding whether `viewer_id` may see it needs: is its group
    private, is the viewer a member, did the group open its escalations to outsiders."""
    where = "WHERE e.resolved_at IS NULL " if open_only else ""
    return await _rows(
        conn,
        "SELECT e.*, COALESCE(g.private, false) AS group_private, "
        "EXISTS (SELECT 1 FROM members m WHERE m.group_id = e.group_id "
        "AND m.user_id = %(viewer)s) AS viewer_member, "
        "COALESCE(c.outside_managers, false) AS outside_managers_welcome "
        "FROM escalations e LEFT JOIN groups g ON g.group_id = e.group_id "
        "LEFT JOIN group_escalation_choices c ON c.group_id = e.group_id "
        f"{where}ORDER BY e.raised_at DESC LIMIT 200",
        {"viewer": viewer_id},
    )
