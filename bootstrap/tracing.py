"""OpenTelemetry tracing: on when the standard OTEL_* variables ask for it, and the spans it adds.

Opt-in: tracing is on when `OTEL_TRACES_EXPORTER` names an exporter (`otlp`, `console`) or an OTLP
endpoint is set (`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`), and
`OTEL_SDK_DISABLED` is not `true` (OpenTelemetry's "Environment Variable Specification").
Otherwise nothing here imports OpenTelemetry and every port keeps its bare adapter: a request
pays nothing for tracing. The SDK and the OTLP exporter read the rest of their variables
themselves (`OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_TRACES_SAMPLER`, `OTEL_BSP_*`, ...).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from adapters.event_store import EventSourcedStore
from application.ports import EventStore, NotificationProvider, NotificationQueue, RequestLog, TraceContext
from bootstrap.settings import Settings, SettingsError
from domain.messages import Channel

if TYPE_CHECKING:
    from opentelemetry.sdk.trace.export import SpanExporter
    from opentelemetry.trace import TracerProvider

    from adapters.tracing import DeliverySpans

EXPORTERS = ("otlp", "console", "none")
PROTOCOL = "http/protobuf"  # the OTLP exporter we ship (opentelemetry-exporter-otlp-proto-http)
_PROTOCOL_VARIABLES = ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL")
# `messaging.system` of the queue spans; with `log` the event log is the queue
QUEUE_SYSTEMS = {
    "inprocess": "inprocess",
    "log": "event_log",
    "sqs": "aws_sqs",
    "azure": "azure_storage_queue",
}


def tracing_wanted(environ: Mapping[str, str]) -> bool:
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    endpoint = environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    return bool(endpoint) or _exporters(environ) not in ([], ["none"])


def tracer_provider(environ: Mapping[str, str] | None = None) -> TracerProvider | None:
    """The SDK's provider exporting spans as the OTEL_* variables say, or None when tracing is off.

    Raises SettingsError naming a variable that asks for an exporter or protocol we do not ship.
    """
    environ = os.environ if environ is None else environ
    if not tracing_wanted(environ):
        return None
    exporters = [_exporter(name, environ) for name in _exporters(environ) or ["otlp"] if name != "none"]
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    name = environ.get("OTEL_SERVICE_NAME") or "notifications"
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: name}))
    for exporter in exporters:
        provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


def trace_context(provider: TracerProvider | None) -> TraceContext | None:
    if provider is None:
        return None
    from adapters.tracing import CurrentTrace

    return CurrentTrace()


def traced_store(store: EventStore, provider: TracerProvider | None) -> EventStore:
    if provider is None:
        return store
    from adapters.tracing import SCOPE, TracedStore

    return TracedStore(store, provider.get_tracer(SCOPE))


def traced_requests(store: EventSourcedStore, provider: TracerProvider | None) -> RequestLog:
    """The relay's request log: the store itself, or read with each request's trace context."""
    if provider is None:
        return store
    from adapters.tracing import RequestsWithTraces

    return RequestsWithTraces(store)


def traced_queue(
    queue: NotificationQueue, settings: Settings, provider: TracerProvider | None
) -> NotificationQueue:
    if provider is None:
        return queue
    from adapters.tracing import SCOPE, TracedQueue

    return TracedQueue(queue, provider.get_tracer(SCOPE), QUEUE_SYSTEMS[settings.queue])


def traced_providers(
    made: Mapping[Channel, NotificationProvider], settings: Settings, provider: TracerProvider | None
) -> Mapping[Channel, NotificationProvider]:
    if provider is None:
        return made
    from adapters.tracing import traced_providers

    return traced_providers(made, settings.provider_names, provider)


def delivery_spans(settings: Settings, provider: TracerProvider | None) -> DeliverySpans | None:
    if provider is None:
        return None
    from adapters.tracing import SCOPE, DeliverySpans

    return DeliverySpans(provider.get_tracer(SCOPE), QUEUE_SYSTEMS[settings.queue])


def _exporters(environ: Mapping[str, str]) -> list[str]:
    given = environ.get("OTEL_TRACES_EXPORTER", "")
    return [name.strip().lower() for name in given.split(",") if name.strip()]


def _exporter(name: str, environ: Mapping[str, str]) -> SpanExporter:
    if name == "console":
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        return ConsoleSpanExporter()
    if name != "otlp":
        raise SettingsError(
            f"invalid setting OTEL_TRACES_EXPORTER: {name!r} is not one of {', '.join(EXPORTERS)}"
        )
    variable = next((v for v in _PROTOCOL_VARIABLES if environ.get(v)), None)
    if variable and environ[variable].strip() != PROTOCOL:
        raise SettingsError(
            f"invalid setting {variable}: {environ[variable]!r}, only {PROTOCOL} is supported"
        )
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter()
