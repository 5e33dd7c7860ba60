"""Which metrics the process keeps: Prometheus' unless NOTIFICATIONS_METRICS=false."""

from __future__ import annotations

import os

from application.metrics import NO_METRICS, Metrics
from bootstrap.settings import Settings

MULTIPROCESS_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


def metrics(settings: Settings) -> Metrics:
    """prometheus-client is imported only when metrics are on; in multiprocess mode when
    `PROMETHEUS_MULTIPROC_DIR` names a directory (`serve --processes N` sets it for its children)."""
    if not settings.metrics:
        return NO_METRICS
    from adapters.prometheus_metrics import PrometheusMetrics

    return PrometheusMetrics(settings.provider_names, os.environ.get(MULTIPROCESS_VARIABLE) or None)


def forget_process(pid: int, directory: str) -> None:
    """Removes a dead process's live gauges (deliveries in flight) from the multiprocess files in
    `directory`, as the process itself does when it stops gracefully; its counters stay."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(pid, directory)  # type: ignore[no-untyped-call]
