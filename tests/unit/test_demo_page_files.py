"""NOTIFICATIONS_DEMO serves the demo page's own files, without a token, under a strict policy."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from litestar.testing import TestClient

from bootstrap.settings import load_settings
from entrypoints.http.app import create_app
from entrypoints.http.demo_page import FILES
from entrypoints.processes import container_for

ROOT = Path(__file__).resolve().parents[2]
TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css"}


@contextmanager
def client_with(tmp_path: Path, **variables: str) -> Iterator[TestClient]:  # type: ignore[type-arg]
    environ = {"NOTIFICATIONS_DATA_DIR": str(tmp_path), "NOTIFICATIONS_EVENT_STORE": "memory"}
    settings = load_settings(environ | {f"NOTIFICATIONS_{name}": value for name, value in variables.items()})
    with TestClient(create_app(container_for(settings), run_worker=False)) as client:
        yield client


def test_the_page_is_not_served_unless_asked_for(tmp_path: Path) -> None:
    with client_with(tmp_path) as client:
        assert client.get("/demo/").status_code == 404


@pytest.mark.parametrize("name", sorted(path.name for path in FILES.iterdir()))
def test_each_file_of_the_page_is_served_without_a_token_under_a_policy_allowing_only_itself(
    tmp_path: Path, name: str
) -> None:
    with client_with(tmp_path, DEMO="true", DEMO_API_ORIGINS="https://api.bank.example") as client:
        answer = client.get(f"/demo/{name}")

    assert answer.status_code == 200
    assert answer.content == (FILES / name).read_bytes()
    assert answer.headers["Content-Type"].startswith(TYPES[Path(name).suffix])
    policy = dict(part.strip().split(" ", 1) for part in answer.headers["Content-Security-Policy"].split(";"))
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == policy["style-src"] == "'self'"
    assert policy["connect-src"] == "'self' https://api.bank.example"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"


def test_the_page_loads_nothing_from_elsewhere_and_runs_no_inline_script() -> None:
    html = (FILES / "index.html").read_text()
    scripts = " ".join(path.read_text() for path in FILES.glob("*.js"))

    assert re.findall(r'(?:src|href)="([^"]+)"', html) and all(
        url.startswith("/") for url in re.findall(r'(?:src|href)="([^"]+)"', html)
    )
    assert "<script>" not in html and not re.search(r"\son[a-z]+=", html)  # no inline handlers
    assert "innerHTML" not in scripts and "localStorage" not in scripts


def test_the_page_is_installed_with_the_package() -> None:
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert "demo/*" in package_data["entrypoints.http"]
    assert all(path.is_file() for path in FILES.iterdir())  # "demo/*" takes no sub-folders
