"""OpenTelemetry spans around the ports on a notification's path, and the W3C trace context between them.

Made only when tracing is on (bootstrap/tracing.py); with it off this module is never imported and
the ports are served by their adapters alone. The trace context crosses the event log (the
`Requested` event's `traceparent`) and the queue (`QueueMessage.traceparent`) as a W3C
`traceparent` header value (Trace Context, section 3.2). Attributes name channels, providers, ids
and log positions, never a recipient, a message's contents or a secret.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import Any
from uuid import UUID

from opentelemetry.context import Context
from opentelemetry.trace import (
    Span,
    SpanKind,
    Status,
    StatusCode,
    Tracer,
    TracerProvider,
    set_span_in_context,
)
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from adapters.event_store import EventSourcedStore
from application.ports import (
    Delivery,
    EventStore,
    LoggedRequest,
    NotificationProvider,
    NotificationQueue,
    QueueMessage,
    RecordedEvent,
)
from domain.messages import Channel
from domain.notification import Notification, Receipt

SCOPE = "notifications"
W3C = TraceContextTextMapPropagator()


def traceparent(context: Context | None = None) -> str | None:
    """The `traceparent` of the context's span (the current one by default), None if none is recording."""
    carrier: dict[str, str] = {}
    W3C.inject(carrier, context)
    return carrier.get("traceparent")


def context_of(traceparent: str | None) -> Context | None:
    """The context a `traceparent` continues; None (the current context) for none or a malformed one."""
    return W3C.extract({"traceparent": traceparent}) if traceparent else None


@contextmanager
def span(
    tracer: Tracer, name: str, kind: SpanKind, attributes: dict[str, Any], context: Context | None = None
) -> Iterator[None]:
    """A current span that, on an exception, records only its type (`error.type`): messages of
    providers' errors may quote a recipient, which a trace must never hold."""
    with tracer.start_as_current_span(
        name, context, kind, attributes, record_exception=False, set_status_on_exception=False
    ) as current:
        try:
            yield
        except BaseException as error:
            failed(current, error)
            raise


def failed(current: Span, error: BaseException) -> None:
    current.set_attribute("error.type", type(error).__name__)
    current.set_status(Status(StatusCode.ERROR, type(error).__name__))


class CurrentTrace:
    """The TraceContext port: the `traceparent` of the span under way."""

    def current(self) -> str | None:
        return traceparent()


class TracedStore:
    """An EventStore whose saves are `store commit` spans: the wait for the group commit that
    writes the caller's events, as the caller sees it (one transaction may serve many spans)."""

    def __init__(self, store: EventStore, tracer: Tracer) -> None:
        self._store, self._tracer = store, tracer

    async def save(self, *aggregates: Any) -> None:
        with span(
            self._tracer, "store commit", SpanKind.INTERNAL, {"notifications.aggregates": len(aggregates)}
        ):
            await self._store.save(*aggregates)

    async def get(self, aggregate_id: UUID) -> Any:
        return await self._store.get(aggregate_id)

    async def get_many(self, aggregate_ids: list[UUID]) -> list[Any]:
        return await self._store.get_many(aggregate_ids)

    async def history(self, aggregate_id: UUID) -> list[RecordedEvent]:
        return await self._store.history(aggregate_id)

    async def ping(self) -> None:
        await self._store.ping()


class RequestsWithTraces:
    """The RequestLog port of the event store, reading each request's `traceparent` as well."""

    def __init__(self, store: EventSourcedStore) -> None:
        self._store = store

    async def requested_after(self, position: int, limit: int) -> list[LoggedRequest]:
        return await self._store.requested_after(position, limit, traced=True)

    async def position(self, reader: str) -> int:
        return await self._store.position(reader)

    async def track(self, reader: str, position: int) -> None:
        await self._store.track(reader, position)


class TracedQueue:
    """A NotificationQueue whose sends are `relay enqueue` producer spans, one per message, each a
    child of the request that asked for the notification; the message carries the span's context on."""

    def __init__(self, queue: NotificationQueue, tracer: Tracer, system: str) -> None:
        self._queue, self._tracer, self._system = queue, tracer, system

    async def send(self, messages: Sequence[QueueMessage]) -> None:
        spans = [
            self._tracer.start_span(
                "relay enqueue",
                context_of(message.traceparent),
                SpanKind.PRODUCER,
                _message_attributes(message, self._system, "send"),
            )
            for message in messages
        ]
        stamped = [
            replace(message, traceparent=traceparent(set_span_in_context(one)))
            for message, one in zip(messages, spans, strict=True)
        ]
        try:
            await self._queue.send(stamped)
        except Exception as error:
            for one in spans:
                failed(one, error)
            raise
        finally:
            for one in spans:
                one.end()

    def __getattr__(self, name: str) -> Any:  # receive, acknowledge, ...: the queue's own
        return getattr(self._queue, name)


class DeliverySpans:
    """`queue deliver` consumer spans: the handling of one received message, a child of the span
    that enqueued it, under which the store's and the provider's spans fall."""

    def __init__(self, tracer: Tracer, system: str) -> None:
        self._tracer, self._system = tracer, system

    @contextmanager
    def delivering(self, delivery: Delivery) -> Iterator[None]:
        attributes = _message_attributes(delivery.message, self._system, "process")
        attributes["messaging.message.delivery_count"] = delivery.receive_count
        with span(
            self._tracer,
            "queue deliver",
            SpanKind.CONSUMER,
            attributes,
            context_of(delivery.message.traceparent),
        ):
            yield


class TracedProvider:
    """A NotificationProvider whose calls are `provider deliver` client spans, with the channel and
    the provider's name as attributes (`notifications.channel`, `notifications.provider`)."""

    def __init__(self, provider: NotificationProvider, tracer: Tracer, channel: Channel, name: str) -> None:
        self._provider, self._tracer = provider, tracer
        self._attributes = {"notifications.channel": channel.value, "notifications.provider": name}

    async def deliver(self, notification: Notification) -> Receipt:
        attributes = self._attributes | {"notifications.notification_id": str(notification.id)}
        with span(self._tracer, "provider deliver", SpanKind.CLIENT, attributes):
            return await self._provider.deliver(notification)

    def __getattr__(self, name: str) -> Any:  # close, for a provider that holds connections
        return getattr(self._provider, name)


def traced_providers(
    providers: Mapping[Channel, NotificationProvider], names: Mapping[Channel, str], provider: TracerProvider
) -> dict[Channel, NotificationProvider]:
    tracer = provider.get_tracer(SCOPE)
    return {channel: TracedProvider(p, tracer, channel, names[channel]) for channel, p in providers.items()}


def _message_attributes(message: QueueMessage, system: str, operation: str) -> dict[str, Any]:
    return {
        "messaging.system": system,
        "messaging.operation.type": operation,
        "notifications.notification_id": str(message.notification_id),
        "notifications.position": message.position,
    }
