"""docs/operations.md and the Grafana dashboard name only series the service serves, and list them all."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from adapters.prometheus_metrics import PrometheusMetrics
from application.metrics import BacklogFigures, ProviderError
from domain.messages import Channel
from tests.scrapes import Scrape

ROOT = Path(__file__).resolve().parents[2]
OPERATIONS = ROOT / "docs" / "operations.md"
SERIES = re.compile(r"\bnotifications_[a-z_]+[a-z]")


def every_series() -> Scrape:
    """A scrape in which every series has at least one sample."""
    metrics = PrometheusMetrics(dict.fromkeys(Channel, "outbox"))
    metrics.request("/v1/notifications", "POST", 202, 0.002)
    metrics.provider_failed(Channel.SMS, ProviderError.TRANSIENT)
    metrics.webhook_changed("accepted")
    metrics.mailbox_read(recorded=1, unmatched=0)
    return Scrape(metrics.exposition(BacklogFigures(relay_lag=0, queue_depth=0)).decode())


def alert_rules() -> list[dict[str, str]]:
    blocks = re.findall(r"```yaml\n(.*?)```", OPERATIONS.read_text(), re.S)
    rules = [
        rule for block in blocks if "groups:" in block for rule in yaml.safe_load(block)["groups"][0]["rules"]
    ]
    assert rules
    return rules


def dashboard_expressions() -> list[str]:
    dashboard = json.loads((ROOT / "docs" / "grafana-dashboard.json").read_text())
    expressions = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    assert expressions
    return expressions


@pytest.mark.parametrize("expression", [*dashboard_expressions(), *(rule["expr"] for rule in alert_rules())])
def test_every_dashboard_and_alert_expression_names_series_the_service_serves(expression: str) -> None:
    named = set(SERIES.findall(expression))

    assert named
    assert named - every_series().names() == set()


def test_the_operations_page_lists_every_series_and_no_other() -> None:
    families = {name for name in every_series().families if name.startswith("notifications_")}
    table = re.findall(r"^\| `(notifications_[a-z_]+)` \|", OPERATIONS.read_text(), re.M)

    # the parser names a counter's family without `_total`; the page names the series
    assert {name.removesuffix("_total") for name in table} == families
    assert all(name in every_series().names() or f"{name}_count" in every_series().names() for name in table)
