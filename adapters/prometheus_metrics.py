"""The Metrics port on prometheus-client: counters and histograms, and the text a scrape reads.

Series are named after Prometheus' conventions (https://prometheus.io/docs/practices/naming/):
base units (seconds), `_total` on counters, lower-case labels. Every series is listed in
docs/operations.md. With `PROMETHEUS_MULTIPROC_DIR` set, each process writes its values to files in
that directory and a scrape of any process sums them all (prometheus-client's multiprocess mode).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_PLAIN_0_0_4,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    disable_created_metrics,
    generate_latest,
    multiprocess,
    values,
)
from prometheus_client.core import GaugeMetricFamily, Metric

from adapters.request_tally import RequestTally
from application.metrics import BacklogFigures, ProviderError
from domain.messages import Channel
from domain.notification import Notification, Status

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
DELIVERY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0, 14400.0)
CHANNEL_PROVIDER = ["channel", "provider"]
CHANNEL_COUNTERS = {
    "accepted": "Notifications recorded as requested",
    "delivered": "Notifications recorded delivered",
    "refused": "Notifications recorded refused",
    "delivery_attempts": "Delivery attempts begun (a claim recorded, the provider called next)",
}
WEBHOOKS = "Webhook messages' attempts recorded: accepted, attempt_failed, abandoned"
MAILBOX = "Messages read in the bounce mailbox: recorded (a report on our email) or unmatched"


class PrometheusMetrics:
    """`providers` names the provider configured for each channel (`outbox`, `twilio`...), the
    `provider` label of a channel's series; `multiprocess_dir` is `PROMETHEUS_MULTIPROC_DIR`."""

    content_type = CONTENT_TYPE_PLAIN_0_0_4  # what Prometheus 2 and 3 both read

    def __init__(self, providers: Mapping[Channel, str], multiprocess_dir: str | None = None) -> None:
        self.multiprocess_dir = multiprocess_dir
        _choose_mode(multiprocess_dir)
        self.registry = registry = CollectorRegistry(auto_describe=False)
        self._tally = _request_tally(registry)
        # counts one answered request; `route` is the route's template (`/v1/notifications/{id}`).
        # The tally's own method: one call less on every request.
        self.request: Callable[[str, str, int, float], None] = self._tally.add

        def per_channel(family: Counter | Gauge | Histogram) -> dict[Channel, Any]:
            return {c: family.labels(c.value, providers.get(c, "none")) for c in Channel}

        self._by_channel = {
            name: per_channel(Counter(f"notifications_{name}", text, CHANNEL_PROVIDER, registry=registry))
            for name, text in CHANNEL_COUNTERS.items()
        }
        self._delivery_seconds = per_channel(
            Histogram(
                "notifications_delivery_duration_seconds",
                "Time from a notification's request to its recorded delivery",
                CHANNEL_PROVIDER,
                buckets=DELIVERY_BUCKETS,
                registry=registry,
            )
        )
        self._in_flight = per_channel(
            Gauge(
                "notifications_deliveries_in_flight",
                "Provider calls under way",
                CHANNEL_PROVIDER,
                multiprocess_mode="livesum",
                registry=registry,
            )
        )
        errors = Counter(
            "notifications_provider_errors",
            "Failed provider calls, by class: permanent, transient, timeout, unexpected",
            [*CHANNEL_PROVIDER, "class"],
            registry=registry,
        )
        self._errors = {
            (c, e): errors.labels(c.value, providers.get(c, "none"), e.value)
            for c in Channel
            for e in ProviderError
        }
        self._webhooks = Counter("notifications_webhook_deliveries", WEBHOOKS, ["outcome"], registry=registry)
        self._mailbox = Counter("notifications_mailbox_messages", MAILBOX, ["result"], registry=registry)
        self._scraped = _scraped(registry, multiprocess_dir)

    def accepted(self, channel: Channel) -> None:
        self._tally.bump(self._by_channel["accepted"][channel])  # on the POST's hot path too

    def attempted(self, channel: Channel) -> None:
        self._by_channel["delivery_attempts"][channel].inc()

    def in_flight(self, channel: Channel) -> AbstractContextManager[Any]:
        tracker: AbstractContextManager[Any] = self._in_flight[channel].track_inprogress()
        return tracker

    def provider_failed(self, channel: Channel, error: ProviderError) -> None:
        self._errors[channel, error].inc()

    def concluded(self, notification: Notification) -> None:
        channel = notification.channel
        if notification.status is Status.DELIVERED:
            self._by_channel["delivered"][channel].inc()
            waited = (notification.modified_on - notification.created_on).total_seconds()
            self._delivery_seconds[channel].observe(max(waited, 0.0))
        elif notification.status is Status.REFUSED:
            self._by_channel["refused"][channel].inc()

    def webhook_changed(self, change: str) -> None:
        self._webhooks.labels(change).inc()

    def mailbox_read(self, recorded: int, unmatched: int) -> None:
        if recorded:
            self._mailbox.labels("recorded").inc(recorded)
        if unmatched:
            self._mailbox.labels("unmatched").inc(unmatched)

    def exposition(self, backlog: BacklogFigures) -> bytes:
        """The text format of every series, the backlog's gauges (read by this process) included."""
        self._tally.hand_over()
        return generate_latest(_Joined([self._scraped, _Backlog(backlog)]))

    def close(self) -> None:
        """Removes this process's live gauges from a multiprocess scrape; call when the process ends."""
        self._tally.hand_over()
        if self.multiprocess_dir:
            multiprocess.mark_process_dead(os.getpid(), self.multiprocess_dir)  # type: ignore[no-untyped-call]


def _choose_mode(multiprocess_dir: str | None) -> None:
    if multiprocess_dir and values.ValueClass is values.MutexValue:
        # chosen when prometheus_client was first imported, perhaps before the variable was set
        values.ValueClass = values.get_value_class()  # type: ignore[no-untyped-call]
    disable_created_metrics()  # type: ignore[no-untyped-call]  # each counter's `_created`: twice the text


def _request_tally(registry: CollectorRegistry) -> RequestTally:
    requests = Counter(
        "notifications_http_requests",
        "HTTP requests answered",
        ["route", "method", "status"],
        registry=registry,
    )
    post_seconds = Histogram(
        "notifications_http_request_duration_seconds",
        "Time to answer a POST, from its first byte read to its answer sent",
        ["route"],
        buckets=LATENCY_BUCKETS,
        registry=registry,
    )
    return RequestTally(requests, post_seconds, LATENCY_BUCKETS)


def _scraped(registry: CollectorRegistry, multiprocess_dir: str | None) -> CollectorRegistry:
    """What a scrape reads: every process's files in multiprocess mode, else this process's series."""
    if not multiprocess_dir:
        ProcessCollector(registry=registry)
        return registry
    scraped = CollectorRegistry(auto_describe=False)
    multiprocess.MultiProcessCollector(scraped, multiprocess_dir)  # type: ignore[no-untyped-call]
    return scraped


class _Backlog:
    def __init__(self, figures: BacklogFigures) -> None:
        self.figures = figures

    def collect(self) -> Iterator[Metric]:
        if self.figures.relay_lag is not None:
            yield GaugeMetricFamily(
                "notifications_relay_lag_events",
                "Requested notifications after the relay's tracked log position (counted up to 1,000)",
                value=self.figures.relay_lag,
            )
        if self.figures.queue_depth is not None:
            yield GaugeMetricFamily(
                "notifications_queue_depth_messages",
                "Messages in the queue, as the queue tells it (approximate for SQS and Azure)",
                value=self.figures.queue_depth,
            )


class _Joined:
    def __init__(self, collectors: Iterable[Any]) -> None:
        self.collectors = collectors

    def collect(self) -> Iterator[Metric]:
        for collector in self.collectors:
            yield from collector.collect()
