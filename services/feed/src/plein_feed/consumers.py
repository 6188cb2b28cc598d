"""The feed's projection: one handler per event type it reacts to."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from plein_events import Envelope
from plein_events.feed import AnnouncementAcknowledged, PostsSeen
from plein_events.identity import (
    Followed,
    GroupCreated,
    GroupUpdated,
    MemberJoined,
    MemberLeft,
    MemberRemoved,
    ProfileUpdated,
    TopicFollowed,
    TopicUnfollowed,
    Unfollowed,
    UserDeactivated,
    UserErased,
    UserReactivated,
    UserRegistered,
)
from plein_events.posts import (
    THREAD_STARTS,
    AnnouncementPosted,
    AnswerAccepted,
    PostCreated,
    PostDeleted,
    PostEdited,
    PostHidden,
    PostUnhidden,
    PraiseGiven,
    Reacted,
    ReplyPosted,
    ThreadStarted,
    Unreacted,
)
from plein_events.projection import Handler, Projection
from psycopg import AsyncConnection

from . import erasure, store
from .settings import FeedSettings

Conn = AsyncConnection[Any]


def timelines(settings: Callable[[], FeedSettings]) -> Projection:
    """The `feed` projection; `settings()` gives the current fan-out and backfill limits."""
    posts = store.PendingPosts()  # consecutive opening posts, written together
    tally = store.Tally()  # counters, affinities and visits, written once per batch

    async def on_user_registered(conn: Conn, event: UserRegistered, _: Envelope) -> None:
        await store.upsert_person(
            conn, event.user_id, event.display_name, event.department, event.manager_id
        )

    async def on_profile_updated(conn: Conn, event: ProfileUpdated, _: Envelope) -> None:
        await store.upsert_person(
            conn, event.user_id, event.display_name, event.department, event.manager_id
        )

    async def on_user_erased(conn: Conn, event: UserErased, _: Envelope) -> None:
        await store.erase_person(conn, event.user_id)
        await erasure.purge_words(conn, event.user_id, event.authored)

    async def on_user_deactivated(conn: Conn, event: UserDeactivated, _: Envelope) -> None:
        await store.deactivate(conn, event.user_id)

    async def on_user_reactivated(conn: Conn, event: UserReactivated, _: Envelope) -> None:
        await store.reactivate(conn, event.user_id, keep=settings().timeline_max_entries)

    async def on_followed(conn: Conn, event: Followed, _: Envelope) -> None:
        s = settings()
        await store.add_follow(
            conn,
            event.follower_id,
            event.followee_id,
            backfill=s.backfill_on_follow,
            threshold=s.fanout_threshold,
        )

    async def on_unfollowed(conn: Conn, event: Unfollowed, _: Envelope) -> None:
        await store.remove_follow(conn, event.follower_id, event.followee_id)

    async def on_topic_followed(conn: Conn, event: TopicFollowed, _: Envelope) -> None:
        await store.add_topic_follow(
            conn, event.follower_id, event.topic, backfill=settings().backfill_on_follow
        )

    async def on_topic_unfollowed(conn: Conn, event: TopicUnfollowed, _: Envelope) -> None:
        await store.remove_topic_follow(conn, event.follower_id, event.topic)

    async def on_group_created(conn: Conn, event: GroupCreated, _: Envelope) -> None:
        await store.upsert_group(
            conn, event.group_id, event.name, event.visibility, is_all_company=event.is_all_company
        )

    async def on_group_updated(conn: Conn, event: GroupUpdated, _: Envelope) -> None:
        await store.upsert_group(conn, event.group_id, event.name, event.visibility)

    async def on_member_joined(conn: Conn, event: MemberJoined, _: Envelope) -> None:
        s = settings()
        await store.add_member(
            conn,
            event.group_id,
            event.user_id,
            backfill=s.backfill_on_join,
            threshold=s.fanout_threshold,
        )

    async def on_member_left(conn: Conn, event: MemberLeft | MemberRemoved, _: Envelope) -> None:
        await store.remove_member(conn, event.group_id, event.user_id)

    async def on_thread_started(conn: Conn, event: ThreadStarted, envelope: Envelope) -> None:
        if event.real_author_id != event.author_id:
            await erasure.note_writer(conn, event.post_id, event.real_author_id)
        posts.add(
            store.NewPost(
                post_id=event.post_id,
                author_id=event.author_id,
                group_id=event.group_id,
                private=event.group_private,
                kind=event.kind,
                title=event.title if isinstance(event, AnnouncementPosted) else "",
                text=event.text,
                # The praised hear about their praise the way the mentioned do.
                mentions=[
                    *event.mentions,
                    *(event.praised_ids if isinstance(event, PraiseGiven) else []),
                ],
                created_at=envelope.occurred_at,
                topics=list(event.topics),
                attachments=list(event.attachments) if isinstance(event, PostCreated) else [],
            )
        )

    async def on_post_edited(conn: Conn, event: PostEdited, _: Envelope) -> None:
        if event.reply_id is None:
            await store.edit_post(
                conn,
                event.post_id,
                event.text,
                list(event.mentions),
                list(event.topics),
                list(event.attachments),
            )

    async def on_post_deleted(conn: Conn, event: PostDeleted, _: Envelope) -> None:
        if event.reply_id is None:
            await store.take_down(conn, event.post_id, deleted=True)
        else:
            tally.reply(event.post_id, -1)

    async def on_post_hidden(conn: Conn, event: PostHidden, _: Envelope) -> None:
        if event.reply_id is None:
            await store.take_down(conn, event.post_id, deleted=False)
        else:
            tally.reply(event.post_id, -1)

    async def on_post_unhidden(conn: Conn, event: PostUnhidden, _: Envelope) -> None:
        if event.reply_id is None:
            await store.unhide(conn, event.post_id)
        else:
            tally.reply(event.post_id, 1)

    async def on_reply_posted(_: Conn, event: ReplyPosted, envelope: Envelope) -> None:
        tally.reply(event.post_id, 1, at=envelope.occurred_at)
        tally.interaction(event.real_author_id, [event.post_author_id, event.group_id], 1)

    async def on_reacted(_: Conn, event: Reacted, __: Envelope) -> None:
        if event.previous is not None:
            return  # a changed reaction is not a new one
        if event.reply_id is None:
            tally.reaction(event.post_id, 1)
        tally.interaction(event.user_id, [event.target_author_id, event.group_id], 1)

    async def on_unreacted(_: Conn, event: Unreacted, __: Envelope) -> None:
        if event.reply_id is None:
            tally.reaction(event.post_id, -1)
        tally.interaction(event.user_id, [event.target_author_id, event.group_id], -1)

    async def on_answer_accepted(conn: Conn, event: AnswerAccepted, _: Envelope) -> None:
        await store.accept_answer(conn, event.post_id)

    async def on_posts_seen(_: Conn, event: PostsSeen, __: Envelope) -> None:
        tally.visit(event.reader_id, event.seen_at)

    async def on_acknowledged(conn: Conn, event: AnnouncementAcknowledged, _: Envelope) -> None:
        await store.record_acknowledgement(conn, event.user_id, event.post_id)

    handlers: dict[Any, Handler] = {
        UserRegistered: on_user_registered,
        ProfileUpdated: on_profile_updated,
        UserErased: on_user_erased,
        UserDeactivated: on_user_deactivated,
        UserReactivated: on_user_reactivated,
        Followed: on_followed,
        Unfollowed: on_unfollowed,
        TopicFollowed: on_topic_followed,
        TopicUnfollowed: on_topic_unfollowed,
        GroupCreated: on_group_created,
        GroupUpdated: on_group_updated,
        MemberJoined: on_member_joined,
        MemberLeft: on_member_left,
        MemberRemoved: on_member_left,
        PostEdited: on_post_edited,
        PostDeleted: on_post_deleted,
        PostHidden: on_post_hidden,
        PostUnhidden: on_post_unhidden,
        ReplyPosted: on_reply_posted,
        Reacted: on_reacted,
        Unreacted: on_unreacted,
        AnswerAccepted: on_answer_accepted,
        PostsSeen: on_posts_seen,
        AnnouncementAcknowledged: on_acknowledged,
    }
    # Whatever writes must see the posts that came before it (a follow backfills them, an
    # edit or a deletion changes them): those handlers flush the pending posts first. The
    # ones that only count (replies, reactions, visits) need not, so a run of posts stays
    # one statement across the replies and reactions in between.
    only_counting = {ReplyPosted, Reacted, Unreacted, PostsSeen}
    handlers = {
        cls: handler if cls in only_counting else _after(posts, handler)
        for cls, handler in handlers.items()
    }
    for thread_start in THREAD_STARTS:
        handlers[thread_start] = on_thread_started
    return Projection(
        name="feed",
        handlers=handlers,
        tables=(*store.TABLES, *erasure.TABLES),
        deferred=BatchWrites(posts, tally),
    )


def _after(posts: store.PendingPosts, handler: Handler) -> Handler:
    async def handle(conn: Conn, event: Any, envelope: Envelope) -> None:
        await posts.flush(conn)
        await handler(conn, event, envelope)

    return handle


class BatchWrites:
    """What the handlers gather for the runner to write (plein_events.projection.Deferred):
    the pending posts first, since the counts update them."""

    def __init__(self, posts: store.PendingPosts, tally: store.Tally) -> None:
        self.posts = posts
        self.tally = tally

    def clear(self) -> None:
        self.posts.clear()
        self.tally.clear()

    async def flush(self, conn: Conn) -> None:
        await self.posts.flush(conn)
        await self.tally.flush(conn)
        # Seen reports that waited for posts of this batch are decided now, by the visibility
        # rule as the batch leaves it (settling.py records them).
        await store.settle_pending_reads(conn)
