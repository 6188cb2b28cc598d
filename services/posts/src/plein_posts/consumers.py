"""Posts' projections: one handler per event type.

`posts_access` copies what identity decided (people, groups, members, admins, roles);
`posts_threads` turns posts' own events into the lists and the search index.
"""

from __future__ import annotations

from typing import Any

from plein_events import Envelope
from plein_events.identity import (
    GroupAdminGranted,
    GroupAdminRevoked,
    GroupArchived,
    GroupCreated,
    GroupUpdated,
    MemberJoined,
    MemberLeft,
    MemberRemoved,
    ProfileUpdated,
    RoleGranted,
    RoleRevoked,
    SharedAccountCreated,
    UserErased,
    UserRegistered,
)
from plein_events.posts import (
    THREAD_STARTS,
    AnnouncementPosted,
    AnswerAccepted,
    PollCreated,
    PostDeleted,
    PostEdited,
    PostHidden,
    PostReported,
    PostUnhidden,
    ReplyPosted,
    ThreadStarted,
)
from plein_events.projection import Handler, Projection
from psycopg import AsyncConnection

from . import store

Conn = AsyncConnection[Any]

# -- access ----------------------------------------------------------------------------------


async def on_person(conn: Conn, event: UserRegistered | ProfileUpdated, _: Envelope) -> None:
    handle = event.handle if isinstance(event, UserRegistered) else None
    await store.upsert_person(conn, event.user_id, event.display_name, handle)


async def on_shared_account(conn: Conn, event: SharedAccountCreated, _: Envelope) -> None:
    await store.upsert_person(conn, event.account_id, event.name)


async def on_user_erased(conn: Conn, event: UserErased, _: Envelope) -> None:
    await store.erase_person(conn, event.user_id, event.authored)


async def on_group_created(conn: Conn, event: GroupCreated, _: Envelope) -> None:
    await store.upsert_group(
        conn, event.group_id, event.name, event.visibility, event.is_all_company
    )


async def on_group_updated(conn: Conn, event: GroupUpdated, _: Envelope) -> None:
    await store.upsert_group(conn, event.group_id, event.name, event.visibility, None)


async def on_group_archived(conn: Conn, event: GroupArchived, _: Envelope) -> None:
    await store.archive_group(conn, event.group_id)


async def on_member_joined(conn: Conn, event: MemberJoined, _: Envelope) -> None:
    await store.add_member(conn, event.group_id, event.user_id)


async def on_member_gone(conn: Conn, event: MemberLeft | MemberRemoved, _: Envelope) -> None:
    await store.remove_member(conn, event.group_id, event.user_id)


async def on_admin_granted(conn: Conn, event: GroupAdminGranted, _: Envelope) -> None:
    await store.set_group_admin(conn, event.group_id, event.user_id, True)


async def on_admin_revoked(conn: Conn, event: GroupAdminRevoked, _: Envelope) -> None:
    await store.set_group_admin(conn, event.group_id, event.user_id, False)


async def on_role_granted(conn: Conn, event: RoleGranted, _: Envelope) -> None:
    await store.set_role(conn, event.user_id, event.role, True)


async def on_role_revoked(conn: Conn, event: RoleRevoked, _: Envelope) -> None:
    await store.set_role(conn, event.user_id, event.role, False)


ACCESS = Projection(
    name="posts_access",
    handlers={
        UserRegistered: on_person,
        ProfileUpdated: on_person,
        SharedAccountCreated: on_shared_account,
        UserErased: on_user_erased,
        GroupCreated: on_group_created,
        GroupUpdated: on_group_updated,
        GroupArchived: on_group_archived,
        MemberJoined: on_member_joined,
        MemberLeft: on_member_gone,
        MemberRemoved: on_member_gone,
        GroupAdminGranted: on_admin_granted,
        GroupAdminRevoked: on_admin_revoked,
        RoleGranted: on_role_granted,
        RoleRevoked: on_role_revoked,
    },
    tables=store.ACCESS_TABLES,
)

# -- threads ---------------------------------------------------------------------------------


async def on_thread_started(conn: Conn, event: ThreadStarted, envelope: Envelope) -> None:
    text = event.text
    if isinstance(event, PollCreated):
        text = "\n".join([text, *event.options])  # options are searchable too
    await store.add_thread(
        conn,
        post_id=event.post_id,
        group_id=event.group_id,
        author_id=event.author_id,
        real_author_id=event.real_author_id,
        kind=event.kind,
        title=event.title if isinstance(event, AnnouncementPosted) else "",
        text=text,
        topics=event.topics,
        created_at=envelope.occurred_at,
    )


async def on_reply_posted(conn: Conn, event: ReplyPosted, envelope: Envelope) -> None:
    await store.add_reply(
        conn,
        reply_id=event.reply_id,
        post_id=event.post_id,
        group_id=event.group_id,
        author_id=event.author_id,
        real_author_id=event.real_author_id,
        text=event.text,
        created_at=envelope.occurred_at,
    )


async def on_writer_erased(conn: Conn, event: UserErased, _: Envelope) -> None:
    """Their words leave the lists and the search index (replayed, they arrive as REMOVED_TEXT
    already: their key is gone; this purges what was stored while it was not)."""
    await store.purge_words(conn, event.user_id, event.authored)


async def on_post_edited(conn: Conn, event: PostEdited, _: Envelope) -> None:
    await store.edit_text(conn, event.post_id, event.reply_id, event.text, event.topics)


async def on_post_deleted(conn: Conn, event: PostDeleted, _: Envelope) -> None:
    await store.mark(conn, event.post_id, event.reply_id, "deleted", True)
    if event.reply_id is not None:
        await store.unaccept_deleted_answer(conn, event.post_id, event.reply_id)


async def on_post_hidden(conn: Conn, event: PostHidden, _: Envelope) -> None:
    await store.mark(conn, event.post_id, event.reply_id, "hidden", True)


async def on_post_unhidden(conn: Conn, event: PostUnhidden, _: Envelope) -> None:
    await store.mark(conn, event.post_id, event.reply_id, "hidden", False)


async def on_post_reported(conn: Conn, event: PostReported, envelope: Envelope) -> None:
    await store.add_report(
        conn,
        post_id=event.post_id,
        reply_id=event.reply_id,
        group_id=event.group_id,
        reported_by=event.reported_by,
        reason=event.reason,
        reported_at=envelope.occurred_at,
    )


async def on_answer_accepted(conn: Conn, event: AnswerAccepted, _: Envelope) -> None:
    await store.accept_answer(conn, event.post_id, event.reply_id)


_thread_handlers: dict[Any, Handler] = {cls: on_thread_started for cls in THREAD_STARTS}
THREADS = Projection(
    name="posts_threads",
    handlers={
        **_thread_handlers,
        ReplyPosted: on_reply_posted,
        PostEdited: on_post_edited,
        PostDeleted: on_post_deleted,
        PostHidden: on_post_hidden,
        PostUnhidden: on_post_unhidden,
        PostReported: on_post_reported,
        AnswerAccepted: on_answer_accepted,
        UserErased: on_writer_erased,
    },
    tables=store.THREAD_TABLES,
)
