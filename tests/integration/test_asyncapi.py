"""The event contract's AsyncAPI page, and FastStream's view of Plein's messaging against the
checked-in document (libs/events/asyncapi.json, the source of truth)."""

from __future__ import annotations

from typing import Any

import httpx
from faststream.specification import AsyncAPI
from plein_events.relay import OutboxRelay
from plein_events.schema_files import checked_in_asyncapi
from plein_platform.registry import load_services
from plein_testdata.servers import Plein, eventually

APIS = [s.name for s in load_services() if s.path == f"/api/{s.name}"]


async def test_asyncapi_page_shows_every_event_type_and_loads_nothing(plein: Plein) -> None:
    document = checked_in_asyncapi()
    async with httpx.AsyncClient(base_url=plein.base_url, timeout=30.0) as http:
        for name in APIS:
            response = await http.get(f"/api/{name}/asyncapi")
            assert response.status_code == 200, response.text
            html = response.text
            assert "http://" not in html and "https://" not in html and "<script" not in html
            for channel, spec in document["channels"].items():
                assert f'id="{channel}"' in html, channel
                assert f"<code>{spec['address']}</code>" in html, channel
            assert f'href="/api/{name}/asyncapi.json"' in html
            served = await http.get(f"/api/{name}/asyncapi.json")
            assert served.json() == document


def faststream_view(plein: Plein) -> dict[str, Any]:
    """FastStream's AsyncAPI document of every broker the running relays and projections use."""
    relays = [w for w in plein.runtime.running_workers.values() if isinstance(w, OutboxRelay)]
    runners = [r for s in plein.runtime.services for r in s.runners.values()]
    brokers = [w.broker for w in relays] + [r.broker for r in runners]
    return AsyncAPI(*brokers, schema_version="3.0.0").to_specification().to_jsonable()


def channels_by_action(view: dict[str, Any], action: str) -> dict[str, str]:
    """Channel name -> subject, for the channels of FastStream's operations doing `action`."""
    names = {
        str(op["channel"]["$ref"]).rsplit("/", 1)[-1]
        for op in view["operations"].values()
        if op["action"] == action
    }
    return {name: view["channels"][name]["address"] for name in names}


async def test_faststream_publishers_and_subscribers_agree_with_the_checked_in_contract(
    plein: Plein,
) -> None:
    document = checked_in_asyncapi()
    contract = {name: spec["address"] for name, spec in document["channels"].items()}
    producers = {s.name for s in plein.runtime.services if hasattr(s, "application_class")}

    async def every_relay_runs() -> None:
        running = {
            w.producer for w in plein.runtime.running_workers.values() if isinstance(w, OutboxRelay)
        }
        assert running == producers

    await eventually(every_relay_runs)
    view = faststream_view(plein)

    # Publishers: one per event type of each running producer, on the contract's subject.
    published = channels_by_action(view, "send")
    expected = {
        name: subject for name, subject in contract.items() if subject.split(".")[1] in producers
    }
    assert published == expected
    # ... carrying the contract's message: its payload schema is the event type of that name.
    for name in published:
        (message,) = view["channels"][name]["messages"].values()
        ref = message["$ref"].rsplit("/", 1)[-1]
        payload = view["components"]["messages"][ref]["payload"]["$ref"].rsplit("/", 1)[-1]
        assert payload == name, (name, payload)

    # Subscribers: every projection's subjects, each a subject of the contract.
    received = channels_by_action(view, "receive")
    assert set(received.values()) <= set(contract.values())
    subjects = {
        s
        for svc in plein.runtime.services
        for r in svc.runners.values()
        for s in r.projection.subjects
    }
    assert subjects == set(received.values())
