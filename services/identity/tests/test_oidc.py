"""Single sign-on against a local OpenID Connect provider that speaks the real protocol
(discovery, authorization code with PKCE, token endpoint with client secret, signed ID token)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from plein_testdata.oidc_provider import CLIENT_ID, CLIENT_SECRET, FakeProvider, running_provider
from plein_testdata.servers import Plein

pytestmark = pytest.mark.services("identity")


@pytest.fixture
async def provider(plein: Plein) -> AsyncIterator[FakeProvider]:
    async with running_provider() as fake:
        settings = plein.runtime.service("identity").identity_settings  # type: ignore[attr-defined]
        settings.oidc_issuer, settings.oidc_client_id = fake.issuer, CLIENT_ID
        settings.oidc_client_secret = CLIENT_SECRET
        yield fake


async def sign_in(plein: Plein) -> Any:
    """What a browser does: to the provider, back to Plein's callback."""
    start = await plein.http.get("/identity/oidc/login")
    assert start.status_code == 302, start.text
    at_provider = await plein.http.get(start.headers["location"])
    assert at_provider.status_code == 302, at_provider.text
    return await plein.http.get(at_provider.headers["location"])


async def test_single_sign_on_registers_then_logs_in_the_same_person(
    plein: Plein, provider: FakeProvider
) -> None:
    await plein.register("ann")
    provider.person = {
        "sub": "u-42",
        "email": "Zoe@Example.com",
        "name": "Zoë Sso",
        "email_verified": True,
    }
    first = await sign_in(plein)
    assert first.status_code == 200, first.text
    auth = {"Authorization": f"Bearer {first.json()['access_token']}"}
    me = (await plein.http.get("/identity/me", headers=auth)).json()
    assert me["display_name"] == "Zoë Sso" and me["email"] == "zoe@example.com"
    second = await sign_in(plein)
    assert second.json()["user_id"] == me["id"]


async def test_single_sign_on_refuses_a_replayed_state_and_a_wrong_nonce(
    plein: Plein, provider: FakeProvider
) -> None:
    provider.person = {"sub": "u-1", "email": "bob@example.com", "name": "Bob"}
    start = await plein.http.get("/identity/oidc/login")
    at_provider = await plein.http.get(start.headers["location"])
    callback = at_provider.headers["location"]
    assert (await plein.http.get(callback)).status_code == 200
    assert (await plein.http.get(callback)).status_code == 401  # the state works once
    forged = urlparse(callback)
    params = {k: v[0] for k, v in parse_qs(forged.query).items()}
    made_up = await plein.http.get("/identity/oidc/callback", params={**params, "state": "x"})
    assert made_up.status_code == 401
    provider.wrong_nonce = True
    replayed_token = await sign_in(plein)
    assert replayed_token.status_code == 401
    assert "ID token" in replayed_token.json()["detail"]


async def test_single_sign_on_is_off_unless_configured(plein: Plein) -> None:
    assert (await plein.http.get("/identity/oidc/login")).status_code == 404


async def test_a_flow_for_the_web_client_ends_there_with_a_one_time_code_bound_to_its_state(
    plein: Plein, provider: FakeProvider
) -> None:
    provider.person = {"sub": "u-7", "email": "web@example.com", "name": "Wen Web"}
    start = await plein.http.get("/identity/oidc/login", params={"return_to": "web"})
    state = parse_qs(urlparse(start.headers["location"]).query)["state"][0]
    at_provider = await plein.http.get(start.headers["location"])
    callback = await plein.http.get(at_provider.headers["location"])
    assert callback.status_code == 303, callback.text
    to_web = urlparse(callback.headers["location"])
    assert to_web.path == "/sign-in/oidc/complete"  # the web client, not JSON with tokens
    assert "access_token" not in callback.text
    params = {k: v[0] for k, v in parse_qs(to_web.query).items()}
    assert params["state"] == state

    other_state = await plein.http.post(
        "/identity/oidc/handoff", json={"code": params["code"], "state": "another"}
    )
    assert other_state.status_code == 401  # bound to its flow's state: and now it is spent
    again = await sign_in_for_web(plein)
    tokens = await plein.http.post("/identity/oidc/handoff", json=again)
    assert tokens.status_code == 200, tokens.text
    auth = {"Authorization": f"Bearer {tokens.json()['access_token']}"}
    assert (await plein.http.get("/identity/me", headers=auth)).json()["display_name"] == "Wen Web"
    replayed = await plein.http.post("/identity/oidc/handoff", json=again)
    assert replayed.status_code == 401  # single use
    assert (
        await plein.http.get("/identity/oidc/login", params={"return_to": "x"})
    ).status_code == 422


async def sign_in_for_web(plein: Plein) -> dict[str, str]:
    """A web-client flow up to the hand-off: its code and state."""
    start = await plein.http.get("/identity/oidc/login", params={"return_to": "web"})
    at_provider = await plein.http.get(start.headers["location"])
    callback = await plein.http.get(at_provider.headers["location"])
    return {k: v[0] for k, v in parse_qs(urlparse(callback.headers["location"]).query).items()}


async def test_silent_sign_on_ends_once_with_the_providers_refusal(
    plein: Plein, provider: FakeProvider
) -> None:
    """`prompt=none` reaches the provider; its `login_required` ends the flow: a 401 problem
    for an API client, a redirect to the web client for its flows, and the state is spent."""
    provider.person = {"sub": "u-7", "email": "cas@example.com", "name": "Cas"}
    start = await plein.http.get("/identity/oidc/login", params={"prompt": "none"})
    assert parse_qs(urlparse(start.headers["location"]).query)["prompt"] == ["none"]
    at_provider = await plein.http.get(start.headers["location"])  # no provider session here
    callback = at_provider.headers["location"]
    assert parse_qs(urlparse(callback).query)["error"] == ["login_required"]
    refused = await plein.http.get(callback)
    assert refused.status_code == 401
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert (await plein.http.get(callback)).status_code == 401  # spent, not retried

    start = await plein.http.get(
        "/identity/oidc/login", params={"prompt": "none", "return_to": "web"}
    )
    callback = (await plein.http.get(start.headers["location"])).headers["location"]
    to_web = await plein.http.get(callback)
    assert to_web.status_code == 303
    assert "/sign-in/oidc/complete?error=login_required" in to_web.headers["location"]
    assert (
        await plein.http.get("/identity/oidc/login", params={"prompt": "always"})
    ).status_code == 422


async def test_signing_out_of_the_provider_too_goes_to_its_end_session_endpoint(
    plein: Plein, provider: FakeProvider
) -> None:
    out = await plein.http.get("/identity/oidc/logout")
    assert out.status_code == 302
    target = urlparse(out.headers["location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{provider.issuer}/logout"
    query = parse_qs(target.query)
    assert query["client_id"] == [CLIENT_ID]
    assert query["post_logout_redirect_uri"][0].endswith("/sign-in?signed_out=provider")
