"""Crypto-shredding on identity's side: per-person keys, and the event store mapper that seals
personal fields before they are written and opens them when they are read.

Keys live in `person_keys` (identity's schema, the truth) and are copied to the JetStream KV
bucket PLEIN_PERSON_KEYS for consumers. A key row is `shared` once it is in the bucket; the
outbox relay holds back a person's events until then, so no consumer ever meets a sealed
value it cannot open yet. Erasure nulls the key and purges it from the bucket.
"""

from __future__ import annotations

import asyncio
import time
from uuid import UUID

import structlog
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import StoredEvent
from nats.js import JetStreamContext
from plein_events import Envelope
from plein_events.eventstore import TracingMapper
from plein_events.personal import (
    PERSON_KEYS_BUCKET,
    new_person_key,
    seal_envelope,
    seal_fields,
    sealed_people,
    unseal_fields,
)
from plein_events.relay import NotReadyToPublish
from psycopg_pool import AsyncConnectionPool, ConnectionPool

log = structlog.get_logger(__name__)

_PROFILE = ["email", "display_name", "job_title", "location", "photo_url", "bio", "languages"]
# Domain event class -> (attribute naming the person, personal attributes).
PERSONAL_ATTRIBUTES: dict[str, tuple[str, list[str]]] = {
    "User.Registered": ("originator_id", [*_PROFILE, "password_hash", "handle"]),
    "User.ProfileUpdated": ("originator_id", _PROFILE),
    "User.PasswordChanged": ("originator_id", ["password_hash"]),
    "EmailAddress.Claimed": ("user_id", ["email"]),
    "Handle.Claimed": ("user_id", ["handle"]),
}


class KeyNotShared(NotReadyToPublish):
    """A person's key is not in the KV bucket yet: their events wait (the relay retries)."""


class KeyRing:
    """Per-person keys in identity's schema; synchronous (the event store mapper is)."""

    def __init__(self, database_url: str, schema: str, *, cache_ttl_s: float = 30.0) -> None:
        self.pool = ConnectionPool(
            database_url,
            kwargs={"options": f"-c search_path={schema}", "autocommit": True},
            min_size=1,
            max_size=4,
            open=False,
            name=f"{schema}-keys",
        )
        self.cache_ttl_s = cache_ttl_s
        self._cache: dict[UUID, tuple[float, bytes | None, bool]] = {}

    def open(self) -> None:
        self.pool.open()

    def close(self) -> None:
        self.pool.close()

    def create(self, person_id: UUID) -> bytes:
        key = new_person_key()
        with self.pool.connection() as conn:
            conn.execute(
                "INSERT INTO person_keys (person_id, key) VALUES (%s, %s)", (person_id, key)
            )
        self._cache[person_id] = (time.monotonic(), key, False)
        return key

    def discard(self, person_id: UUID) -> None:
        """Forget a key that never sealed anything stored (a registration that failed)."""
        with self.pool.connection() as conn:
            conn.execute("DELETE FROM person_keys WHERE person_id = %s", (person_id,))
        self._cache.pop(person_id, None)

    def destroy(self, person_id: UUID) -> None:
        """Shred the key: everything sealed under it is unreadable from now on."""
        with self.pool.connection() as conn:
            conn.execute(
                "UPDATE person_keys SET key = NULL, erased_at = now(), shared = false "
                "WHERE person_id = %s",
                (person_id,),
            )
        self._cache[person_id] = (time.monotonic(), None, False)

    def _lookup(self, person_id: UUID) -> tuple[bytes | None, bool]:
        cached = self._cache.get(person_id)
        fresh = cached is not None and time.monotonic() - cached[0] < self.cache_ttl_s
        # A key not yet shared is looked up again: the publisher may have shared it meanwhile.
        if cached is not None and fresh and (cached[2] or cached[1] is None):
            return cached[1], cached[2]
        with self.pool.connection() as conn:
            row = conn.execute(
                "SELECT key, shared FROM person_keys WHERE person_id = %s", (person_id,)
            ).fetchone()
        key, shared = (bytes(row[0]) if row and row[0] else None), bool(row and row[1])
        self._cache[person_id] = (time.monotonic(), key, shared)
        return key, shared

    def key(self, person_id: UUID) -> bytes | None:
        return self._lookup(person_id)[0]

    def key_for_publishing(self, person_id: UUID) -> bytes | None:
        key, shared = self._lookup(person_id)
        if key is not None and not shared:
            raise KeyNotShared(f"the key of {person_id} is not in {PERSON_KEYS_BUCKET} yet")
        return key

    def seal_envelope(self, envelope: Envelope) -> Envelope:
        """The outbox's sealer: personal fields sealed under their person's (shared) key."""
        return seal_envelope(envelope, self.key_for_publishing)


async def share_keys(pool: AsyncConnectionPool, js: JetStreamContext) -> int:
    """Copy new keys to the KV bucket and purge shredded ones; returns how many rows it did."""
    kv = await js.key_value(PERSON_KEYS_BUCKET)
    done = 0
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT person_id, key FROM person_keys WHERE NOT shared ORDER BY created_at LIMIT 500"
        )
        for person_id, key in await cur.fetchall():
            if key is None:
                await kv.purge(str(person_id))
            else:
                await kv.put(str(person_id), bytes(key))
            await conn.execute(
                "UPDATE person_keys SET shared = true WHERE person_id = %s AND "
                "key IS NOT DISTINCT FROM %s",
                (person_id, key),
            )
            done += 1
    return done


class KeySharing:
    """A worker that keeps the KV bucket in step with `person_keys` (e.g. after an outage)."""

    name = "identity:person-keys"

    def __init__(self, pool: AsyncConnectionPool, js: JetStreamContext) -> None:
        self.pool = pool
        self.js = js

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await share_keys(self.pool, self.js)
            except Exception as error:  # NATS away: try again shortly
                log.warning("sharing person keys failed", error=repr(error))
            try:
                await asyncio.wait_for(stop.wait(), timeout=1.0)
            except TimeoutError:
                pass


class PersonalDataMapper(TracingMapper):
    """Seals personal attributes of identity's domain events under their person's key."""

    keyring: KeyRing

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        spec = PERSONAL_ATTRIBUTES.get(type(domain_event).__qualname__)
        if spec is None:
            return super().to_stored_event(domain_event)
        person_id = UUID(str(getattr(domain_event, spec[0])))
        sealed = object.__new__(type(domain_event))
        state = seal_fields(vars(domain_event), spec[1], person_id, self.keyring.key(person_id))
        object.__setattr__(sealed, "__dict__", state)
        return super().to_stored_event(sealed)

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        domain_event = super().to_domain_event(stored_event)
        state = vars(domain_event)
        people = sealed_people(state)
        if people:
            keys = {person: self.keyring.key(UUID(person)) for person in people}
            object.__setattr__(domain_event, "__dict__", unseal_fields(state, keys))
        return domain_event
