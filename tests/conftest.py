from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from dependency_injector import providers

from bootstrap.container import Container, build_container
from bootstrap.settings import Settings, load_settings
from domain.access import Scope
from domain.messages import Channel
from entrypoints.http.schemas import status_view
from tests.dovecot import Dovecot, running_dovecot
from tests.fakes import RecordingProvider
from tests.postgres import fresh_schema
from tests.queue_servers import CREDENTIALS, Azurite, MotoSqs
from tests.twilio_server import TwilioServer


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(
        {
            "NOTIFICATIONS_DATA_DIR": str(tmp_path),
            "NOTIFICATIONS_EVENT_STORE": "memory",
            "NOTIFICATIONS_RETRY_BASE_DELAY": "0.01",
            "NOTIFICATIONS_LOG_FORMAT": "console",
        }
    )


@pytest.fixture
def pg_schema() -> Iterator[str]:
    """A new schema in the tests' PostgreSQL, dropped with everything in it afterwards."""
    with fresh_schema() as schema:
        yield schema


@pytest.fixture
def provider() -> RecordingProvider:
    return RecordingProvider()


@pytest.fixture
def container(settings: Settings, provider: RecordingProvider) -> Iterator[Container]:
    """The real container, with every channel delivered by one recording fake."""
    container = build_container(settings, status_view)
    fakes = dict.fromkeys(Channel, provider)
    with container.delivery_providers.override(providers.Object(fakes)):
        yield container


async def issue(container: Container, client: str = "bank", scopes: list[Scope] | None = None) -> str:
    _, token = await container.access().issue_token(client, scopes or list(Scope), timedelta(hours=1))
    return token


@pytest.fixture(scope="session")
def moto_sqs() -> Iterator[MotoSqs]:
    os.environ.update(CREDENTIALS)  # boto3's usual chain finds these dummy credentials for moto
    server = MotoSqs()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Azurite]:
    server = Azurite(tmp_path_factory.mktemp("azurite"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def twilio() -> Iterator[TwilioServer]:
    """A local server speaking Twilio's Messages API, reached by the real twilio client."""
    server = TwilioServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    """A real IMAP server (Debian's Dovecot, installed if missing), one for the whole session. Its
    folder is not under pytest's: those are private to root, and Dovecot's auth process reads it."""
    root = Path(tempfile.mkdtemp(prefix="dovecot-"))
    try:
        with running_dovecot(root) as server:
            yield server
    finally:
        shutil.rmtree(root, ignore_errors=True)
