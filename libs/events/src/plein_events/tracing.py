"""W3C trace context, carried from an HTTP request through the stored event and NATS into
consumers."""

from __future__ import annotations

from collections.abc import Mapping

from opentelemetry import context, propagate, trace

tracer = trace.get_tracer("plein.events")


def current_carrier() -> dict[str, str]:
    """The current trace context as headers (`traceparent`, `tracestate`), empty if none."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


def context_from(carrier: Mapping[str, str] | None) -> context.Context:
    return propagate.extract(dict(carrier or {}))
