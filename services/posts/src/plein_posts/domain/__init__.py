"""Posts' domain, pure (no I/O): access rules, the thread aggregate, announcements, polls, paging.

The event store names each stored event by its class's topic; threads stored before this
package was split name theirs `plein_posts.domain:Post.<Event>` (and
`plein_posts.domain:AnnouncementLedger.<Event>`), so `Post` and `AnnouncementLedger` must stay
importable from here for those events to load.
"""

from .access import Access, Group
from .announcements import (
    ANNOUNCEMENT_WINDOW,
    ANNOUNCEMENTS_WITHOUT_WARNING,
    AnnouncementLedger,
    announcement_warning,
)
from .attachments import MAX_ATTACHMENTS, clean_attachments, require_words_or_files
from .paging import RANK_CURSOR, TIME_CURSOR, highlight_segments
from .polls import POLL_OPTIONS, POLL_RESULTS, poll_closing, poll_options
from .text import (
    MAX_MENTIONS,
    MAX_OPTION_CHARS,
    MAX_PRAISE_CHARS,
    MAX_REASON_CHARS,
    MAX_TEXT_CHARS,
    MAX_TITLE_CHARS,
    clean_text,
    handles_in,
    topics_in,
)
from .thread import BADGES, REACTIONS, Message, Post

__all__ = [
    "ANNOUNCEMENTS_WITHOUT_WARNING",
    "ANNOUNCEMENT_WINDOW",
    "BADGES",
    "MAX_ATTACHMENTS",
    "MAX_MENTIONS",
    "MAX_OPTION_CHARS",
    "MAX_PRAISE_CHARS",
    "MAX_REASON_CHARS",
    "MAX_TEXT_CHARS",
    "MAX_TITLE_CHARS",
    "POLL_OPTIONS",
    "POLL_RESULTS",
    "RANK_CURSOR",
    "REACTIONS",
    "TIME_CURSOR",
    "Access",
    "AnnouncementLedger",
    "Group",
    "Message",
    "Post",
    "announcement_warning",
    "clean_attachments",
    "clean_text",
    "handles_in",
    "highlight_segments",
    "poll_closing",
    "poll_options",
    "require_words_or_files",
    "topics_in",
]
