"""Tracing is opt-in by the standard OTEL_* variables, and costs nothing (not even an import) when off."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import DatetimeAsISO, JSONTranscoder, Mapper, UUIDAsHex

from adapters.event_store import EventSourcedStore
from application.notifications import Notifications
from application.ports import QueueMessage
from bootstrap.settings import SettingsError, load_settings
from bootstrap.tracing import tracer_provider, tracing_wanted
from domain.messages import PhoneNumber, Sms
from domain.notification import Notification

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
SMS = Sms(PhoneNumber("+15551234567"), "Your code is 1234")
ROOT = Path(__file__).parents[2]


@pytest.mark.parametrize(
    ("environ", "wanted"),
    [
        ({}, False),
        ({"OTEL_SERVICE_NAME": "notifications-eu"}, False),
        ({"OTEL_TRACES_EXPORTER": "none"}, False),
        ({"OTEL_TRACES_EXPORTER": "otlp"}, True),
        ({"OTEL_TRACES_EXPORTER": "console"}, True),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, True),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"}, True),
        ({"OTEL_TRACES_EXPORTER": "otlp", "OTEL_SDK_DISABLED": "true"}, False),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "OTEL_SDK_DISABLED": "TRUE"}, False),
        ({"OTEL_TRACES_EXPORTER": "otlp", "OTEL_SDK_DISABLED": "false"}, True),
    ],
)
def test_tracing_is_on_only_when_an_exporter_or_endpoint_is_named_and_the_sdk_not_disabled(
    environ: dict[str, str], wanted: bool
) -> None:
    assert tracing_wanted(environ) is wanted
    assert (tracer_provider(environ) is not None) is wanted


def test_the_service_is_named_notifications_unless_otel_service_name_says_otherwise() -> None:
    default = tracer_provider({"OTEL_TRACES_EXPORTER": "console"})
    named = tracer_provider({"OTEL_TRACES_EXPORTER": "console", "OTEL_SERVICE_NAME": "notifications-eu"})
    assert default is not None and named is not None
    assert default.resource.attributes["service.name"] == "notifications"  # type: ignore[attr-defined]
    assert named.resource.attributes["service.name"] == "notifications-eu"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"OTEL_TRACES_EXPORTER": "zipkin"}, "OTEL_TRACES_EXPORTER"),
        (
            {"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"},
            "OTEL_EXPORTER_OTLP_PROTOCOL",
        ),
        (
            {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4317", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "grpc"},
            "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
        ),
    ],
)
def test_an_exporter_or_protocol_we_do_not_ship_is_refused_naming_its_variable(
    environ: dict[str, str], named: str
) -> None:
    with pytest.raises(SettingsError, match=f"^invalid setting {named}: "):
        tracer_provider(environ)


def test_otel_variables_are_not_taken_for_unknown_settings_of_ours() -> None:
    settings = load_settings(
        {"OTEL_TRACES_EXPORTER": "otlp", "OTEL_SERVICE_NAME": "n", "OTEL_SDK_DISABLED": "1"}
    )
    assert settings.queue == "inprocess"


def tracing_modules(tmp_path: Path, environ: dict[str, str]) -> list[str]:
    """The tracing modules (OpenTelemetry's API and SDK, ours) a process imports to make the
    service and its worker. Litestar imports the root `opentelemetry` package and its HTTP
    semantic-convention names whenever they are installed: not counted."""
    script = (
        "import sys\n"
        "from entrypoints.processes import container_for\n"
        "from bootstrap.settings import load_settings\n"
        "from entrypoints.http.app import create_app\n"
        "container = container_for(load_settings())\n"
        "create_app(container)\n"
        "container.worker()\n"
        "prefixes = ('opentelemetry.sdk', 'opentelemetry.trace', 'opentelemetry.exporter',"
        " 'opentelemetry.context', 'adapters.tracing', 'entrypoints.http.tracing', 'bootstrap.tracing')\n"
        "print(sorted(name for name in sys.modules if name.startswith(prefixes)))\n"
    )
    quiet = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "NOTIFICATIONS_"))}
    variables = quiet | {"NOTIFICATIONS_DATA_DIR": str(tmp_path), "NOTIFICATIONS_EVENT_STORE": "memory"}
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=variables | environ,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    found: list[str] = json.loads(done.stdout.strip().splitlines()[-1].replace("'", '"'))
    return found


def test_with_tracing_off_neither_the_sdk_nor_the_api_nor_our_spans_are_imported(tmp_path: Path) -> None:
    assert tracing_modules(tmp_path, {}) == ["bootstrap.tracing"]
    traced = tracing_modules(tmp_path, {"OTEL_TRACES_EXPORTER": "console"})
    assert {"opentelemetry.sdk.trace", "adapters.tracing", "entrypoints.http.tracing"} <= set(traced)


def test_a_command_with_an_exporter_we_do_not_ship_stops_with_one_line_naming_it(tmp_path: Path) -> None:
    quiet = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "NOTIFICATIONS_"))}
    done = subprocess.run(
        [sys.executable, "-m", "entrypoints.cli", "worker"],
        env=quiet | {"NOTIFICATIONS_DATA_DIR": str(tmp_path), "OTEL_TRACES_EXPORTER": "jaeger"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == (
        "notifications: invalid setting OTEL_TRACES_EXPORTER: 'jaeger' is not one of otlp, console, none"
    )


class FixedTrace:
    def current(self) -> str | None:
        return TRACEPARENT


async def test_a_request_records_its_trace_context_and_the_relay_reads_it_back() -> None:
    store = EventSourcedStore.in_memory()
    traced = await Notifications(store, traces=FixedTrace()).send_notification("bank", SMS)
    untraced = await Notifications(store).send_notification("bank", SMS)

    logged = await store.requested_after(0, 10, traced=True)

    assert [(r.notification_id, r.traceparent) for r in logged] == [
        (traced.id, TRACEPARENT),
        (untraced.id, None),
    ]
    assert all(r.traceparent is None for r in await store.requested_after(0, 10))


def test_a_requested_event_stored_before_tracing_reads_back_without_a_trace_context() -> None:
    [event] = Notification.request(uuid4(), "bank", SMS, traceparent=TRACEPARENT).collect_events()
    transcoder = JSONTranscoder()
    transcoder.register(UUIDAsHex())
    transcoder.register(DatetimeAsISO())
    mapper: Mapper[UUID] = Mapper(transcoder=transcoder)
    stored = mapper.to_stored_event(event)
    state = json.loads(stored.state)
    assert state.pop("class_version") == 2
    del state["traceparent"]  # as version 1 wrote it

    read_back = mapper.to_domain_event(replace(stored, state=json.dumps(state).encode()))

    assert isinstance(read_back, Notification.Requested)
    assert read_back.traceparent is None
    assert read_back.mutate(None).message == SMS


def test_a_queue_message_carries_a_trace_context_and_without_one_reads_as_before() -> None:
    message = QueueMessage(uuid4(), 7, TRACEPARENT)
    assert QueueMessage.decode(message.encode()) == message
    plain = replace(message, traceparent=None)
    assert json.loads(plain.encode()) == {
        "v": 1,
        "notification_id": str(message.notification_id),
        "position": 7,
    }
    assert QueueMessage.decode(plain.encode(), TRACEPARENT) == message  # carried beside the body (SQS)
    assert QueueMessage.decode(plain.encode().replace("}", ', "traceparent": 5}')).traceparent is None
