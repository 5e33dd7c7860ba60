"""The OpenAPI description against the running service: schemathesis with all its checks, and
the /schema page, which must load with no internet."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

from tests.e2e.conftest import ROOT, Service

pytestmark = pytest.mark.e2e
CONFIG = Path(__file__).with_name("schemathesis.toml")
HOOKS = "tests.e2e.contract_hooks"  # the rules JSON Schema cannot say, kept out of valid bodies
SCHEMATHESIS = [sys.executable, "-m", "schemathesis.cli"]


def test_schemathesis_with_all_checks_finds_nothing_the_description_does_not_say(
    service: Service,
) -> None:
    service.start()
    token = service.cli("token", "issue", "--client", "contract").stdout.strip()
    run = subprocess.run(
        [
            *SCHEMATHESIS,
            "--config-file",
            str(CONFIG),
            "--no-color",
            "run",
            f"{service.url}/schema/openapi.json",
            "--checks",
            "all",
            "--header",
            f"Authorization: Bearer {token}",
            "--max-examples",
            "60",
            "--max-time",
            "100",
            "--workers",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=service.data_dir,
        env={**os.environ, "SCHEMATHESIS_HOOKS": HOOKS, "PYTHONPATH": str(ROOT)},
    )
    assert run.returncode == 0, _failures(run.stdout) + run.stderr[-2_000:]
    assert re.search(r"Operations:\s+7 selected / 7 total", run.stdout), run.stdout[:2_000]


def test_the_raw_description_is_served_at_the_documented_paths(service: Service) -> None:
    service.start()

    as_json = httpx.get(f"{service.url}/schema/openapi.json")
    as_yaml = httpx.get(f"{service.url}/schema/openapi.yaml")

    assert as_json.status_code == as_yaml.status_code == 200
    assert as_json.json()["openapi"].startswith("3.1")
    assert "bearerAuth" in as_json.json()["components"]["securitySchemes"]
    assert "openapi: 3.1" in as_yaml.text


@pytest.mark.parametrize("page", ["/schema", "/schema/swagger"])
def test_the_schema_page_loads_every_script_style_and_icon_from_the_service_itself(
    service: Service, page: str
) -> None:
    service.start()
    html = httpx.get(f"{service.url}{page}").text

    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    assets += re.findall(r"""@import\s+(?:url\()?["']?([^"')\s]+)""", html)

    assert {urlsplit(a).path.rsplit("/", 1)[-1] for a in assets} >= {
        "swagger-ui-bundle.js",
        "swagger-ui-standalone-preset.js",
        "swagger-ui.css",
    }
    for asset in assets:
        url = urljoin(f"{service.url}{page}", asset)
        assert urlsplit(url).netloc == urlsplit(service.url).netloc, f"{asset} is off-host"
        answer = httpx.get(url)
        assert answer.status_code == 200, asset
        assert not re.search(rb"""url\(\s*["']?(https?:)?//""", answer.content), (
            f"{asset} loads from off-host"
        )


def _failures(output: str) -> str:
    """schemathesis's report of the failures, each line cut short (a fuzzed body can be megabytes)."""
    report = output[output.find("FAILURES") :] if "FAILURES" in output else output
    return "\n".join(line[:400] for line in report.splitlines())[:20_000]
