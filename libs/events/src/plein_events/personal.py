"""Personal data sealed under a per-person key (crypto-shredding).

A personal value is replaced by a sealed token `plein-sealed:v1:<person>:<kind>:<data>`: the
JSON of the value encrypted with AES-GCM under the person's key, the person's id as associated
data. Identity keeps the keys and shares them with consumers through the JetStream KV bucket
`PLEIN_PERSON_KEYS`. Erasing a person destroys their key: every sealed value of theirs, in
identity's event store and on the stream, then reads as FORMER_COLLEAGUE (strings), [] (lists),
REMOVED_TEXT (words the person wrote: posts, replies) or None (anything else), the `kind`
letter saying which. A list of words (a poll's options) is sealed item by item, so that it
keeps its length once erased: as many REMOVED_TEXT as there were options, for the people
whose votes point at them.

Posts seals the words people write the same way (`PersonalText` fields, the writer's key),
so erasing a person shreds their posts and replies on the stream and in posts' event store.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import json
import os
from collections.abc import Callable, Collection, Mapping
from typing import Any
from uuid import UUID

import nats.errors
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from nats.js import JetStreamContext
from nats.js.errors import BucketNotFoundError, KeyDeletedError, KeyNotFoundError, NotFoundError
from nats.js.kv import KeyValue

from .contract import (
    FORMER_COLLEAGUE,
    REMOVED_TEXT,
    Envelope,
    lookup,
    personal_fields,
    personal_texts,
)

SEALED_PREFIX = "plein-sealed:v1:"
PERSON_KEYS_BUCKET = "PLEIN_PERSON_KEYS"
KEY_BYTES = 32


def new_person_key() -> bytes:
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


TEXT_KIND = "t"


def _kind(value: Any) -> str:
    if isinstance(value, str):
        return "s"
    if isinstance(value, list | tuple):
        return "l"
    return "o"


def erased_value(kind: str) -> Any:
    """What a sealed value reads as once its person's key is gone."""
    return {"s": FORMER_COLLEAGUE, "l": [], TEXT_KIND: REMOVED_TEXT}.get(kind)


def is_sealed(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(SEALED_PREFIX)


def sealed_person(token: str) -> str:
    """The id of the person whose key seals `token`."""
    return token[len(SEALED_PREFIX) :].split(":", 1)[0]


@functools.lru_cache(maxsize=4096)
def _cipher(key: bytes) -> AESGCM:
    # Setting up a cipher costs more than using it: a batch mostly meets the same people.
    return AESGCM(key)


def seal(value: Any, person_id: UUID, key: bytes, kind: str | None = None) -> Any:
    """`value` sealed for `person_id` (as `kind`, by default from its type); None and already
    sealed values stay as they are."""
    if value is None or is_sealed(value):
        return value
    nonce = os.urandom(12)
    data = _cipher(key).encrypt(nonce, json.dumps(value).encode(), str(person_id).encode())
    encoded = base64.urlsafe_b64encode(nonce + data).decode()
    return f"{SEALED_PREFIX}{person_id}:{kind or _kind(value)}:{encoded}"


def unseal(token: str, key: bytes | None) -> Any:
    """The value inside `token`; its erased placeholder if `key` is None (shredded)."""
    person, kind, encoded = token[len(SEALED_PREFIX) :].split(":", 2)
    if key is None:
        return erased_value(kind)
    raw = base64.urlsafe_b64decode(encoded)
    try:
        return json.loads(_cipher(key).decrypt(raw[:12], raw[12:], person.encode()))
    except InvalidTag:
        # A key that does not open the value is as good as no key: never leak, never crash.
        return erased_value(kind)


def seal_fields(
    state: Mapping[str, Any],
    fields: list[str],
    person_id: UUID,
    key: bytes | None,
    texts: Collection[str] = (),
) -> dict[str, Any]:
    """A copy of `state` with `fields` sealed; with no key (erased) they become placeholders.

    `texts` names the fields among them that are words the person wrote (REMOVED_TEXT once
    erased)."""
    out = dict(state)
    for name in fields:
        if name not in out or out[name] is None:
            continue
        if name in texts and isinstance(out[name], list | tuple):
            out[name] = [_sealed(item, person_id, key, TEXT_KIND) for item in out[name]]
        else:
            kind = TEXT_KIND if name in texts else _kind(out[name])
            out[name] = _sealed(out[name], person_id, key, kind)
    return out


def _sealed(value: Any, person_id: UUID, key: bytes | None, kind: str) -> Any:
    return erased_value(kind) if key is None else seal(value, person_id, key, kind)


def _tokens(value: Any) -> list[str]:
    """The sealed tokens in a value: itself, or the items of a list of words."""
    items = value if isinstance(value, list) else [value]
    return [item for item in items if is_sealed(item)]


def sealed_people(state: Mapping[str, Any]) -> set[str]:
    """Ids (as in the tokens) of the people whose keys seal values of `state`."""
    return {sealed_person(token) for v in state.values() for token in _tokens(v)}


def unseal_fields(state: Mapping[str, Any], keys: Mapping[str, bytes | None]) -> dict[str, Any]:
    """A copy of `state` with every sealed value (or sealed item of a list) opened, or shown
    as erased."""

    def opened(value: Any) -> Any:
        return unseal(value, keys.get(sealed_person(value))) if is_sealed(value) else value

    return {
        name: [opened(item) for item in value] if isinstance(value, list) else opened(value)
        for name, value in state.items()
    }


# -- the stream side ------------------------------------------------------------------------

KeyLookup = Callable[[UUID], bytes | None]


def seal_envelope(envelope: Envelope, key_of: KeyLookup) -> Envelope:
    """The envelope with its payload's personal fields sealed under their person's key.

    The person is the payload field the event class names in `personal_subject` (`user_id`;
    posts' events name the real writer).
    """
    cls = lookup(envelope.type)
    fields = personal_fields(cls)
    if not fields:
        return envelope
    subject = envelope.payload.get(cls.personal_subject)
    if subject is None:
        return envelope
    person_id = UUID(str(subject))
    payload = seal_fields(
        envelope.payload, fields, person_id, key_of(person_id), personal_texts(cls)
    )
    return envelope.model_copy(update={"payload": payload})


class PersonKeys:
    """Person keys for a projection: mirrored from the KV bucket by a watch (started on first
    use), so a batch of posts by many writers costs no lookup per writer; a key the watch has
    not brought yet is fetched. A shredded key is gone from the next lookup after its purge."""

    def __init__(self, js: JetStreamContext) -> None:
        self.js = js
        self._mirror: PersonKeyMirror | None = None
        self._missing: set[str] = set()  # looked up in this batch and not found

    def forget(self) -> None:
        """Forget which keys were missing (called per batch: one may have been shared since)."""
        self._missing.clear()

    async def close(self) -> None:
        """Stop the watch (a later `get` starts a new one). A watch left open holds its NATS
        subscription: the connection's drain then waits for it, up to its timeout."""
        mirror, self._mirror = self._mirror, None
        if mirror is not None:
            await mirror.stop()

    async def get(self, person_id: str) -> bytes | None:
        mirror = self._mirror
        if mirror is None:
            mirror = PersonKeyMirror(self.js, follow=False)
            try:
                await mirror.start()
            except (BucketNotFoundError, NotFoundError):
                return None
            self._mirror = mirror
        mirror.drain()
        if person_id in self._missing:
            return None
        key = await mirror.ensure(UUID(person_id))
        if key is None:
            self._missing.add(person_id)
        return key

    async def unseal_envelope(self, envelope: Envelope) -> Envelope:
        people = sealed_people(envelope.payload)
        if not people:
            return envelope
        keys = {person: await self.get(person) for person in people}
        return envelope.model_copy(update={"payload": unseal_fields(envelope.payload, keys)})


class PersonKeyMirror:
    """The person keys in memory, kept current by a watch on the KV bucket, for code that
    cannot await (an event store mapper sealing and opening stored events).

    `start` returns once every key in the bucket is loaded. A writer `await`s `ensure` for
    its person before saving, so a key created a moment ago is there too; a shredded key
    (purged from the bucket) is dropped within moments, and `on_shredded` callbacks run so
    that caches holding opened values can forget them.
    """

    def __init__(self, js: JetStreamContext, *, follow: bool = True) -> None:
        self.js = js
        # follow: a task applies the watch's updates as they come (keys are read from other
        # threads, e.g. an event store mapper); otherwise the owner calls `drain`, on its loop.
        self.follow = follow
        self._keys: dict[str, bytes] = {}
        self._shredded: set[str] = set()
        self.on_shredded: list[Callable[[str], None]] = []
        self._task: asyncio.Task[None] | None = None
        self._watcher: Any = None

    def key(self, person_id: UUID | str) -> bytes | None:
        return self._keys.get(str(person_id))

    def shredded(self, person_id: UUID | str) -> bool:
        return str(person_id) in self._shredded

    async def ensure(self, person_id: UUID) -> bytes | None:
        """The person's key, fetched from the bucket if the watch has not brought it yet."""
        found = self._keys.get(str(person_id))
        if found is None and str(person_id) not in self._shredded:
            try:
                kv = await self.js.key_value(PERSON_KEYS_BUCKET)
                entry = await kv.get(str(person_id))
            except (KeyNotFoundError, KeyDeletedError, BucketNotFoundError, NotFoundError):
                return None
            if entry.value and str(person_id) not in self._shredded:  # purged meanwhile?
                found = self._keys.setdefault(str(person_id), entry.value)
        return found

    def _apply(self, entry: Any) -> None:
        if entry.operation in ("DEL", "PURGE") or not entry.value:
            self._keys.pop(entry.key, None)
            self._shredded.add(entry.key)
            for forget in self.on_shredded:
                forget(entry.key)
        else:
            self._keys[entry.key] = entry.value

    async def start(self) -> None:
        kv = await self.js.key_value(PERSON_KEYS_BUCKET)
        self._watcher = await kv.watchall()
        while (entry := await self._watcher.updates(timeout=30.0)) is not None:
            self._apply(entry)
        if self.follow:
            self._task = asyncio.create_task(self._follow(), name="person-key-mirror")

    def drain(self) -> None:
        """Apply the updates the watch brought since (for a mirror that does not follow)."""
        # nats-py's watcher only offers an awaiting `updates()`; its queue is read without
        # waiting here, so that a batch's lookups stay free of round trips.
        queue = self._watcher._updates if self._watcher is not None else None
        while queue is not None and not queue.empty():
            entry = queue.get_nowait()
            if isinstance(entry, KeyValue.Entry):
                self._apply(entry)

    async def _follow(self) -> None:
        async for entry in self._watcher:
            if entry is not None:
                self._apply(entry)

    async def stop(self) -> None:
        watcher, self._watcher = self._watcher, None
        task, self._task = self._task, None
        try:
            if watcher is not None:
                await watcher.stop()  # ends the follower's iteration too
        except nats.errors.Error:
            # The connection is already closing or closed: nothing left to unsubscribe, and
            # no end of iteration will come to the follower.
            if task is not None:
                task.cancel()
        if task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await task
