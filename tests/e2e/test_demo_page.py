"""The demo page in a real browser (Debian's Chromium), calling the running service across origins.

The page is loaded from `http://localhost:PORT` and calls the API at `http://127.0.0.1:PORT`: the
same process under another name, so another origin for the browser, which must pass CORS.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import BrowserContext, Request, Route

from tests.e2e import browser
from tests.e2e.conftest import ROOT, Service

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    service = browser.demo_service(tmp_path_factory.mktemp("demo"))
    service.start()
    yield service
    service.terminate()


@pytest.fixture(scope="module")
def bearer(service: Service) -> str:
    return browser.token(service)


@pytest.fixture(scope="module")
def context() -> Iterator[BrowserContext]:
    with browser.chromium() as context:
        yield context


@pytest.fixture
def requests_logged(service: Service) -> Iterator[list[dict[str, Any]]]:
    """The service's `http.request` log lines written during the test (filled in as it reads them)."""
    start = service.log.stat().st_size
    lines: list[dict[str, Any]] = []

    def read() -> list[dict[str, Any]]:
        with service.log.open("rb") as log:
            log.seek(start)
            logged = [json.loads(line) for line in log.read().splitlines() if line.startswith(b"{")]
        lines[:] = [line for line in logged if line.get("event") == "http.request"]
        return lines

    yield read  # type: ignore[misc]


def origins(service: Service) -> tuple[str, str]:
    return f"http://localhost:{service.port}", f"http://127.0.0.1:{service.port}"


def test_an_sms_sent_from_another_origin_ends_in_a_delivered_toast(
    service: Service, context: BrowserContext, bearer: str, requests_logged: Any
) -> None:
    page_origin, api = origins(service)
    page = browser.open_demo(context, page_origin, api, bearer)
    seen: list[Request] = []
    page.on("request", lambda request: seen.append(request))

    browser.send_sms(page, "+15551234567", "Your code is 271828 (demo)")

    assert browser.toast(page) == "SMS delivered"
    assert page.get_attribute("#toast", "role") == "status"
    assert "delivered" in page.inner_text("#status")
    sent = [r for r in seen if r.method == "POST"]
    assert [r.url for r in sent] == [f"{api}/v1/notifications"]
    assert sent[0].headers["idempotency-key"] == page.inner_text("#idempotency-key")
    watched = [r.url for r in seen if r.method == "GET" and r.url.startswith(api)]
    assert watched and all(url.endswith("?wait=25") for url in watched)
    assert all(bearer not in r.url for r in seen)
    assert page.evaluate("Object.keys(sessionStorage)") == []  # kept only when asked
    sms = [json.loads(p.read_text()) for p in (service.data_dir / "outbox" / "sms").glob("*.json")]
    assert any("Your code is 271828 (demo)" in json.dumps(message) for message in sms)
    preflights = [(r["method"], r["path"], r["status"]) for r in requests_logged()]
    assert ("OPTIONS", "/v1/notifications", 204) in preflights


def test_an_email_the_service_refuses_ends_in_a_refused_toast(
    service: Service, context: BrowserContext, bearer: str
) -> None:
    page_origin, api = origins(service)
    page = browser.open_demo(context, page_origin, api, bearer)

    browser.send_email(page, "alice@example.org", "Your statement", "It is ready.")

    assert browser.toast(page).startswith("Email refused: ")
    assert "refused" in page.inner_text("#status")
    assert "toast-refused" in (page.get_attribute("#toast", "class") or "")


def test_a_page_on_an_origin_the_api_does_not_allow_says_it_could_not_send(
    service: Service, context: BrowserContext, bearer: str, requests_logged: Any
) -> None:
    allowed, other = origins(service)
    page = browser.open_demo(context, other, allowed, bearer)  # the other way round

    browser.send_sms(page, "+15551234567", "Never sent")

    shown = browser.error(page)
    assert "Could not reach the API" in shown
    assert "NOTIFICATIONS_CORS_ALLOW_ORIGINS" in shown and other in shown
    assert page.is_visible("#retry-button")
    logged = [(r["method"], r["status"]) for r in requests_logged()]
    assert ("OPTIONS", 400) in logged and not any(method == "POST" for method, _ in logged)


def test_a_refused_token_and_a_bad_field_show_their_problem_details(
    service: Service, context: BrowserContext, bearer: str
) -> None:
    page_origin, api = origins(service)
    page = browser.open_demo(context, page_origin, api, "not-a-token")

    browser.send_sms(page, "+15551234567", "Hello")
    shown = browser.error(page)
    assert "Unauthorized (HTTP 401)" in shown and "Request id: " in shown

    page.fill("#token", bearer)
    browser.send_sms(page, "12345", "Hello")
    page.wait_for_selector("#error li")
    shown = browser.error(page)
    assert "Bad request (HTTP 400)" in shown
    assert page.inner_text("#error li").startswith("to: ")
    assert not page.is_visible("#retry-button")  # the same request would be refused again


def test_a_send_retried_after_a_network_failure_keeps_its_idempotency_key(
    service: Service, context: BrowserContext, bearer: str
) -> None:
    page_origin, api = origins(service)
    page = browser.open_demo(context, page_origin, api, bearer)
    keys: list[str] = []

    def cut_the_first(route: Route) -> None:
        keys.append(route.request.headers["idempotency-key"])
        route.abort() if len(keys) == 1 else route.continue_()

    page.route(f"{api}/v1/notifications", cut_the_first)
    browser.send_sms(page, "+15551234567", "Retried")
    browser.error(page)
    page.click("#retry-button")

    assert browser.toast(page) == "SMS delivered"
    assert len(keys) == 2 and keys[0] == keys[1]
    browser.send_sms(page, "+15551234567", "A new send")
    page.wait_for_function(
        "(old) => document.getElementById('idempotency-key').textContent !== old", arg=keys[0]
    )


def test_the_page_is_served_with_a_policy_that_allows_only_itself_and_the_api(service: Service) -> None:
    answer = httpx.get(f"{service.url}/demo/", timeout=10)
    policy = answer.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "default-src 'none'" in policy
    assert f"connect-src 'self' {' '.join(reversed(origins(service)))}" in policy


def test_the_fetch_example_of_the_frontend_guide_sends_and_waits_from_another_origin(
    service: Service, context: BrowserContext, bearer: str
) -> None:
    page_origin, api = origins(service)
    guide = (ROOT / "docs" / "frontend.md").read_text()
    example = guide.split("## A fetch() example", 1)[1].split("```js\n", 1)[1].split("```", 1)[0]
    code = re.sub(r'const API = "[^"]+";', f'const API = "{api}";', example).replace("export ", "")
    page = browser.open_demo(context, page_origin, api, "")

    view = page.evaluate(
        f"async ([token, message]) => {{ {code}; return await sendAndWait(token, message); }}",
        [bearer, {"channel": "sms", "to": "+15551234567", "body": "From the guide"}],
    )

    assert view["status"] == "delivered" and view["channel"] == "sms"
