"""Takes the README's screenshot of the demo page (docs/demo.png) with the browser tests' machinery:
`python -m tests.e2e.demo_screenshot` (Debian's chromium, the service started on a temporary folder)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from tests.e2e import browser
from tests.e2e.conftest import ROOT

TARGET = ROOT / "docs" / "demo.png"


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="demo-") as folder:
        service = browser.demo_service(Path(folder))
        service.start()
        try:
            with browser.chromium(viewport=(1100, 1000)) as context:
                page = browser.open_demo(
                    context, f"http://localhost:{service.port}", service.url, browser.token(service)
                )
                browser.send_sms(page, "+15551234567", "Your code is 481516")
                assert browser.toast(page) == "SMS delivered"
                page.screenshot(path=str(TARGET), full_page=True)
        finally:
            service.terminate()
    print(f"wrote {TARGET}")


if __name__ == "__main__":
    main()
