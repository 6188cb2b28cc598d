"""Who may see a post: the one rule, and the table of cases every copy of it is tested against.

The rule is part of what the events mean, so it lives with them. Every service that shows,
tells or counts posts keeps its own copy of the facts (from identity's and posts' events) and
decides from those, often in SQL: posts for threads, lists and search; feed for timelines and
profile pages; notify for what a notification says; metrics for what a report counts. Those
copies are tested against `CASES` in tests/visibility, so a change to the rule made here (and
in the table) fails for every copy that does not follow it.

The rule:
- A post in no group (on a profile, or an announcement to the whole company) is for everyone.
- A public group's posts are for everyone; archiving a group changes nothing about who reads.
  What counts is the group as it is now, not as it was when the post was written.
- A private group's posts are for its members and admins only. Having left, being invited,
  having asked to join, or being mentioned in the post gives nothing. A group the reader's
  service has not heard of counts as private: privacy fails closed.
- Someone acting as a shared account reads with their own standing, never the account's.
- Nobody sees a hidden or a deleted post in a list, feed, search or notification (a thread
  opened by its link shows tombstones, and moderators the hidden text: posts' views.py).
- A deactivated or erased person sees nothing.

Files follow where they are attached (`may_read_file`, the table `FILE_CASES`):
- A file attached to a post or reply is readable by exactly those who may see one of the
  posts or replies it is attached to; only the writer of a post can attach their own upload
  to it (a file id named by someone else attaches nothing).
- An upload attached nowhere yet is its uploader's alone.
- A file in a hidden or deleted post or reply is readable there by moderators only (community
  managers and network admins), so that they can judge what was taken down.
- Until it is processed (metadata removed, scanned), a file is its uploader's alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Standing(StrEnum):
    """How a reader stands to the group a post is in."""

    OUTSIDER = "outsider"  # no tie to the group at all
    MEMBER = "member"
    ADMIN = "admin"  # a member who administers the group (identity makes only members admin)
    FORMER_MEMBER = "former member"  # joined, then left or was removed
    FORMER_ADMIN = "former admin"  # an admin who left: leaving ends being admin too
    INVITED = "invited"  # invited, not joined yet
    REQUESTED = "requested"  # asked to join, not let in yet


@dataclass(frozen=True)
class Group:
    """The group a post is in, as the reader's service knows it."""

    private: bool
    archived: bool = False
    known: bool = True  # False: its GroupCreated has not reached the service yet
    # Private when the post was written, public since: what counts is the group as it is.
    made_public_later: bool = False


@dataclass(frozen=True)
class Post:
    """The facts about a post that decide who sees it."""

    group: Group | None = None  # None: on a profile, or a company-wide announcement
    kind: str = "post"
    hidden: bool = False
    deleted: bool = False


@dataclass(frozen=True)
class Reader:
    """The facts about the person reading."""

    standing: Standing = Standing.OUTSIDER
    mentioned: bool = False
    # Reading as a shared account they are a delegate of; the account itself is never a
    # member of a group (identity lets only people join).
    as_shared_account: bool = False
    deactivated: bool = False
    erased: bool = False


@dataclass(frozen=True)
class File:
    """The facts about a file that decide who reads it."""

    places: tuple[Post, ...] = ()  # the posts and replies it is attached to (by its uploader)
    reader_uploaded: bool = False
    processed: bool = True


def may_read_file(reader: Reader, file: File, *, moderator: bool = False) -> bool:
    """Whether `reader` may read `file` (its metadata, bytes, previews, a signed link)."""
    if reader.deactivated or reader.erased:
        return False
    if not file.processed and not file.reader_uploaded:
        return False
    if not file.places:
        return file.reader_uploaded
    if any(may_see(reader, place) for place in file.places):
        return True
    return moderator and any(place.hidden or place.deleted for place in file.places)


def may_read_group(*, private: bool, member: bool, admin: bool = False) -> bool:
    """Whether a person may read what is posted in a group: anyone a public group's, only its
    members and admins a private group's."""
    return not private or member or admin


def may_see(reader: Reader, post: Post) -> bool:
    """Whether `reader` may see `post` in a list, a feed, a search, a notification or a count."""
    if reader.deactivated or reader.erased:
        return False
    if post.hidden or post.deleted:
        return False
    if post.group is None:
        return True
    return may_read_group(
        private=post.group.private or not post.group.known,
        member=reader.standing in (Standing.MEMBER, Standing.ADMIN),
        admin=reader.standing is Standing.ADMIN,
    )


@dataclass(frozen=True)
class Case:
    """One row of the table: who reads which post, and whether they may see it.

    `expected` is written out by hand, not computed: the table states the rule, `may_see`
    and every other copy are checked against it. `differs` names the copies known to answer
    otherwise, each with why; the tests check that they still do, so fixing one fails a test
    until its entry here goes.
    """

    name: str
    reader: Reader
    post: Post
    expected: bool
    differs: dict[str, str] = field(default_factory=dict)


PUBLIC = Group(private=False)
PRIVATE = Group(private=True)
UNKNOWN = Group(private=True, known=False)  # posts marks a post in a group it does not know
_S = Standing

# What the copies that are not the rule's own answer differently today, and why.
_FEED_READS_AS_ACCOUNT = (
    "the feed is the account's own: it is read as the shared account (principal.user_id), "
    "which is never a member, so it shows less, never more"
)
_FEED_WRITES_ON_ARRIVAL = (
    "a timeline takes a post when it arrives; a group going public later does not write its "
    "older posts into followers' timelines (its page and the author's profile show them)"
)
_METRICS_COUNTS_ACCOUNT = (
    "feed's PostsSeen names who the feed was read as (the shared account), and the account "
    "is never a member, so the read does not count"
)
_METRICS_KEEPS_PRIVATE = (
    "metrics keeps a thread private if it started in a private group (the event's flag), "
    "so reads after the group went public do not count for non-members"
)
_METRICS_KEEPS_ADMIN = (
    "metrics' MemberLeft clears `member` but not `admin` (identity sends no GroupAdminRevoked "
    "on leaving), so a former admin's activity in a private group still counts"
)

CASES: tuple[Case, ...] = (
    Case("member, private group", Reader(_S.MEMBER), Post(PRIVATE), True),
    Case("admin, private group", Reader(_S.ADMIN), Post(PRIVATE), True),
    Case("outsider, private group", Reader(_S.OUTSIDER), Post(PRIVATE), False),
    Case("former member, private group", Reader(_S.FORMER_MEMBER), Post(PRIVATE), False),
    Case(
        "former admin, private group",
        Reader(_S.FORMER_ADMIN),
        Post(PRIVATE),
        False,
        {"metrics": _METRICS_KEEPS_ADMIN},
    ),
    Case("invited, private group", Reader(_S.INVITED), Post(PRIVATE), False),
    Case("requested, private group", Reader(_S.REQUESTED), Post(PRIVATE), False),
    Case(
        "mentioned non-member, private group",
        Reader(_S.OUTSIDER, mentioned=True),
        Post(PRIVATE),
        False,
    ),
    Case("mentioned member, private group", Reader(_S.MEMBER, mentioned=True), Post(PRIVATE), True),
    Case("outsider, public group", Reader(_S.OUTSIDER), Post(PUBLIC), True),
    Case("former member, public group", Reader(_S.FORMER_MEMBER), Post(PUBLIC), True),
    Case("requested, public group", Reader(_S.REQUESTED), Post(PUBLIC), True),
    Case("outsider, archived public group", Reader(_S.OUTSIDER), Post(Group(False, True)), True),
    Case("member, archived private group", Reader(_S.MEMBER), Post(Group(True, True)), True),
    Case("outsider, archived private group", Reader(_S.OUTSIDER), Post(Group(True, True)), False),
    Case(
        "outsider, private group made public after the post",
        Reader(_S.OUTSIDER),
        Post(Group(private=False, made_public_later=True)),
        True,
        {"metrics": _METRICS_KEEPS_PRIVATE, "feed.timeline": _FEED_WRITES_ON_ARRIVAL},
    ),
    Case("outsider, group not known yet", Reader(_S.OUTSIDER), Post(UNKNOWN), False),
    Case("member, group not known yet", Reader(_S.MEMBER), Post(UNKNOWN), True),
    Case("outsider, profile post", Reader(_S.OUTSIDER), Post(None), True),
    Case(
        "outsider, company-wide announcement",
        Reader(_S.OUTSIDER),
        Post(None, kind="announcement"),
        True,
    ),
    Case(
        "outsider, announcement in a private group",
        Reader(_S.OUTSIDER),
        Post(PRIVATE, kind="announcement"),
        False,
    ),
    Case(
        "member, announcement in a private group",
        Reader(_S.MEMBER),
        Post(PRIVATE, kind="announcement"),
        True,
    ),
    Case(
        "outsider, announcement in a public group",
        Reader(_S.OUTSIDER),
        Post(PUBLIC, kind="announcement"),
        True,
    ),
    Case("member, hidden post", Reader(_S.MEMBER), Post(PRIVATE, hidden=True), False),
    Case("outsider, hidden profile post", Reader(_S.OUTSIDER), Post(None, hidden=True), False),
    Case("member, deleted post", Reader(_S.MEMBER), Post(PRIVATE, deleted=True), False),
    Case("outsider, deleted profile post", Reader(_S.OUTSIDER), Post(None, deleted=True), False),
    Case(
        "shared account delegate who is a member, private group",
        Reader(_S.MEMBER, as_shared_account=True),
        Post(PRIVATE),
        True,
        {
            "feed.read": _FEED_READS_AS_ACCOUNT,
            "feed.group": _FEED_READS_AS_ACCOUNT,
            "metrics": _METRICS_COUNTS_ACCOUNT,
        },
    ),
    Case(
        "shared account delegate who is an outsider, private group",
        Reader(_S.OUTSIDER, as_shared_account=True),
        Post(PRIVATE),
        False,
    ),
    Case(
        "shared account delegate, public group",
        Reader(_S.OUTSIDER, as_shared_account=True),
        Post(PUBLIC),
        True,
    ),
    Case(
        "deactivated member, private group",
        Reader(_S.MEMBER, deactivated=True),
        Post(PRIVATE),
        False,
    ),
    Case("deactivated, profile post", Reader(_S.OUTSIDER, deactivated=True), Post(None), False),
    Case("erased, profile post", Reader(_S.OUTSIDER, erased=True), Post(None), False),
)


@dataclass(frozen=True)
class FileCase:
    """One row of the files' table: who reads which file, and whether they may."""

    name: str
    reader: Reader
    file: File
    expected: bool
    moderator: bool = False


_MINE = dict(reader_uploaded=True)

FILE_CASES: tuple[FileCase, ...] = (
    FileCase("uploader, attached nowhere", Reader(), File((), **_MINE), True),
    FileCase("someone else, attached nowhere", Reader(), File(()), False),
    FileCase("moderator, attached nowhere", Reader(), File(()), False, moderator=True),
    FileCase("uploader, not processed yet", Reader(), File((Post(None),), False, False), False),
    FileCase("uploader, own file not processed yet", Reader(), File((), True, False), True),
    FileCase("outsider, profile post", Reader(), File((Post(None),)), True),
    FileCase("outsider, public group post", Reader(), File((Post(PUBLIC),)), True),
    FileCase("member, private group post", Reader(Standing.MEMBER), File((Post(PRIVATE),)), True),
    FileCase("outsider, private group post", Reader(), File((Post(PRIVATE),)), False),
    FileCase(
        "former member, private group post",
        Reader(Standing.FORMER_MEMBER),
        File((Post(PRIVATE),)),
        False,
    ),
    FileCase(
        "uploader who left, private group post",
        Reader(Standing.FORMER_MEMBER),
        File((Post(PRIVATE),), **_MINE),
        False,
    ),
    FileCase("outsider, group not known yet", Reader(), File((Post(UNKNOWN),)), False),
    FileCase(
        "outsider, in a private and a public post",
        Reader(),
        File((Post(PRIVATE), Post(PUBLIC))),
        True,
    ),
    FileCase(
        "member, deleted post", Reader(Standing.MEMBER), File((Post(PRIVATE, deleted=True),)), False
    ),
    FileCase("uploader, hidden post", Reader(), File((Post(None, hidden=True),), **_MINE), False),
    FileCase(
        "moderator, hidden post", Reader(), File((Post(None, hidden=True),)), True, moderator=True
    ),
    FileCase(
        "moderator, deleted private post",
        Reader(),
        File((Post(PRIVATE, deleted=True),)),
        True,
        moderator=True,
    ),
    FileCase(
        "moderator outsider, live private post",
        Reader(),
        File((Post(PRIVATE),)),
        False,
        moderator=True,
    ),
    FileCase(
        "member, one place hidden, one live",
        Reader(Standing.MEMBER),
        File((Post(PRIVATE, hidden=True), Post(PRIVATE))),
        True,
    ),
    FileCase(
        "shared account delegate who is a member, private group post",
        Reader(Standing.MEMBER, as_shared_account=True),
        File((Post(PRIVATE),)),
        True,
    ),
    FileCase("deactivated uploader", Reader(deactivated=True), File((), **_MINE), False),
)
