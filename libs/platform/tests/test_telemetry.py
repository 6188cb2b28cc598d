"""Spans name the service that emitted them, so traces from separate pods can be told apart."""

from __future__ import annotations

import pytest
from plein_platform.telemetry import process_resource


def test_spans_are_named_after_the_deployment_when_it_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OTEL_SERVICE_NAME", "plein-feed")
    monkeypatch.setenv("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=prod")
    attributes = process_resource().attributes
    assert attributes["service.name"] == "plein-feed"
    assert attributes["deployment.environment"] == "prod"


def test_spans_are_named_plein_when_one_process_runs_everything(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OTEL_SERVICE_NAME", raising=False)
    assert process_resource().attributes["service.name"] == "plein"
