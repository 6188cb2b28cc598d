"""Crypto-shredding of the words people write: posts' event store keeps them sealed.

The text of a post or a reply (and an announcement's title, a poll's options, an edit's new
text) is sealed
under its writer's person key (`plein_events.personal`, the keys identity keeps in the
PLEIN_PERSON_KEYS bucket) before the event is stored, and opened when threads are loaded.
The writer is always the person (`real_author_id`), also when they wrote as a shared account:
the words are theirs, and a shared account is no person that could be erased. Once identity
shreds the key, the stored events (and every backup of them) hold nothing readable: the
words load as REMOVED_TEXT. The outbox seals the contract events the same way for the stream.
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import StoredEvent
from plein_events import Envelope
from plein_events.eventstore import TracingMapper
from plein_events.personal import (
    PersonKeyMirror,
    seal_envelope,
    seal_fields,
    sealed_people,
    unseal_fields,
)
from plein_events.relay import NotReadyToPublish
from plein_platform.service import ServiceNotReady

# Domain event class -> (attribute naming the writer, attributes holding their words).
WRITTEN_WORDS: dict[str, tuple[str, list[str]]] = {
    "Post.Created": ("real_author_id", ["text", "title", "options"]),
    "Post.Replied": ("real_author_id", ["text"]),
    "Post.Edited": ("real_editor_id", ["text"]),
    "Gathering.Scheduled": ("organiser_id", ["title", "description"]),
    "Article.Drafted": ("real_author_id", ["title", "teaser", "body"]),
    "Article.Revised": ("real_editor_id", ["title", "teaser", "body"]),
}


class KeyNotReady(ServiceNotReady):
    """The writer's key is not in the bucket (yet): nothing is stored unsealed."""


class AuthoredTextMapper(TracingMapper):
    """Seals the words of posts' domain events under their writer's key, opens them on load.

    Without `keys` (an application built for a unit test or a benchmark) nothing is sealed.
    """

    keys: PersonKeyMirror | None = None

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        spec = WRITTEN_WORDS.get(type(domain_event).__qualname__)
        writer = getattr(domain_event, spec[0], None) if spec else None
        if spec is None or writer is None or self.keys is None:
            return super().to_stored_event(domain_event)
        key = self.keys.key(writer)
        if key is None:
            # Never store the words in the clear, and never replace them by a placeholder.
            raise KeyNotReady("Your words cannot be stored safely yet; try again in a moment.")
        sealed = object.__new__(type(domain_event))
        state = seal_fields(vars(domain_event), spec[1], UUID(str(writer)), key, spec[1])
        object.__setattr__(sealed, "__dict__", state)
        return super().to_stored_event(sealed)

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        domain_event = super().to_domain_event(stored_event)
        state = vars(domain_event)
        people = sealed_people(state) if self.keys is not None else set()
        if people:
            assert self.keys is not None
            keys = {person: self.keys.key(person) for person in people}
            object.__setattr__(domain_event, "__dict__", unseal_fields(state, keys))
        return domain_event


def envelope_sealer(keys: PersonKeyMirror) -> Callable[[Envelope], Envelope]:
    """The outbox's sealer: the contract event's words sealed under their writer's key (a
    writer erased meanwhile: REMOVED_TEXT)."""

    def key_of(person_id: UUID) -> bytes | None:
        key = keys.key(person_id)
        if key is None and not keys.shredded(person_id):
            raise NotReadyToPublish(f"the key of {person_id} is not here yet")
        return key

    def seal(envelope: Envelope) -> Envelope:
        return seal_envelope(envelope, key_of)

    return seal
