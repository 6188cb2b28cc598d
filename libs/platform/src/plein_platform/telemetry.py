"""OpenTelemetry tracing and structured logs that carry the trace id."""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

import structlog
from fastapi.telemetry import TelemetryConfig
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
)

from .settings import Settings


def process_resource() -> Resource:
    """Who emits the spans: `OTEL_SERVICE_NAME` (set per Deployment, e.g. plein-feed) or plein.

    Other attributes come from `OTEL_RESOURCE_ATTRIBUTES`, as the SDK reads it.
    """
    return Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME") or "plein"})


def tracer_provider() -> TracerProvider:
    """The process's SDK tracer provider, installed on first use."""
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider(resource=process_resource())
        trace.set_tracer_provider(provider)
    return provider


def _untraced(scope: Any) -> bool:
    # Probes call these every few seconds: their spans would bury the traces that matter.
    return str(scope.get("path", "")).endswith(("/health", "/ready"))


# FastAPI's own OpenTelemetry support, for every app (the runtime's and each service's, which
# is mounted in it): one server span per request, named after its route, carries the trace on
# into the events the request publishes. Its spans around dependencies, endpoint and
# serialization (three more per request) tell a trace nothing and cost CPU on every read.
HTTP_TELEMETRY: TelemetryConfig = {"operation_spans": False, "exclude": _untraced}


def configure_tracing(settings: Settings) -> TracerProvider:
    provider = tracer_provider()
    if settings.otel_exporter == "console":
        provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
    elif settings.otel_exporter == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(settings.otel_endpoint)))
    return provider


def add_span_exporter(exporter: SpanExporter) -> None:
    """Send every finished span to `exporter` as it ends (tests use an in-memory one)."""
    tracer_provider().add_span_processor(SimpleSpanProcessor(exporter))


def _add_trace_ids(_: Any, __: str, event: dict[str, Any]) -> dict[str, Any]:
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        event["trace_id"] = format(context.trace_id, "032x")
        event["span_id"] = format(context.span_id, "016x")
    return event


def configure_logging(settings: Settings) -> None:
    """structlog for Plein's own logs, stdlib logging for libraries, one format for both."""
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if settings.log_format == "json"
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_trace_ids,
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler()
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
    for noisy in ("uvicorn.access", "httpx", "httpcore", "nats"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
