"""SQL for the feed's own schema; the only package that knows its table names.

Two kinds of audiences (see domain.fans_out_on_read): ordinary ones get one `timeline_entries`
row per reader when a post arrives; very large ones (the all-company group, groups and people
above the fan-out threshold, company-wide announcements) are read from `posts` when a feed is
read and merged with the written entries.

One module per line of meaning: `visibility` (the SQL forms of who may see a post, and the
pruning that follows them), `people` (people, follows, deactivation), `groups`, `posts`
(storing and fanning out), `topics` (#topic follows), `tally` (batched counts), `trimming`,
`reads` and `readers`.
Callers use the names below (`store.add_follow`, ...), not the modules.
"""

from .groups import add_member, remove_member, upsert_group
from .pending_reads import (
    add_pending_reads,
    forget_unsettled_reads,
    known_posts,
    settle_pending_reads,
    take_settled_reads,
)
from .people import (
    add_follow,
    deactivate,
    erase_person,
    reactivate,
    remove_follow,
    upsert_person,
)
from .posts import (
    NewPost,
    PendingPosts,
    accept_answer,
    add_posts,
    edit_post,
    fan_out,
    take_down,
    unhide,
)
from .readers import last_seen_at, last_seen_read, record_acknowledgement
from .reads import (
    Read,
    all_timelines,
    announcement_visible_to,
    author_exists,
    entries,
    group_for,
    group_page,
    home_features,
    home_page_read,
    person_exists,
    pinned_read,
    profile_page,
    raised_read,
    read,
    together,
    visible_posts,
)
from .schema import TABLES, Conn
from .tally import Tally
from .topics import add_topic_follow, remove_topic_follow
from .trimming import long_timelines, trim_timelines

__all__ = [
    "TABLES",
    "add_pending_reads",
    "forget_unsettled_reads",
    "known_posts",
    "settle_pending_reads",
    "take_settled_reads",
    "Conn",
    "NewPost",
    "PendingPosts",
    "Read",
    "Tally",
    "accept_answer",
    "add_follow",
    "add_member",
    "add_posts",
    "add_topic_follow",
    "all_timelines",
    "announcement_visible_to",
    "deactivate",
    "edit_post",
    "entries",
    "erase_person",
    "fan_out",
    "group_for",
    "group_page",
    "home_features",
    "home_page_read",
    "last_seen_at",
    "last_seen_read",
    "long_timelines",
    "author_exists",
    "person_exists",
    "pinned_read",
    "profile_page",
    "raised_read",
    "reactivate",
    "read",
    "record_acknowledgement",
    "remove_follow",
    "remove_member",
    "remove_topic_follow",
    "take_down",
    "together",
    "trim_timelines",
    "unhide",
    "upsert_group",
    "upsert_person",
    "visible_posts",
]
