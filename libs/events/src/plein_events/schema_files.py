"""The contract on disk: a JSON Schema snapshot per event type and version, and an AsyncAPI
document. Snapshots are how a change that would break old events gets caught in review."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path
from typing import Any

from .contract import Envelope, Event, all_event_types, latest_event_types
from .stream import STREAM_NAME

SOURCE_DIR = Path(__file__).resolve().parents[2]


def schema_dir() -> Path:
    """libs/events/schemas in a checkout, else the copy packaged with plein_events."""
    in_checkout = SOURCE_DIR / "schemas"
    return in_checkout if in_checkout.is_dir() else Path(str(files("plein_events") / "schemas"))


def checked_in_asyncapi() -> dict[str, Any]:
    """The checked-in AsyncAPI document (libs/events/asyncapi.json, packaged with plein_events):
    the event contract's source of truth, kept current by `make contract`."""
    path = SOURCE_DIR / "asyncapi.json"
    if not path.is_file():
        path = Path(str(files("plein_events"))) / "asyncapi.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def snapshot_name(cls: type[Event]) -> str:
    return f"{cls.type_name}.v{cls.version}.json"


def event_schema(cls: type[Event]) -> dict[str, Any]:
    schema = cls.model_json_schema()
    schema["x-plein-subject"] = cls.subject()
    schema["x-plein-version"] = cls.version
    return schema


def _shape(prop: dict[str, Any]) -> dict[str, Any]:
    """A property's schema without words and markings, which may change freely."""
    free = ("title", "description", "examples", "x-plein-personal")
    return {k: v for k, v in prop.items() if k not in free}


def incompatibilities(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Why `new` cannot read what was written under `old` (empty when it can).

    Allowed without a new version: new optional fields, changed descriptions.
    """
    problems = []
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    old_required, new_required = set(old.get("required", [])), set(new.get("required", []))
    for name, prop in old_props.items():
        if name not in new_props:
            problems.append(f"field {name!r} was removed")
        elif _shape(prop) != _shape(new_props[name]):
            problems.append(f"field {name!r} changed type or constraints")
    for name in new_required - old_required:
        problems.append(f"field {name!r} is required now")
    if old.get("$defs") != new.get("$defs"):
        problems.append("a nested type changed")
    return problems


def asyncapi_document() -> dict[str, Any]:
    """AsyncAPI 3 description of every subject on the PLEIN stream."""
    envelope = Envelope.model_json_schema()
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for cls in latest_event_types():
        name = cls.type_name
        payload = json.loads(json.dumps(envelope))
        payload["properties"]["payload"] = event_schema(cls)
        payload["properties"]["type"] = {"const": name}
        payload["properties"]["version"] = {"const": cls.version}
        messages[name] = {
            "name": name,
            "title": name,
            "summary": (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else name,
            "contentType": "application/json",
            "headers": {
                "type": "object",
                "properties": {
                    "Nats-Msg-Id": {
                        "type": "string",
                        "description": "<producer>:<aggregate_id>:<version>",
                    },
                    "traceparent": {"type": "string", "description": "W3C trace context"},
                },
            },
            "payload": payload,
        }
        channels[name] = {
            "address": cls.subject(),
            "messages": {name: {"$ref": f"#/components/messages/{name}"}},
        }
        operations[f"{cls.producer}Publishes{name}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{name}"},
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Plein events",
            "version": "1",
            "description": f"Domain events on the JetStream stream {STREAM_NAME}, "
            "subjects plein.<service>.<EventType>.",
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages},
    }


def _dump(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_contract_files(*, dry_run: bool = False) -> list[Path]:
    """Bring snapshots and the AsyncAPI document up to date; returns the files that changed.

    Refuses (ValueError) to overwrite a snapshot with an incompatible schema: that change
    needs a new version and an upcaster.
    """
    directory = schema_dir()
    changed = []
    wanted: dict[Path, str] = {}
    for cls in all_event_types():
        path = directory / snapshot_name(cls)
        schema = event_schema(cls)
        if path.exists():
            problems = incompatibilities(json.loads(path.read_text()), schema)
            if problems:
                raise ValueError(
                    f"{path.name}: {'; '.join(problems)}; add version "
                    f"{cls.version + 1} with an upcaster instead"
                )
        wanted[path] = _dump(schema)
    wanted[SOURCE_DIR / "asyncapi.json"] = _dump(asyncapi_document())
    for path, text in wanted.items():
        if not path.exists() or path.read_text() != text:
            changed.append(path)
            if not dry_run:
                path.write_text(text)
    return changed
