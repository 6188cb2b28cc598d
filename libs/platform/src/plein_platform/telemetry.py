"""OpenTelemetry tracing and structured logs that carry the trace id."""

from __future__ import annotations

import atexit
import logging
import logging.handlers
import os
import queue
import sys
import traceback
from collections.abc import MutableMapping
from typing import Any, TextIO

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


def _current_trace_ids() -> dict[str, str]:
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return {}
    return {
        "trace_id": format(context.trace_id, "032x"),
        "span_id": format(context.span_id, "016x"),
    }


def _add_trace_ids(_: Any, __: str, event: dict[str, Any]) -> dict[str, Any]:
    # A library's record is formatted on the writer thread, where no span is current: its ids
    # were taken when it was logged (see _DroppingQueueHandler.prepare).
    record = event.get("_record")
    ids = getattr(record, "plein_trace", None)
    event.update(ids if ids is not None else _current_trace_ids())
    return event


# Rendered tracebacks are bounded: a handful of frames around the error, no locals (a rich
# traceback with locals ran to megabytes and took seconds to write), and a cap on the text.
TRACEBACK_FRAMES = 30
TRACEBACK_MAX_CHARS = 20_000
# Records waiting for the writer thread; past this, new ones are dropped rather than let a
# slow sink grow memory without end (or push back onto the event loop).
LOG_QUEUE_SIZE = 10_000


def bounded_traceback(exc_info: Any) -> str:
    """The traceback of `exc_info` as text: the last frames of each chained error, no locals."""
    _, error, tb = exc_info
    text = "".join(
        traceback.TracebackException(
            type(error), error, tb, limit=-TRACEBACK_FRAMES, capture_locals=False
        ).format()
    )
    if len(text) > TRACEBACK_MAX_CHARS:
        cut = len(text) - TRACEBACK_MAX_CHARS
        text = f"[{cut} characters of traceback left out]\n{text[cut:]}"
    return text


def _console_traceback(sio: TextIO, exc_info: Any) -> None:
    sio.write("\n" + bounded_traceback(exc_info))


def _capture_exc_info(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    # `log.exception` leaves `exc_info=True`, resolved at render time from sys.exc_info(): on
    # the writer thread that is empty, so the error is taken here, on the logging thread.
    if event.get("exc_info") is True:
        event["exc_info"] = sys.exc_info()
    return event


class _DroppingQueueHandler(logging.handlers.QueueHandler):
    """Hands records to the writer thread as they are: formatting happens there, not here."""

    dropped = 0

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        # The formatter on the writer thread needs the record (and structlog's dict) intact.
        record.plein_trace = _current_trace_ids()
        return record

    def enqueue(self, record: logging.LogRecord) -> None:
        try:
            self.queue.put_nowait(record)
        except queue.Full:
            _DroppingQueueHandler.dropped += 1


_listener: logging.handlers.QueueListener | None = None


def stop_logging() -> None:
    """Write what is still queued and stop the writer thread (at exit, or before reconfiguring)."""
    global _listener
    if _listener is not None:
        _listener.stop()
        _listener = None


def configure_logging(settings: Settings, stream: TextIO | None = None) -> None:
    """structlog for Plein's own logs, stdlib logging for libraries, one format for both.

    Logging never blocks the event loop: a record is queued where it is logged, and a writer
    thread formats it (tracebacks included) and writes it to `stream` (default stderr).
    """
    global _listener
    stop_logging()
    stream = stream or sys.stderr
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if settings.log_format == "json"
        else structlog.dev.ConsoleRenderer(
            colors=stream.isatty(), exception_formatter=_console_traceback
        )
    )
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_trace_ids,
    ]
    rendering: list[Any] = [structlog.stdlib.ProcessorFormatter.remove_processors_meta]
    if settings.log_format == "json":
        # JSON keeps the stack as text under "exception" (the renderer alone would drop it)
        rendering.append(structlog.processors.ExceptionRenderer(bounded_traceback))
    structlog.configure(
        processors=[
            *shared,
            _capture_exc_info,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )
    writer = logging.StreamHandler(stream)
    writer.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared, processors=[*rendering, renderer]
        )
    )
    records: queue.Queue[logging.LogRecord] = queue.Queue(LOG_QUEUE_SIZE)
    _listener = logging.handlers.QueueListener(records, writer, respect_handler_level=True)
    _listener.start()
    root = logging.getLogger()
    root.handlers[:] = [_DroppingQueueHandler(records)]
    root.setLevel(settings.log_level.upper())
    for noisy in ("uvicorn.access", "httpx", "httpcore", "nats"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


atexit.register(stop_logging)
