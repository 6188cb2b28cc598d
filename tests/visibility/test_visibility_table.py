"""Every copy of "who may see a post" answers the one table (plein_events.visibility.CASES).

Each case becomes the events identity, posts and feed would publish for it. Each service's own
projection handlers turn those into its own rows in real PostgreSQL, and then its own store
(or domain) answers whether the reader sees the post. A copy answers only the cases whose facts
it decides (`COPIES` says which it leaves to others, and why); where the table names a copy
in `differs`, that copy must still answer otherwise, so fixing it fails here until the table
entry goes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from plein_events import Event, envelope_for
from plein_events.feed import PostsSeen
from plein_events.identity import (
    DelegateGranted,
    Followed,
    GroupAdminGranted,
    GroupArchived,
    GroupCreated,
    GroupUpdated,
    MemberInvited,
    MemberJoined,
    MemberLeft,
    MembershipRequested,
    SharedAccountCreated,
    UserDeactivated,
    UserErased,
    UserRegistered,
    Visibility,
)
from plein_events.posts import AnnouncementPosted, PostCreated, PostDeleted, PostHidden
from plein_events.projection import Projection
from plein_events.visibility import CASES, Case, Standing, may_see
from plein_feed import store as feed_store
from plein_files import store as files_store
from plein_metrics import store as metrics_store
from plein_metrics.domain import Config, Period, Report, Scope
from plein_notify import store as notify_store
from plein_notify.consumers import Notifications
from plein_notify.domain import Kind
from plein_notify.settings import NotifySettings
from plein_platform.database import schema_pool
from plein_platform.registry import load_services
from plein_platform.runtime import migrate_services
from plein_posts import store as posts_store
from plein_testdata.servers import Servers, fresh_database
from psycopg_pool import AsyncConnectionPool

SERVICES = ("posts", "files", "feed", "notify", "metrics")
NOW = datetime.now(UTC).replace(microsecond=0)


def _case_id(case: Case) -> str:
    return case.name.replace(" ", "-").replace(",", "")


@dataclass
class Story:
    """The people, group and post of one case, and the events that tell it."""

    case: Case
    reader: UUID = field(default_factory=uuid4)
    author: UUID = field(default_factory=uuid4)
    account: UUID = field(default_factory=uuid4)  # the shared account, when one is used
    group: UUID | None = None
    post: UUID = field(default_factory=uuid4)
    file: UUID = field(default_factory=uuid4)  # attached to the post by its author
    word: str = field(default_factory=lambda: f"zebra{uuid4().hex[:12]}")

    @property
    def reads_as(self) -> UUID:
        """Who the reader's token names: the shared account when they act as one."""
        return self.account if self.case.reader.as_shared_account else self.reader

    def events(self) -> list[Event]:
        reader, post = self.case.reader, self.case.post
        events: list[Event] = [
            UserRegistered(user_id=self.reader, email=f"{self.reader}@x.test", display_name="R"),
            UserRegistered(user_id=self.author, email=f"{self.author}@x.test", display_name="A"),
        ]
        if reader.as_shared_account:
            events += [
                SharedAccountCreated(account_id=self.account, name="IT", created_by=self.author),
                DelegateGranted(
                    account_id=self.account, user_id=self.reader, granted_by=self.author
                ),
            ]
        # A reason for the post to reach the reader's timeline, so that visibility decides.
        events.append(Followed(follower_id=self.reader, followee_id=self.author))
        if post.group is not None:
            self.group = group = uuid4()
            if post.group.known:
                private_then = post.group.private or post.group.made_public_later
                visibility: Visibility = "private" if private_then else "public"
                events.append(GroupCreated(group_id=group, name="G", visibility=visibility))
            events.append(MemberJoined(group_id=group, user_id=self.author))
            events += self._standing(group, reader.standing)
            if post.group.archived:
                events.append(GroupArchived(group_id=group))
        if reader.deactivated:
            events.append(UserDeactivated(user_id=self.reader))
        if reader.erased:
            events.append(UserErased(user_id=self.reader))
        started = AnnouncementPosted if post.kind == "announcement" else PostCreated
        attached = {"attachments": [self.file]} if started is PostCreated else {}
        events.append(
            started(
                **attached,  # type: ignore[arg-type]
                post_id=self.post,
                author_id=self.author,
                real_author_id=self.author,
                group_id=self.group,
                # What posts puts in the event: a group it does not know counts as private.
                group_private=post.group is not None
                and (post.group.private or post.group.made_public_later or not post.group.known),
                text=f"News about {self.word}",
                mentions=[self.reader] if reader.mentioned else [],
            )
        )
        if post.group is not None and post.group.made_public_later:
            assert self.group is not None  # set above for a post in a group
            events.append(GroupUpdated(group_id=self.group, name="G", visibility="public"))
        if post.hidden:
            events.append(PostHidden(post_id=self.post, hidden_by=self.author, group_id=self.group))
        if post.deleted:
            events.append(
                PostDeleted(post_id=self.post, deleted_by=self.author, group_id=self.group)
            )
        # What feed publishes when the post was on the reader's screen (metrics counts it),
        # after everything above happened (`tell` dates the n-th event NOW + n ms): metrics
        # judges a read by the reader's standing at the moment it was seen.
        seen_at = NOW + timedelta(seconds=1)
        events.append(PostsSeen(reader_id=self.reads_as, post_ids=[self.post], seen_at=seen_at))
        return events

    def _standing(self, group: UUID, standing: Standing) -> list[Event]:
        me = self.reader
        joined = MemberJoined(group_id=group, user_id=me)
        admin = GroupAdminGranted(group_id=group, user_id=me)
        left = MemberLeft(group_id=group, user_id=me)
        by_standing: dict[Standing, list[Event]] = {
            Standing.OUTSIDER: [],
            Standing.MEMBER: [joined],
            Standing.ADMIN: [joined, admin],
            Standing.FORMER_MEMBER: [joined, left],
            # identity's leave drops the admin right too, with no event of its own
            Standing.FORMER_ADMIN: [joined, admin, left],
            Standing.INVITED: [MemberInvited(group_id=group, user_id=me, invited_by=self.author)],
            Standing.REQUESTED: [MembershipRequested(group_id=group, user_id=me)],
        }
        return by_standing[standing]


@dataclass
class World:
    pools: dict[str, AsyncConnectionPool]
    projections: dict[str, list[Projection]]

    async def tell(self, story: Story) -> None:
        """Apply the story's events to every service's projections, as their runners would:
        in order, in one transaction per service, deferred writes flushed at the end."""
        envelopes = [
            (
                event,
                envelope_for(
                    event,
                    aggregate_id=str(uuid4()),
                    aggregate_version=1,
                    occurred_at=NOW + timedelta(milliseconds=n),
                    actor_id=None,
                ),
            )
            for n, event in enumerate(story.events())
        ]
        for service, projections in self.projections.items():
            async with self.pools[service].connection() as conn, conn.transaction():
                for projection in projections:
                    for event, envelope in envelopes:
                        handler = projection.handlers.get(type(event))
                        if handler is not None:
                            await handler(conn, event, envelope)
                    if projection.deferred is not None:
                        await projection.deferred.flush(conn)


@pytest.fixture(scope="module")
async def world(servers: Servers) -> AsyncIterator[World]:
    database_url = await fresh_database(servers)
    services = load_services(SERVICES)
    await migrate_services(database_url, services)
    pools = {s.name: schema_pool(database_url, s.name, max_size=2) for s in services}
    for pool in pools.values():
        await pool.open()
    try:
        yield World(pools, {s.name: s.projections() for s in services})
    finally:
        for pool in pools.values():
            await pool.close()


# -- the copies --------------------------------------------------------------------------------


async def posts_domain(world: World, story: Story) -> bool:
    """posts' Access.may_read, with the access posts builds from its rows."""
    async with world.pools["posts"].connection() as conn:
        access = await posts_store.access(conn, story.reads_as, story.reader, story.group)
    return access.may_read


async def posts_lists(world: World, story: Story) -> bool:
    """posts' SQL (`store.visible`): the author's thread list, and search."""
    async with world.pools["posts"].connection() as conn:
        listed = await posts_store.thread_page(conn, story.reader, author_id=story.author, limit=10)
        found = await posts_store.search(conn, story.reader, story.word, None, 10)
    in_list = story.post in {row["post_id"] for row in listed}
    in_search = story.post in {row["post_id"] for row in found}
    assert in_list == in_search, "posts' list and search disagree"
    return in_list


async def feed_profile(world: World, story: Story) -> bool:
    """feed's `VISIBLE` read (store.visibility): the author's profile page."""
    async with world.pools["feed"].connection() as conn:
        rows = await feed_store.profile_page(conn, story.reads_as, story.author, None, 10)
    return story.post in {row["post_id"] for row in rows}


async def feed_group(world: World, story: Story) -> bool:
    """feed's group page: `group_for` decides whether the page opens at all."""
    assert story.group is not None
    async with world.pools["feed"].connection() as conn:
        if await feed_store.group_for(conn, story.reads_as, story.group) is None:
            return False
        rows = await feed_store.group_page(conn, story.reads_as, story.group, None, 10)
    return story.post in {row["post_id"] for row in rows}


async def feed_timeline(world: World, story: Story) -> bool:
    """feed's fan-out (store.visibility: `AUDIENCE`, `ACTIVE`, pruning by `BELONGS`), read as
    the home page."""
    async with world.pools["feed"].connection() as conn:
        rows = await feed_store.read(conn, feed_store.home_page_read(story.reads_as, None, 50))
    return story.post in {row["post_id"] for row in rows}


async def notify_told(world: World, story: Story) -> bool:
    """notify: whether the reader is told of a mention at all (active people only), and then
    whether what they are told names the group and quotes the post (`places`)."""
    async with world.pools["notify"].connection() as conn:
        active = await notify_store.recipient_choices(conn, [(story.reader, Kind.MENTION)])
        where = await Notifications(NotifySettings()).places(
            conn,
            [story.reader],
            group_id=story.group,
            group_private=story.case.post.group is not None
            and (story.case.post.group.private or not story.case.post.group.known),
            text="News",
            writer_id=story.author,
        )
    return (story.reader, Kind.MENTION) in active and not where[story.reader].private_hidden


async def metrics_counted(world: World, story: Story) -> bool:
    """metrics: whether the reader's read of the post counts in a report."""
    day = NOW.date()
    period = Period.of_dates(day - timedelta(days=1), day + timedelta(days=1))
    data = await metrics_store.load_dataset(world.pools["metrics"], period)
    report = Report(data, period, Scope("org"), Config())
    return any(
        row["user_id"] == str(story.reads_as) and row["post_id"] == str(story.post)
        for row in report.window_rows
    )


async def files_readable(world: World, story: Story) -> bool:
    """files' SQL (`store.READABLE`): whether the reader may read a file attached to the post
    (by the person themselves, also when acting as a shared account; not a moderator)."""
    async with world.pools["files"].connection() as conn:
        await files_store.add_file(
            conn,
            {
                "file_id": story.file,
                "uploader_id": story.author,
                "name": "plan.pdf",
                "media_type": "application/pdf",
                "kind": "pdf",
                "size": 1,
                "storage_key": f"test/{story.file}",
                "alt": "",
                "at": NOW,
            },
        )
        await conn.execute("UPDATE files SET status = 'ready' WHERE file_id = %s", (story.file,))
        rows = await files_store.readable_files(
            conn, [story.file], files_store.access(story.reader, False)
        )
    return bool(rows)


Answer = Callable[[World, Story], Awaitable[bool]]


@dataclass(frozen=True)
class Copy:
    answer: Answer
    # The facts of a case this copy leaves to others, and why.
    leaves: Callable[[Case], str | None]


def _not_account_status(case: Case) -> str | None:
    if case.reader.deactivated or case.reader.erased:
        return "keeps no account status: identity signs no token for a deactivated person"
    return None


def _only_group_and_account(case: Case) -> str | None:
    if case.post.hidden or case.post.deleted:
        return "a thread opened by its link shows tombstones and placeholders (views.py)"
    return _not_account_status(case)


def _group_pages(case: Case) -> str | None:
    if case.post.group is None:
        return "a post in no group is on no group page"
    return _not_account_status(case)


def _timeline(case: Case) -> str | None:
    if case.reader.as_shared_account:
        return "a shared account follows no one and joins no group: no reason to hold the post"
    return None


def _attached(case: Case) -> str | None:
    if case.post.kind == "announcement":
        return "files are attached to posts and replies (PostCreated, ReplyPosted) only"
    return _not_account_status(case)


def _told(case: Case) -> str | None:
    if case.post.hidden or case.post.deleted:
        return "notifications are made when the post is; hiding it later does not unsend them"
    return None


def _counted(case: Case) -> str | None:
    if case.post.hidden or case.post.deleted:
        return "a report counts what people did, also with posts hidden since"
    if case.reader.deactivated or case.reader.erased:
        return "a report counts people by whether they were active during its period"
    return None


COPIES: dict[str, Copy] = {
    "posts.domain": Copy(posts_domain, _only_group_and_account),
    "posts.sql": Copy(posts_lists, _not_account_status),
    "feed.read": Copy(feed_profile, _not_account_status),
    "feed.group": Copy(feed_group, _group_pages),
    "feed.timeline": Copy(feed_timeline, _timeline),
    "files": Copy(files_readable, _attached),
    "notify": Copy(notify_told, _told),
    "metrics": Copy(metrics_counted, _counted),
}


def test_every_copy_named_in_the_table_exists() -> None:
    named = {copy for case in CASES for copy in case.differs}
    assert named <= set(COPIES), named - set(COPIES)


def test_the_table_has_one_row_per_name() -> None:
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_the_rule_answers_the_table(case: Case) -> None:
    assert may_see(case.reader, case.post) is case.expected


# Each copy against each case whose facts it decides.
CHECKS = [
    pytest.param(copy, case, id=f"{copy}:{_case_id(case)}")
    for copy, implementation in COPIES.items()
    for case in CASES
    if implementation.leaves(case) is None
]


@pytest.mark.parametrize(("copy", "case"), CHECKS)
async def test_every_copy_answers_the_table(world: World, copy: str, case: Case) -> None:
    story = Story(case)
    await world.tell(story)
    seen = await COPIES[copy].answer(world, story)
    if copy in case.differs:
        assert seen is not case.expected, f"{copy} now follows the table: drop its `differs`"
    else:
        assert seen is case.expected, f"{copy}, {case.name}: sees {seen}, the table {case.expected}"
