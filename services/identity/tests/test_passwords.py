"""Passwords follow NIST SP 800-63B: long enough, no composition rules, not guessable."""

from __future__ import annotations

import pytest
from plein_testdata.servers import Plein

pytestmark = pytest.mark.services("identity")


@pytest.mark.parametrize(
    "password",
    ["password", "12345678", "        ", "qwertyuiop", "aaaaaaaaaaaa", "ann@example.com", "ANN"],
)
async def test_a_common_guessable_or_own_address_password_is_refused_with_a_problem(
    plein: Plein, password: str
) -> None:
    response = await plein.http.post(
        "/identity/users",
        json={"email": "ann@example.com", "password": password, "display_name": "Ann"},
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    detail = response.json().get("detail", "") + str(response.json().get("errors", ""))
    assert "password" in detail.lower() or "characters" in detail.lower()


@pytest.mark.parametrize("password", ["correct horse battery staple", "zomer aan zee 2026"])
async def test_a_passphrase_needs_no_digits_capitals_or_symbols(
    plein: Plein, password: str
) -> None:
    response = await plein.http.post(
        "/identity/users",
        json={"email": "ann@example.com", "password": password, "display_name": "Ann"},
    )
    assert response.status_code == 201, response.text


async def test_a_password_change_to_a_guessable_one_is_refused(plein: Plein) -> None:
    ann = await plein.register("ann")
    for weak in ("password1", "ann@example.com"):
        response = await plein.http.put(
            "/identity/me/password",
            headers=ann.auth,
            json={"current_password": "ann-secret-pw", "new_password": weak},
        )
        assert response.status_code == 422, response.text
        assert "password" in response.json()["detail"].lower()
    response = await plein.http.post(
        "/identity/tokens", json={"email": ann.email, "password": "ann-secret-pw"}
    )
    assert response.status_code == 200  # the old password still works: nothing changed
