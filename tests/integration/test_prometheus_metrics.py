"""The Prometheus adapter: the labels of its series, and webhook and mailbox work counted."""

from __future__ import annotations

from adapters.prometheus_metrics import PrometheusMetrics
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
