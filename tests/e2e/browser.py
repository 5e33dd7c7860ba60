"""Debian's Chromium driven by Playwright, and the service set up for the demo page.

Used by tests/e2e/test_demo_page.py and by `python -m tests.e2e.demo_screenshot` (docs/demo.png).
Chromium comes from Debian's package (`apt-get install -y chromium`; `.ci/run` installs it when
missing): Playwright's own browser download cannot be used here.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import BrowserContext, Page, sync_playwright

from tests.e2e.conftest import Service

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
OUTCOME_SECONDS = 30  # how long a page may take to show the toast before the test fails


@contextmanager
def chromium(viewport: tuple[int, int] = (1000, 900)) -> Iterator[BrowserContext]:
    """A fresh headless Chromium (its own user-data folder), closed afterwards."""
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: `apt-get install -y chromium` (.ci/run does it)"
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile, sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            args=FLAGS,
            headless=True,
            viewport={"width": viewport[0], "height": viewport[1]},
        )
        try:
            yield context
        finally:
            context.close()


def demo_service(data_dir: Path) -> Service:
    """The service with the demo page on, CORS allowing `http://localhost:PORT` only, and emails
    refused (no email provider); the page may connect to both names of the service."""
    service = Service(data_dir)
    localhost, loopback = f"http://localhost:{service.port}", f"http://127.0.0.1:{service.port}"
    service.env.update(
        NOTIFICATIONS_DEMO="true",
        NOTIFICATIONS_CORS_ALLOW_ORIGINS=localhost,
        NOTIFICATIONS_DEMO_API_ORIGINS=f"{loopback},{localhost}",
        NOTIFICATIONS_EMAIL_PROVIDER="none",
    )
    return service


def token(service: Service) -> str:
    issued = service.cli("token", "issue", "--client", "web-banking", "--expires-in", "1h")
    assert issued.returncode == 0, issued.stderr
    return issued.stdout.strip()


def open_demo(context: BrowserContext, page_origin: str, api_base: str, bearer: str) -> Page:
    """The demo page loaded from `page_origin`, set to call the API at `api_base` with `bearer`."""
    page = context.new_page()
    page.goto(f"{page_origin}/demo/")
    page.wait_for_selector("body[data-ready=true]")
    page.fill("#api-base", api_base)
    page.fill("#token", bearer)
    return page


def send_sms(page: Page, to: str, body: str) -> None:
    page.check("input[name=channel][value=sms]")
    page.fill("#to", to)
    page.fill("#text", body)
    page.click("#send-button")


def send_email(page: Page, to: str, subject: str, text: str) -> None:
    page.check("input[name=channel][value=email]")
    page.fill("#to", to)
    page.fill("#subject", subject)
    page.fill("#text", text)
    page.click("#send-button")


def toast(page: Page) -> str:
    page.wait_for_selector("#toast:not([hidden])", timeout=OUTCOME_SECONDS * 1000)
    return page.inner_text("#toast")


def error(page: Page) -> str:
    page.wait_for_selector("#error:not([hidden])", timeout=OUTCOME_SECONDS * 1000)
    return page.inner_text("#error")
