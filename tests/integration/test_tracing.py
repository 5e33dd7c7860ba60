"""One trace from the POST to the provider call, through the store, the relay and the queue.

The service runs with its worker; spans are taken by the SDK's in-memory exporter through the
container's `tracer_provider`, as an OTEL_* exporter would take them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from dependency_injector import providers
from litestar.testing import TestClient
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from application.errors import TransientDeliveryError
from bootstrap.container import Container
from bootstrap.settings import load_settings
from domain.messages import Channel
from entrypoints.http.app import create_app
from entrypoints.processes import container_for
from tests.conftest import issue
from tests.fakes import RecordingProvider
from tests.queue_servers import MotoSqs

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER = f"00-{TRACE_ID}-00f067aa0ba902b7-01"
SMS = {"channel": "sms", "to": "+15551234567", "body": "Your code is 271828", "reference": "r-1"}
SECRETS = ("+15551234567", "5551234567", "271828", "Bearer")


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def fake() -> RecordingProvider:
    return RecordingProvider()


def traced(
    container: Container, exporter: InMemorySpanExporter, fake: RecordingProvider
) -> Iterator[Container]:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    fakes = dict.fromkeys(Channel, fake)
    with (
        container.tracer_provider.override(providers.Object(provider)),
        container.delivery_providers.override(providers.Object(fakes)),
    ):
        yield container


@pytest.fixture
def inprocess(tmp_path: Path, exporter: InMemorySpanExporter, fake: RecordingProvider) -> Iterator[Container]:
    settings = load_settings(
        {
            "NOTIFICATIONS_DATA_DIR": str(tmp_path),
            "NOTIFICATIONS_EVENT_STORE": "memory",
            "NOTIFICATIONS_RETRY_BASE_DELAY": "0.01",
        }
    )
    yield from traced(container_for(settings), exporter, fake)


@pytest.fixture
def over_sqs(
    tmp_path: Path, moto_sqs: MotoSqs, exporter: InMemorySpanExporter, fake: RecordingProvider
) -> Iterator[Container]:
    url, _ = moto_sqs.create_queue(f"traced-{tmp_path.name[-12:]}")
    settings = load_settings(
        {
            "NOTIFICATIONS_DATA_DIR": str(tmp_path),
            "NOTIFICATIONS_QUEUE": "sqs",
            "NOTIFICATIONS_SQS_QUEUE_URL": url,
            "NOTIFICATIONS_SQS_ENDPOINT_URL": moto_sqs.endpoint,
            "NOTIFICATIONS_SQS_REGION": "us-east-1",
        }
    )
    yield from traced(container_for(settings), exporter, fake)


def post_and_await_delivery(container: Container) -> None:
    """POSTs one SMS with the caller's traceparent and waits until it is delivered; the worker has
    stopped (and ended its spans) on return."""
    with TestClient(create_app(container)) as client:
        auth = {"Authorization": f"Bearer {client.blocking_portal.call(issue, container)}"}
        accepted = client.post("/v1/notifications", json=SMS, headers=auth | {"traceparent": CALLER})
        assert accepted.status_code == 202
        status = client.get(f"{accepted.headers['Location']}?wait=20", headers=auth).json()
        assert status["status"] == "delivered"


def one_trace(spans: tuple[ReadableSpan, ...]) -> dict[str, list[ReadableSpan]]:
    """The spans of the caller's trace by name, checking that the whole path is in it."""
    ours = [span for span in spans if span.context.trace_id == int(TRACE_ID, 16)]
    by_name: dict[str, list[ReadableSpan]] = {}
    for span in ours:
        by_name.setdefault(span.name, []).append(span)
    return by_name


def assert_one_trace_from_post_to_provider(spans: tuple[ReadableSpan, ...]) -> None:
    trace = one_trace(spans)
    [server] = trace["POST /v1/notifications"]
    [enqueue] = trace["relay enqueue"]
    [deliver] = trace["queue deliver"]
    [call] = trace["provider deliver"]
    commits = trace["store commit"]
    assert server.kind is SpanKind.SERVER and server.parent and server.parent.span_id == 0x00F067AA0BA902B7
    assert server.attributes and server.attributes["http.route"] == "/v1/notifications"
    assert server.attributes["http.response.status_code"] == 202
    assert [c.parent.span_id for c in commits if c.parent].count(server.context.span_id) == 1
    assert enqueue.kind is SpanKind.PRODUCER and enqueue.parent
    assert enqueue.parent.span_id == server.context.span_id
    assert deliver.kind is SpanKind.CONSUMER and deliver.parent
    assert deliver.parent.span_id == enqueue.context.span_id
    assert call.kind is SpanKind.CLIENT and call.parent and call.parent.span_id == deliver.context.span_id
    assert call.attributes and call.attributes["notifications.channel"] == "sms"
    assert call.attributes["notifications.provider"] == "outbox"
    worker_commits = [c for c in commits if c.parent and c.parent.span_id == deliver.context.span_id]
    assert len(worker_commits) == 2  # the claim, then the outcome


def assert_no_secret_in(spans: tuple[ReadableSpan, ...]) -> None:
    for span in spans:
        events = [(e.name, dict(e.attributes or {})) for e in span.events]
        text = repr((span.name, dict(span.attributes or {}), events, span.status.description))
        assert not any(secret in text for secret in SECRETS), text


def test_one_trace_runs_from_the_post_through_the_in_process_queue_to_the_provider(
    inprocess: Container, exporter: InMemorySpanExporter
) -> None:
    post_and_await_delivery(inprocess)

    spans = exporter.get_finished_spans()
    assert_one_trace_from_post_to_provider(spans)
    assert_no_secret_in(spans)


def test_one_trace_runs_from_the_post_through_sqs_to_the_provider(
    over_sqs: Container, exporter: InMemorySpanExporter
) -> None:
    post_and_await_delivery(over_sqs)

    spans = exporter.get_finished_spans()
    assert_one_trace_from_post_to_provider(spans)
    assert_no_secret_in(spans)
    [deliver] = one_trace(spans)["queue deliver"]
    assert deliver.attributes and deliver.attributes["messaging.system"] == "aws_sqs"


def test_a_failed_attempt_and_its_retry_are_in_the_trace_with_the_error_s_type_only(
    inprocess: Container, exporter: InMemorySpanExporter, fake: RecordingProvider
) -> None:
    fake.failures.append(TransientDeliveryError("+15551234567 is unreachable: Your code is 271828"))

    post_and_await_delivery(inprocess)

    spans = exporter.get_finished_spans()
    trace = one_trace(spans)
    [enqueue] = trace["relay enqueue"]
    assert [d.parent.span_id for d in trace["queue deliver"] if d.parent] == [enqueue.context.span_id] * 2
    failed, succeeded = sorted(trace["provider deliver"], key=lambda s: s.start_time or 0)
    assert failed.status.status_code is StatusCode.ERROR and failed.attributes
    assert failed.attributes["error.type"] == "TransientDeliveryError"
    assert succeeded.status.status_code is StatusCode.UNSET
    assert_no_secret_in(spans)
