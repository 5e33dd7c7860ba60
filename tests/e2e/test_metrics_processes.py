"""/metrics across processes: with PROMETHEUS_MULTIPROC_DIR set (as `serve --processes N` sets it),
a scrape of any process sums what every process counted."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import Service
from tests.e2e.test_service import issue_token, send, wait_until_delivered
from tests.scrapes import Scrape

pytestmark = pytest.mark.e2e
SMS = {"channel": "sms", "to": "+15551234567", "body": "Your code is 1234"}


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Service, Service]]:
    """A `serve` that delivers and a `serve --no-worker`, on one SQLite file and one metrics directory."""
    (tmp_path / "metrics").mkdir()
    delivering, api = Service(tmp_path), Service(tmp_path)
    for service in (delivering, api):
        service.env |= {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")}
    yield delivering, api
    for service in (delivering, api):
        if service.process and service.process.poll() is None:
            service.kill()


def scrape(service: Service) -> Scrape:
    answer = httpx.get(f"{service.url}/metrics", timeout=10)
    assert answer.status_code == 200, answer.text
    return Scrape(answer.text)


def test_a_scrape_of_either_process_sums_the_requests_and_notifications_of_both(
    pair: tuple[Service, Service],
) -> None:
    delivering, api = pair
    delivering.start()  # first, alone: it makes the tables
    with ThreadPoolExecutor(2) as pool:  # each command imports the whole service: seconds on a busy machine
        started = pool.submit(api.start, "--no-worker")
        auth = issue_token(api)
        started.result()

    ids = [send(api, auth, SMS), send(api, auth, SMS), send(delivering, auth, SMS)]
    wait_until_delivered(api, auth, ids)

    sms = {"channel": "sms", "provider": "outbox"}
    posts = {"route": "/v1/notifications", "method": "POST", "status": "202"}
    scrape(delivering), scrape(api)  # each hands its requests to the files now, not within a second
    for scraped in (scrape(api), scrape(delivering)):
        assert scraped.value("notifications_accepted_total", **sms) == 3
        assert scraped.value("notifications_delivered_total", **sms) == 3
        assert scraped.value("notifications_delivery_duration_seconds_count", **sms) == 3
        assert scraped.value("notifications_http_requests_total", **posts) == 3
        assert (
            scraped.value("notifications_http_request_duration_seconds_count", route="/v1/notifications") == 3
        )
        assert scraped.value("notifications_deliveries_in_flight", **sms) == 0

    assert api.terminate() == 0
    after = scrape(delivering)  # what a stopped process counted stays counted
    assert after.value("notifications_accepted_total", **sms) == 3
    assert after.value("notifications_http_requests_total", **posts) == 3
