"""Where the test session's PostgreSQL and NATS come from (PLEIN_TEST_SERVERS, the URLs, Docker).

The container path itself is unverified here (no Docker engine on these machines); what is
tested is the choice, and that an engine is only counted as reachable when it accepts."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path

import pytest
from plein_testdata.containers import docker_reachable
from plein_testdata.servers import ServerChoice, choose_servers

DB = {"PLEIN_DATABASE_URL": "postgresql://db.example/plein"}
NATS = {"PLEIN_NATS_URL": "nats://nats.example:4222"}


def docker(answer: bool) -> Callable[[], bool]:
    return lambda: answer


def never_asked() -> bool:
    raise AssertionError("Docker was probed although the choice did not depend on it")


@pytest.mark.parametrize(
    ("env", "reachable", "expected"),
    [
        ({}, True, ServerChoice("containers", "containers")),
        ({}, False, ServerChoice("embedded", "embedded")),
        ({"PLEIN_TEST_SERVERS": "auto"}, True, ServerChoice("containers", "containers")),
        ({"PLEIN_TEST_SERVERS": "containers"}, True, ServerChoice("containers", "containers")),
        ({"PLEIN_TEST_SERVERS": " Containers "}, True, ServerChoice("containers", "containers")),
        ({**DB}, True, ServerChoice("url", "containers")),
        ({**NATS}, False, ServerChoice("embedded", "url")),
    ],
)
def test_auto_and_containers_use_docker_where_it_answers_and_urls_win(
    env: dict[str, str], reachable: bool, expected: ServerChoice
) -> None:
    assert choose_servers(env, docker(reachable)) == expected


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"PLEIN_TEST_SERVERS": "embedded"}, ServerChoice("embedded", "embedded")),
        ({"PLEIN_TEST_SERVERS": "embedded", **DB}, ServerChoice("url", "embedded")),
        ({**DB, **NATS}, ServerChoice("url", "url")),
        ({"PLEIN_TEST_SERVERS": "containers", **DB, **NATS}, ServerChoice("url", "url")),
    ],
)
def test_docker_is_not_probed_when_the_choice_does_not_depend_on_it(
    env: dict[str, str], expected: ServerChoice
) -> None:
    assert choose_servers(env, never_asked) == expected


def test_containers_without_a_docker_engine_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="no Docker engine answers") as error:
        choose_servers({"PLEIN_TEST_SERVERS": "containers", **DB}, docker(False))
    assert "PLEIN_NATS_URL" in str(error.value) and "PLEIN_DATABASE_URL" not in str(error.value)


@pytest.mark.parametrize("value", ["docker", "yes", "testcontainers"])
def test_an_unknown_mode_is_a_clear_error_naming_the_choices(value: str) -> None:
    with pytest.raises(ValueError, match="expected one of auto, containers, embedded"):
        choose_servers({"PLEIN_TEST_SERVERS": value}, never_asked)


def test_docker_counts_as_reachable_only_when_its_socket_accepts(tmp_path: Path) -> None:
    path = tmp_path / "docker.sock"
    assert not docker_reachable({"DOCKER_HOST": f"unix://{path}"})  # no socket file
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listening:
        listening.bind(str(path))
        assert not docker_reachable({"DOCKER_HOST": f"unix://{path}"})  # file, nobody listens
        listening.listen(1)
        assert docker_reachable({"DOCKER_HOST": f"unix://{path}"})


def test_docker_over_tcp_counts_only_when_the_port_accepts() -> None:
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        port = listening.getsockname()[1]
        assert not docker_reachable({"DOCKER_HOST": f"tcp://127.0.0.1:{port}"}, timeout_s=0.5)
        listening.listen(1)
        assert docker_reachable({"DOCKER_HOST": f"tcp://127.0.0.1:{port}"})
