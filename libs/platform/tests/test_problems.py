"""Errors the platform answers for every service: a concurrent write to one aggregate is a
409 problem, not a 500."""

from __future__ import annotations

from eventsourcing.persistence import IntegrityError
from fastapi import FastAPI
from fastapi.testclient import TestClient
from plein_platform.problems import install_problem_handlers


def test_a_write_that_lost_a_race_is_a_conflict_and_a_bug_is_a_500() -> None:
    app = FastAPI()
    install_problem_handlers(app)

    @app.patch("/me")
    def raced() -> None:
        raise IntegrityError("duplicate key value violates unique constraint")

    @app.get("/bug")
    def bug() -> None:
        raise RuntimeError("a bug")

    client = TestClient(app, raise_server_exceptions=False)
    conflict = client.patch("/me")
    assert conflict.status_code == 409
    assert conflict.headers["content-type"] == "application/problem+json"
    assert "same time" in conflict.json()["detail"]
    assert client.get("/bug").status_code == 500
