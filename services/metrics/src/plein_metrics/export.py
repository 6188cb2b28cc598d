"""The analysts' export: the `PLEIN` stream as Parquet (`plein replay export --to DIR`).

DIR/events/<Type>.parquet   one table per event type: stream sequence, envelope, payload
DIR/model/<table>.parquet    metrics' read model (readmodel.py), the tidy `activity` included
DIR/changes.parquet          every read-model change with its sequence and time (for --as-of)
DIR/manifest.json            what was read

Erased people stay erased: personal fields travel sealed under their person's key and are
opened here; a person erased anywhere in the stream has the personal fields of every row about
them emptied, and FORMER_COLLEAGUE (what a sealed field reads as once its key is destroyed) is
written as empty. Private groups' content (texts, titles, options, group
names) is never written: an analyst is not a member.

Shared accounts protect the person behind them: a post or reply written as a shared account
(HR, IT) is the account's in every row of the export. Its thread row names the account as
author, its activity row (the thread start, the reply) the account as who acted, its event has
no `real_author_id` / `real_editor_id` and its envelope no `actor_id`. The live read model keeps
the real person (the KPIs count their participation); the export cannot keep both without
tying the post to the person (a row's time alone joins them), so `plein kpis` over an export
counts such writing for the account, which is no person of the population: the one place
where offline numbers differ from the live ones.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nats.errors
import pyarrow as pa
import pyarrow.parquet as pq
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from plein_events import (
    FORMER_COLLEAGUE,
    Envelope,
    UnknownEventType,
    lookup,
    parse_payload,
    personal_fields,
)
from plein_events.identity import UserErased
from plein_events.personal import PersonKeys
from plein_events.posts import PostEdited, ReplyPosted, ThreadStarted
from plein_events.stream import STREAM_NAME

from .readmodel import TABLES, MemoryModel, changes_for

PRIVATE_CONTENT = ("text", "title", "options", "badge", "topics", "description", "name")
ARROW_TYPES = {
    "text": pa.string(),
    "bool": pa.bool_(),
    "int": pa.int64(),
    "ts": pa.timestamp("us", tz="UTC"),
}
Progress = Callable[[int, int], None]


async def read_stream(
    js: JetStreamContext,
    *,
    from_seq: int | None = None,
    since: datetime | None = None,
    batch: int = 1000,
    progress: Progress | None = None,
) -> AsyncIterator[tuple[int, Envelope | None, bytes]]:
    """(sequence, envelope or None when undecodable, raw data) of every message up to the
    stream's last sequence at the start; `progress(done, total)` after each batch."""
    info = await js.stream_info(STREAM_NAME)
    last = int(info.state.last_seq or 0)
    config = ConsumerConfig(
        ack_policy=AckPolicy.NONE,
        deliver_policy=DeliverPolicy.ALL,
        inactive_threshold=60.0,
        max_waiting=1,
    )
    if from_seq:
        config.deliver_policy = DeliverPolicy.BY_START_SEQUENCE
        config.opt_start_seq = from_seq
    elif since is not None:
        config.deliver_policy = DeliverPolicy.BY_START_TIME
        # nats-py sends the field as given: JetStream wants RFC 3339
        config.opt_start_time = since.astimezone(UTC).isoformat().replace("+00:00", "Z")  # type: ignore[assignment]
    if not last or (from_seq or 0) > last:
        if progress:
            progress(0, 0)
        return
    sub = await js.pull_subscribe("plein.>", stream=STREAM_NAME, config=config)
    try:
        total = int((await sub.consumer_info()).num_pending or 0)
        done = 0
        if progress:
            progress(0, total)
        while done < total:
            try:
                msgs = await sub.fetch(batch, timeout=2.0)
            except nats.errors.TimeoutError:
                break  # nothing more (the stream may hold fewer messages than announced)
            for msg in msgs:
                seq = msg.metadata.sequence.stream
                try:
                    envelope: Envelope | None = Envelope.model_validate_json(msg.data)
                except ValueError:
                    envelope = None
                yield seq, envelope, msg.data
                done += 1
                if seq >= last:
                    done = total
            if progress:
                progress(min(done, total), total)
    finally:
        await sub.unsubscribe()


@dataclass
class Export:
    """Collects a stream's events, then writes them out (erasure needs the whole stream)."""

    model: MemoryModel = field(default_factory=MemoryModel)
    events: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    changes: list[dict[str, Any]] = field(default_factory=list)
    erased: set[str] = field(default_factory=set)
    # post or reply id -> the shared account it was written as (not the person who wrote it)
    written_as: dict[str, str] = field(default_factory=dict)
    first_seq: int | None = None
    last_seq: int | None = None
    messages: int = 0
    skipped: int = 0

    def add(self, seq: int, envelope: Envelope | None) -> None:
        self.messages += 1
        self.first_seq = seq if self.first_seq is None else self.first_seq
        self.last_seq = seq
        if envelope is None:
            self.skipped += 1
            return
        try:
            event = parse_payload(envelope)
        except (UnknownEventType, ValueError):
            self.skipped += 1
            return
        for change in changes_for(event, envelope):
            self.model.apply(change)
            self.changes.append(
                {
                    "seq": seq,
                    "occurred_at": envelope.occurred_at,
                    "table": change.table,
                    "update": list(change.update),
                    "row": change.row,
                }
            )
        if isinstance(event, UserErased):
            self.erased.add(str(event.user_id))
        payload = event.model_dump(mode="json")
        self._note_written_as(event, payload)
        actor = None if envelope.actor_id is None else str(envelope.actor_id)
        if envelope.producer == "posts" and actor not in payload.values():
            actor = None  # someone acting as a shared account: the payload names the account
        self.events[envelope.type].append(
            {
                "seq": seq,
                "event_id": str(envelope.event_id),
                "occurred_at": envelope.occurred_at,
                "producer": envelope.producer,
                "aggregate_id": envelope.aggregate_id,
                "aggregate_version": envelope.aggregate_version,
                "actor_id": actor,
                "version": envelope.version,
                **payload,
            }
        )

    def _note_written_as(self, event: Any, payload: dict[str, Any]) -> None:
        """Remember what was written as a shared account; its event forgets the person."""
        if isinstance(event, ThreadStarted | ReplyPosted):
            if event.author_id != event.real_author_id:
                item = event.post_id if isinstance(event, ThreadStarted) else event.reply_id
                self.written_as[str(item)] = str(event.author_id)
                payload["real_author_id"] = None
        elif isinstance(event, PostEdited) and event.real_editor_id not in (None, event.editor_id):
            payload["real_editor_id"] = None

    def _as_shown(self, table: str, row: dict[str, Any]) -> dict[str, Any]:
        """A read-model row with what was written as a shared account the account's."""
        if table == "threads" and row["post_id"] in self.written_as:
            return {**row, "author_id": self.written_as[row["post_id"]]}
        if (
            table == "activity"
            and (row["kind"] == "create" or row["action"] == "reply")
            and row["item_id"] in self.written_as
        ):
            return {**row, "user_id": self.written_as[row["item_id"]]}
        return row

    def _redacted(self, type_name: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        cls = lookup(type_name)
        personal = set(personal_fields(cls))
        out = []
        for row in rows:
            row = {k: (None if v == FORMER_COLLEAGUE else v) for k, v in row.items()}
            if personal and str(row.get(cls.personal_subject)) in self.erased:
                row.update(dict.fromkeys(personal))
            if row.get("group_private") or row.get("visibility") == "private":
                row.update({k: None for k in PRIVATE_CONTENT if k in row})
            out.append(row)
        return out

    def _redacted_change(self, table: str, row: dict[str, Any]) -> dict[str, Any]:
        """A change as written: an erased person's name is emptied in every change, the
        earlier ones included (the read model itself forgot it at the erasure)."""
        row = self._as_shown(table, row)
        if row.get("display_name") is not None and row.get("user_id") in self.erased:
            return {**row, "display_name": None}
        return row

    def write(self, directory: Path) -> dict[str, int]:
        """Write every table; returns rows written per table."""
        written: dict[str, int] = {}
        (directory / "events").mkdir(parents=True, exist_ok=True)
        (directory / "model").mkdir(parents=True, exist_ok=True)
        for type_name, rows in sorted(self.events.items()):
            table = pa.Table.from_pylist(self._redacted(type_name, rows))
            pq.write_table(table, directory / "events" / f"{type_name}.parquet")
            written[f"events/{type_name}"] = len(rows)
        for name, spec in TABLES.items():
            schema = pa.schema([(c, ARROW_TYPES[kind]) for c, kind in spec.columns.items()])
            rows = [self._as_shown(name, row) for row in self.model.table(name)]
            pq.write_table(
                pa.Table.from_pylist(rows, schema=schema), directory / "model" / f"{name}.parquet"
            )
            written[f"model/{name}"] = len(rows)
        changes_schema = pa.schema(
            [
                ("seq", pa.int64()),
                ("occurred_at", pa.timestamp("us", tz="UTC")),
                ("table", pa.string()),
                ("update", pa.list_(pa.string())),
                ("row", pa.string()),
            ]
        )
        changes = [
            {**c, "row": json.dumps(self._redacted_change(c["table"], c["row"]), default=str)}
            for c in self.changes
        ]
        pq.write_table(
            pa.Table.from_pylist(changes, schema=changes_schema),
            directory / "changes.parquet",
        )
        written["changes"] = len(self.changes)
        (directory / "manifest.json").write_text(
            json.dumps(
                {
                    "stream": STREAM_NAME,
                    "first_seq": self.first_seq,
                    "last_seq": self.last_seq,
                    "messages": self.messages,
                    "skipped": self.skipped,
                    "erased_people": len(self.erased),
                    "exported_at": datetime.now(UTC).isoformat(),
                    "tables": written,
                },
                indent=2,
            )
        )
        return written


@dataclass
class ExportResult:
    messages: int
    skipped: int
    tables: dict[str, int]
    read_seconds: float
    total_seconds: float


async def export_stream(
    js: JetStreamContext,
    directory: Path,
    *,
    from_seq: int | None = None,
    since: datetime | None = None,
    progress: Progress | None = None,
) -> ExportResult:
    """Read the stream (from the start, a sequence or a time) and write the export."""
    started = time.perf_counter()
    export = Export()
    # Personal fields travel sealed under their person's key: opened here as for any
    # projection; an erased person's (key destroyed) read as placeholders, written empty.
    keys = PersonKeys(js)
    try:
        async for seq, envelope, _ in read_stream(
            js, from_seq=from_seq, since=since, progress=progress
        ):
            export.add(seq, None if envelope is None else await keys.unseal_envelope(envelope))
    finally:
        await keys.close()
    read = time.perf_counter() - started
    tables = export.write(directory)
    return ExportResult(
        export.messages, export.skipped, tables, read, time.perf_counter() - started
    )
