"""Page threads: the conversation about a page outside Plein, one per page and group, its id
following from the page's canonical address (plein_events.pages)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from plein_events.pages import canonical_url, page_thread_id
from plein_testdata.servers import Plein, eventually

from .test_events import _published

PAGE = "https://Intranet.example.com/news/canteen?week=2&lang=nl#menu"


def test_a_page_address_is_canonical_whatever_its_case_port_query_order_and_fragment() -> None:
    assert canonical_url(PAGE) == "https://intranet.example.com/news/canteen?lang=nl&week=2"
    assert canonical_url("HTTP://a.example:80") == "http://a.example/"
    assert canonical_url("http://a.example:8080/x") == "http://a.example:8080/x"
    same = "https://intranet.example.com:443/news/canteen?lang=nl&week=2"
    assert page_thread_id(PAGE, None) == page_thread_id(same, None)
    group = UUID(int=1)
    assert page_thread_id(PAGE, group) != page_thread_id(PAGE, None)
    for bad in ("javascript:alert(1)", "ftp://x.example/", "/relative", "https://"):
        try:
            canonical_url(bad)
        except ValueError:
            continue
        raise AssertionError(f"{bad} was accepted")


async def test_a_page_thread_is_started_once_under_the_id_of_its_page(
    plein: Plein, identity: Any
) -> None:
    ann, bob = await identity.people("ann", "bob")
    group = await identity.group("Kantine", members=(ann, bob))
    http = plein.http
    body = {"text": "Is er vrijdag soep?", "group_id": group, "page_url": PAGE}
    first = await http.post("/posts/posts", headers=ann.auth, json=body)
    assert first.status_code == 201, first.text
    thread_id = str(page_thread_id(PAGE, UUID(group)))
    assert first.json()["id"] == thread_id
    assert first.json()["page_url"] == canonical_url(PAGE)

    again = await http.post(
        "/posts/posts",
        headers=bob.auth,
        json={**body, "page_url": "https://intranet.example.com:443/news/canteen?lang=nl&week=2"},
    )
    identity.problem(again, 409)
    thread = (await http.get(f"/posts/posts/{thread_id}", headers=bob.auth)).json()
    assert thread["author_id"] == ann.id and thread["page_url"] == canonical_url(PAGE)

    async def published() -> Any:
        [created] = [e for e in await _published(plein) if e.type == "PostCreated"]
        return created

    created = await eventually(published)
    assert created.payload["page_url"] == canonical_url(PAGE)
    assert created.payload["post_id"] == thread_id


async def test_a_page_thread_for_an_address_that_is_not_http_is_refused(
    plein: Plein, identity: Any
) -> None:
    [ann] = await identity.people("ann")
    refused = await plein.http.post(
        "/posts/posts",
        headers=ann.auth,
        json={"text": "Hallo", "page_url": "javascript:alert(1)"},
    )
    identity.problem(refused, 422)
