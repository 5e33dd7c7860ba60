"""The Prometheus adapter: the labels of its series, and webhook and mailbox work counted."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry, Histogram

from adapters.prometheus_metrics import LATENCY_BUCKETS, PrometheusMetrics
from application.metrics import BacklogFigures
from domain.messages import Channel
from tests.scrapes import Scrape


def test_webhook_attempts_are_counted_by_outcome_and_mailbox_reads_by_result() -> None:
    metrics = PrometheusMetrics(dict.fromkeys(Channel, "outbox"))
    for change in ("accepted", "attempt_failed", "attempt_failed", "abandoned"):
        metrics.webhook_changed(change)
    metrics.mailbox_read(recorded=3, unmatched=1)
    metrics.mailbox_read(recorded=0, unmatched=2)

    scrape = Scrape(metrics.exposition(BacklogFigures(None, None)).decode())

    assert scrape.value("notifications_webhook_deliveries_total", outcome="accepted") == 1
    assert scrape.value("notifications_webhook_deliveries_total", outcome="attempt_failed") == 2
    assert scrape.value("notifications_webhook_deliveries_total", outcome="abandoned") == 1
    assert scrape.value("notifications_mailbox_messages_total", result="recorded") == 3
    assert scrape.value("notifications_mailbox_messages_total", result="unmatched") == 3
    assert "notifications_relay_lag_events" not in scrape.families  # not known: left out, not 0


def test_each_channel_is_labelled_with_its_configured_provider() -> None:
    metrics = PrometheusMetrics({Channel.EMAIL: "smtp", Channel.SMS: "twilio", Channel.WHATSAPP: "none"})
    metrics.accepted(Channel.SMS)

    scrape = Scrape(metrics.exposition(BacklogFigures(7, 2)).decode())

    assert scrape.value("notifications_accepted_total", channel="sms", provider="twilio") == 1
    assert scrape.value("notifications_accepted_total", channel="email", provider="smtp") == 0
    assert (
        "notifications_accepted_total",
        frozenset({("channel", "email"), ("provider", "smtp")}),
    ) in scrape.samples
    assert scrape.value("notifications_relay_lag_events") == 7
    assert scrape.value("notifications_queue_depth_messages") == 2


def test_tallied_request_times_fall_in_the_buckets_observing_them_one_by_one_would() -> None:
    metrics = PrometheusMetrics(dict.fromkeys(Channel, "outbox"))
    reference = Histogram("reference_seconds", "", buckets=LATENCY_BUCKETS, registry=CollectorRegistry())
    times = [0.0, 0.001, 0.0010001, 0.003, 0.01, 0.3, 9.99, 10.0, 10.5, 60.0]
    for seconds in times:
        metrics.request("/v1/notifications", "POST", 202, seconds)
        reference.observe(seconds)
    metrics.request("/v1/notifications", "BREW", 418, 0.0)

    scrape = Scrape(metrics.exposition(BacklogFigures(None, None)).decode())

    buckets = {
        labels: value
        for (name, labels), value in scrape.samples.items()
        if name == "notifications_http_request_duration_seconds_bucket"
    }
    expected = {
        frozenset({("route", "/v1/notifications"), ("le", sample.labels["le"])}): sample.value
        for sample in reference.collect()[0].samples
        if sample.name == "reference_seconds_bucket"
    }
    assert len(expected) == len(LATENCY_BUCKETS) + 1
    assert buckets == expected
    assert scrape.value(
        "notifications_http_request_duration_seconds_sum", route="/v1/notifications"
    ) == pytest.approx(sum(times))
    assert (
        scrape.value(
            "notifications_http_requests_total", route="/v1/notifications", method="other", status="418"
        )
        == 1
    )
