"""The inbox: entries, their actors and causes, read state, and the live streams' wake-ups."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from ..domain import Channel, Cursor
from ..recipients import Delivery
from ._sql import INBOX_CHANNEL, Conn, rows, signal

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
    ("shared_file", "boolean", lambda d: d.notification.shared_file),
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
        "waited_hours, created_at, updated_at, in_digest, shared_file) "
        "SELECT i.id, i.recipient, i.kind, i.group_key, i.post, i.grp, i.post_kind, i.own_post, "
        "i.hidden, i.grp_private, i.excerpt, i.excerpt_author, i.waited, i.at, i.at, i.in_digest, "
        "i.shared_file "
        "FROM i JOIN cause ON cause.cause_key = i.cause "
        "ON CONFLICT (recipient_id, group_key) WHERE read_at IS NULL DO UPDATE SET "
        "updated_at = GREATEST(notifications.updated_at, EXCLUDED.updated_at), "
        "excerpt = COALESCE(EXCLUDED.excerpt, notifications.excerpt), "
        "excerpt_author = CASE WHEN EXCLUDED.excerpt IS NULL THEN notifications.excerpt_author "
        "ELSE EXCLUDED.excerpt_author END, "
        "in_digest = notifications.in_digest OR EXCLUDED.in_digest, digested_at = NULL, "
        "shared_file = notifications.shared_file AND EXCLUDED.shared_file, "
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
            "due_at, only_if_unread) SELECT * FROM unnest(%s::text[], %s::uuid[], %s::uuid[], "
            "%s::text[], %s::uuid[], %s::timestamptz[], %s::boolean[]) "
            "ON CONFLICT (cause_key) DO NOTHING",
            (
                [d.notification.cause_key for d, _ in mailed],
                [d.notification.recipient_id for d, _ in mailed],
                [entry for _, entry in mailed],
                [d.notification.kind.value for d, _ in mailed],
                [d.notification.post_id for d, _ in mailed],
                [d.email_due for d, _ in mailed],
                [d.email_if_unread for d, _ in mailed],
            ),
        )
    pushed = [(d, entry) for d, entry in recorded if d.push]
    if pushed:
        # One push per device of the recipient's own: the join is the only way a subscription
        # is chosen, so a subscription is never used for anyone else. The worker sends them.
        await conn.execute(
            "INSERT INTO push_queue (cause_key, subscription_id, notification_id, kind, due_at) "
            "SELECT p.cause, s.id, p.entry, p.kind, p.at "
            "FROM unnest(%s::text[], %s::uuid[], %s::uuid[], %s::text[], %s::timestamptz[]) "
            " AS p(cause, recipient, entry, kind, at) "
            "JOIN push_subscriptions s ON s.user_id = p.recipient "
            "ON CONFLICT (cause_key, subscription_id) DO NOTHING",
            (
                [d.notification.cause_key for d, _ in pushed],
                [d.notification.recipient_id for d, _ in pushed],
                [entry for _, entry in pushed],
                [d.notification.kind.value for d, _ in pushed],
                [d.notification.at for d, _ in pushed],
            ),
        )
    return len(recorded)


async def recount(conn: Conn, notification_id: UUID) -> None:
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
    entries = await rows(
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
            await recount(conn, entry["id"])
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


# An entry with the facts its delivery is decided on now (plein_notify.domain.Access): whether
# its recipient is active, whether its group is private now (the group's row when notify knows
# the group, else what was known when the entry was made), whether the recipient is a member.
ENTRY = (
    "SELECT n.id, n.kind, n.post_id, n.group_id, n.post_kind, n.own_post, n.private_hidden, "
    "n.excerpt, n.waited_hours, n.actor_count, n.created_at, n.updated_at, n.read_at, "
    "n.change_seq, n.handled, n.shared_file, g.name AS group_name, "
    "ARRAY(SELECT p.display_name FROM notification_actors a JOIN people p "
    "ON p.user_id = a.actor_id WHERE a.notification_id = n.id "
    "ORDER BY a.at DESC, a.actor_id LIMIT 3) AS actor_names, "
    "(SELECT a.actor_id FROM notification_actors a WHERE a.notification_id = n.id "
    "ORDER BY a.at DESC, a.actor_id LIMIT 1) AS latest_actor_id, "
    "COALESCE(r.active, false) AS recipient_active, r.language AS recipient_language, "
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
    return await rows(
        conn,
        ENTRY + f"WHERE {where} ORDER BY n.updated_at DESC, n.id DESC LIMIT %(limit)s",
        params,
    )


async def entries_changed_since(
    conn: Conn, recipient_id: UUID, change_seq: int, limit: int = 100
) -> list[dict[str, Any]]:
    return await rows(
        conn,
        ENTRY + "WHERE n.recipient_id = %s AND n.change_seq > %s ORDER BY n.change_seq LIMIT %s",
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
    found = await rows(conn, ENTRY + "WHERE n.id = %s", (notification_id,))
    return found[0] if found else None


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
