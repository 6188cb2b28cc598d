"""The event contract: envelopes, versions, upcasting and the checked-in schemas."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from plein_events import (
    Envelope,
    Followed,
    PostCreated,
    UnknownEventType,
    envelope_for,
    latest_event_types,
    parse_payload,
)
from plein_events.contract import Event, event_type, scratch_registry, upcaster
from plein_events.schema_files import (
    event_schema,
    incompatibilities,
    schema_dir,
    snapshot_name,
    write_contract_files,
)


def test_subjects_follow_plein_service_event_type() -> None:
    assert PostCreated.subject() == "plein.posts.PostCreated"
    assert Followed.subject() == "plein.identity.Followed"


def test_republished_event_keeps_its_id_and_msg_id() -> None:
    payload = Followed(follower_id=uuid.uuid4(), followee_id=uuid.uuid4())
    kwargs: dict[str, Any] = dict(
        aggregate_id="a1", aggregate_version=3, occurred_at=datetime.now(UTC), actor_id=None
    )
    first, again = envelope_for(payload, **kwargs), envelope_for(payload, **kwargs)
    assert first.event_id == again.event_id
    assert first.msg_id == "identity:a1:3"


def test_envelope_round_trips_through_json() -> None:
    payload = PostCreated(
        post_id=uuid.uuid4(),
        author_id=uuid.uuid4(),
        real_author_id=uuid.uuid4(),
        text="Hallo <b>allemaal</b>",
    )
    envelope = envelope_for(
        payload,
        aggregate_id=str(payload.post_id),
        aggregate_version=1,
        occurred_at=datetime.now(UTC),
        actor_id=payload.author_id,
    )
    decoded = Envelope.model_validate_json(envelope.model_dump_json())
    assert parse_payload(decoded) == payload


def test_unknown_type_or_version_is_refused() -> None:
    base: dict[str, Any] = dict(
        event_id=uuid.uuid4(),
        occurred_at=datetime.now(UTC),
        producer="posts",
        aggregate_id="x",
        aggregate_version=1,
        payload={},
    )
    with pytest.raises(UnknownEventType):
        parse_payload(Envelope(type="NoSuchEvent", version=1, **base))
    with pytest.raises(UnknownEventType):
        parse_payload(Envelope(type="PostCreated", version=99, **base))


def test_old_versions_are_upcast_to_the_latest() -> None:
    with scratch_registry():
        _upcast_a_greeting()
    with pytest.raises(UnknownEventType):
        parse_payload(_greeting_envelope())


def _greeting_envelope() -> Envelope:
    return Envelope(
        event_id=uuid.uuid4(),
        type="Greeted",
        version=1,
        occurred_at=datetime.now(UTC),
        producer="test",
        aggregate_id="g",
        aggregate_version=1,
        payload={"name": "Ann de Vries"},
    )


def _upcast_a_greeting() -> None:
    @event_type("test", version=1)
    class Greeted(Event):
        name: str

    @event_type("test", version=2)  # the same event, next version
    class Greeted(Event):  # type: ignore[no-redef]  # noqa: F811
        first_name: str
        last_name: str = ""

    @upcaster("Greeted", 1)
    def _split(data: dict) -> dict:
        first, _, last = data["name"].partition(" ")
        return {"first_name": first, "last_name": last}

    # Any: mypy knows only the first `Greeted` (the redefinition is ignored above).
    event: Any = parse_payload(_greeting_envelope())
    assert (event.first_name, event.last_name) == ("Ann", "de Vries")


def test_every_event_type_has_an_up_to_date_schema_snapshot() -> None:
    for cls in latest_event_types():
        path = schema_dir() / snapshot_name(cls)
        assert path.exists(), f"{path.name} missing: run `make contract`"
        assert json.loads(path.read_text()) == event_schema(cls), (
            f"{path.name} is outdated: run `make contract`"
        )


def test_checked_in_snapshots_are_still_readable_by_the_current_models() -> None:
    snapshots = sorted(schema_dir().glob("*.json"))
    assert len(snapshots) >= len(latest_event_types())  # a wrong directory checks nothing
    for path in snapshots:
        name, version = path.stem.rsplit(".v", 1)
        current = [c for c in latest_event_types() if c.type_name == name]
        assert current, f"{name} was removed from the contract; old events could not replay"
        if current[0].version == int(version):
            assert incompatibilities(json.loads(path.read_text()), event_schema(current[0])) == []


def test_incompatible_changes_are_detected() -> None:
    old = event_schema(Followed)
    removed = json.loads(json.dumps(old))
    del removed["properties"]["followee_id"]
    retyped = json.loads(json.dumps(old))
    retyped["properties"]["followee_id"] = {"type": "integer"}
    required = json.loads(json.dumps(old))
    required["properties"]["reason"] = {"type": "string"}
    required["required"].append("reason")
    optional = json.loads(json.dumps(old))
    optional["properties"]["reason"] = {"type": "string", "default": ""}

    assert incompatibilities(old, removed) == ["field 'followee_id' was removed"]
    assert incompatibilities(old, retyped) == ["field 'followee_id' changed type or constraints"]
    assert incompatibilities(old, required) == ["field 'reason' is required now"]
    assert incompatibilities(old, optional) == []


def test_contract_files_are_up_to_date() -> None:
    assert write_contract_files(dry_run=True) == [], "run `make contract`"
