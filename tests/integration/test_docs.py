"""The API docs pages work without internet access, and "Authorize" reaches every service."""

from __future__ import annotations

import re

import httpx
import pytest
from plein_platform.registry import load_services
from plein_testdata.servers import Plein

# The services with an HTTP API under /api/<name> (the web client answers / and has none).
APIS = [s.name for s in load_services() if s.path == f"/api/{s.name}"]

ASSET = re.compile(r"""(?:src|href)="([^"]+)"|url: '([^']+)'""")


@pytest.mark.parametrize("page", ["docs", "redoc"])
async def test_docs_pages_load_nothing_from_outside_plein(plein: Plein, page: str) -> None:
    async with httpx.AsyncClient(base_url=plein.base_url, timeout=30.0) as http:
        for name in APIS:
            response = await http.get(f"/api/{name}/{page}")
            assert response.status_code == 200, response.text
            html = response.text
            assert "http://" not in html and "https://" not in html and "//" not in html
            urls = {a or b for a, b in ASSET.findall(html)}
            assert any(url.endswith(".js") for url in urls), urls
            for url in urls:
                assert url.startswith(f"/api/{name}/"), url
                asset = await http.get(url)
                assert asset.status_code == 200, url
                assert asset.content, url


async def test_every_service_declares_its_bearer_scheme_where_a_caller_is_needed(
    plein: Plein,
) -> None:
    for name in APIS:
        spec = (await plein.http.get(f"/{name}/openapi.json")).json()
        schemes = spec["components"]["securitySchemes"]
        assert schemes["bearer"] == {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": schemes["bearer"]["description"],
        }
        # "Try it out" calls the API under its prefix, as `make run` and the ingress serve it.
        assert spec["servers"] == [{"url": f"/api/{name}"}]
        assert "security" not in spec["paths"]["/health"]["get"]
    posts = (await plein.http.get("/posts/openapi.json")).json()
    assert posts["paths"]["/posts"]["post"]["security"] == [{"bearer": []}]


async def test_try_it_out_succeeds_with_the_token_authorize_takes(plein: Plein) -> None:
    """What Swagger UI sends: the document's server URL plus the path, with the bearer token."""
    ann = await plein.register("ann")
    spec = (await plein.http.get("/posts/openapi.json")).json()
    url = spec["servers"][0]["url"] + "/posts"
    async with httpx.AsyncClient(base_url=plein.base_url, timeout=30.0) as http:
        response = await http.post(url, headers=ann.auth, json={"text": "Uit de docs"})
    assert response.status_code == 201, response.text
