"""The files' SQL rule (store.READABLE) answers the files' table of the one visibility rule
(plein_events.visibility.FILE_CASES), from facts its own projection handlers stored."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from plein_events import Event, envelope_for
from plein_events.identity import GroupCreated, MemberJoined, MemberLeft, Visibility
from plein_events.posts import PostCreated, PostDeleted, PostHidden
from plein_events.visibility import FILE_CASES, FileCase, Standing, may_read_file
from plein_files import store
from plein_files.consumers import PLACES
from plein_platform.database import schema_pool
from plein_platform.registry import load_services
from plein_platform.runtime import migrate_services
from plein_testdata.servers import Servers, fresh_database
from psycopg_pool import AsyncConnectionPool

NOW = datetime.now(UTC)


@pytest.fixture(scope="module")
async def pool(servers: Servers) -> AsyncIterator[AsyncConnectionPool]:
    database_url = await fresh_database(servers)
    await migrate_services(database_url, load_services(["files"]))
    pool = schema_pool(database_url, "files", max_size=2)
    await pool.open()
    try:
        yield pool
    finally:
        await pool.close()


def story(case: FileCase, reader: UUID, file_id: UUID) -> tuple[UUID, list[Event]]:
    """The uploader, and the events identity and posts would publish for the case."""
    uploader = reader if case.file.reader_uploaded else uuid4()
    events: list[Event] = []
    for place in case.file.places:
        post_id, group_id = uuid4(), None
        if place.group is not None:
            group_id = uuid4()
            if place.group.known:
                visibility: Visibility = "private" if place.group.private else "public"
                events.append(GroupCreated(group_id=group_id, name="G", visibility=visibility))
            events.append(MemberJoined(group_id=group_id, user_id=uploader))
            if case.reader.standing in (Standing.MEMBER, Standing.ADMIN, Standing.FORMER_MEMBER):
                events.append(MemberJoined(group_id=group_id, user_id=reader))
            if case.reader.standing is Standing.FORMER_MEMBER:
                events.append(MemberLeft(group_id=group_id, user_id=reader))
        events.append(
            PostCreated(
                post_id=post_id,
                author_id=uploader,
                real_author_id=uploader,
                group_id=group_id,
                group_private=place.group is not None and place.group.private,
                text="Files",
                attachments=[file_id],
            )
        )
        if place.hidden:
            events.append(PostHidden(post_id=post_id, hidden_by=uploader, group_id=group_id))
        if place.deleted:
            events.append(PostDeleted(post_id=post_id, deleted_by=uploader, group_id=group_id))
    return uploader, events


CHECKED = [
    pytest.param(case, id=case.name.replace(" ", "-").replace(",", ""))
    for case in FILE_CASES
    # Deactivated and erased people are refused at the door (current_principal), not here.
    if not (case.reader.deactivated or case.reader.erased)
]


@pytest.mark.parametrize("case", FILE_CASES, ids=lambda c: c.name)
def test_the_rule_answers_the_files_table(case: FileCase) -> None:
    assert may_read_file(case.reader, case.file, moderator=case.moderator) is case.expected


@pytest.mark.parametrize("case", CHECKED)
async def test_the_files_sql_answers_the_files_table(
    pool: AsyncConnectionPool, case: FileCase
) -> None:
    reader, file_id = uuid4(), uuid4()
    uploader, events = story(case, reader, file_id)
    async with pool.connection() as conn, conn.transaction():
        await store.add_file(
            conn,
            {
                "file_id": file_id,
                "uploader_id": uploader,
                "name": "a.txt",
                "media_type": "text/plain",
                "kind": "text",
                "size": 1,
                "storage_key": f"x/{file_id}",
                "alt": "",
                "at": NOW,
            },
        )
        if case.file.processed:
            await conn.execute("UPDATE files SET status = 'ready' WHERE file_id = %s", (file_id,))
        for n, event in enumerate(events):
            envelope = envelope_for(
                event,
                aggregate_id=str(uuid4()),
                aggregate_version=1,
                occurred_at=NOW + timedelta(milliseconds=n),
                actor_id=None,
            )
            await PLACES.handlers[type(event)](conn, event, envelope)
        rows = await store.readable_files(conn, [file_id], store.access(reader, case.moderator))
    assert bool(rows) is case.expected, case.name
