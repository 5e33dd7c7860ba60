"""XOAUTH2 against a real SMTP server (aiosmtpd) that takes only the newest token, with tokens from a
real token endpoint started here: the grant, the client's authentication, the cache, a refused token,
a wrong secret, an endpoint that is down, and a Google service account."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from dependency_injector import providers
from structlog.testing import capture_logs

from adapters.oauth_tokens import ClientCredentialsTokens
from bootstrap.container import Container
from domain.notification import Status
from tests.e2e.conftest import free_port
from tests.integration.test_smtp_provider import certificate, send, smtp_container, status
from tests.smtp_server import MailServer, OAuthMailbox
from tests.token_endpoint import CLIENT_ID, CLIENT_SECRET, SCOPE, TokenEndpoint

__all__ = ["certificate"]
MAILBOX = "no-reply@bank.example"


@pytest.fixture
def endpoint() -> Iterator[TokenEndpoint]:
    started = TokenEndpoint().start()
    yield started
    started.stop()


@pytest.fixture
def mailbox(endpoint: TokenEndpoint) -> OAuthMailbox:
    return OAuthMailbox(username=MAILBOX, current=lambda: endpoint.current)


@pytest.fixture
def server(mailbox: OAuthMailbox, certificate: tuple[Path, Path]) -> Iterator[MailServer]:
    started = MailServer(mailbox, *certificate, port=free_port())
    started.start()
    yield started
    started.stop()


def oauth_settings(endpoint: TokenEndpoint, **extra: str) -> dict[str, str]:
    return {
        "SMTP_AUTH": "xoauth2",
        "SMTP_USERNAME": MAILBOX,
        "SMTP_PASSWORD": "",
        "SMTP_OAUTH_TOKEN_URL": endpoint.url,
        "SMTP_OAUTH_CLIENT_ID": CLIENT_ID,
        "SMTP_OAUTH_CLIENT_SECRET": CLIENT_SECRET,
        "SMTP_OAUTH_SCOPE": SCOPE,
    } | extra


@pytest.fixture
def container(
    tmp_path: Path, server: MailServer, certificate: tuple[Path, Path], endpoint: TokenEndpoint
) -> Container:
    return smtp_container(tmp_path, server.port, certificate, **oauth_settings(endpoint))


async def reason_of(container: Container, notification_id: Any) -> str:
    events = await container.notifications().get_notification_events("bank", notification_id)
    return str(events[-1].data["reason"])


@pytest.mark.parametrize("client_auth", ["client_secret_basic", "client_secret_post"])
async def test_an_email_goes_out_with_a_token_from_the_client_credentials_grant(
    tmp_path: Path,
    server: MailServer,
    certificate: tuple[Path, Path],
    endpoint: TokenEndpoint,
    mailbox: OAuthMailbox,
    client_auth: str,
) -> None:
    endpoint.client_auth = client_auth
    settings = oauth_settings(endpoint, SMTP_OAUTH_CLIENT_AUTH=client_auth)
    container = smtp_container(tmp_path, server.port, certificate, **settings)
    notification_id, outcome = await send(container)
    assert outcome.done
    assert await status(container, notification_id) == (Status.DELIVERED, None)
    [(form, _)] = endpoint.requests
    assert (form["grant_type"], form["scope"]) == ("client_credentials", SCOPE)
    assert mailbox.offered == endpoint.issued
    [received] = mailbox.received
    assert received.login == MAILBOX


async def test_the_token_is_kept_until_a_minute_before_it_expires(
    container: Container, endpoint: TokenEndpoint, mailbox: OAuthMailbox
) -> None:
    now = [1_000_000.0]
    container.oauth_tokens.override(
        providers.Object(
            ClientCredentialsTokens(endpoint.url, CLIENT_ID, CLIENT_SECRET, SCOPE, clock=lambda: now[0])
        )
    )
    await send(container)
    now[0] += 3600 - 61
    await send(container)
    assert len(endpoint.issued) == 1
    now[0] += 1
    notification_id, _ = await send(container)
    assert await status(container, notification_id) == (Status.DELIVERED, None)
    first, second = endpoint.issued
    assert mailbox.offered == [first, first, second]


async def test_a_refused_token_gets_one_fresh_token_and_one_retry_in_the_same_attempt(
    container: Container, endpoint: TokenEndpoint, mailbox: OAuthMailbox
) -> None:
    await send(container)
    async with httpx.AsyncClient() as other_client:  # the server now takes only the newer token
        grant = {"grant_type": "client_credentials", "scope": SCOPE}
        await other_client.post(endpoint.url, data=grant, auth=(CLIENT_ID, CLIENT_SECRET))
    with capture_logs() as logs:
        notification_id, outcome = await send(container)
    assert outcome.done, await reason_of(container, notification_id)
    first, _, fresh = endpoint.issued
    assert mailbox.offered == [first, first, fresh]
    events = await container.notifications().get_notification_events("bank", notification_id)
    assert [event.type for event in events] == ["Requested", "DeliveryStarted", "Delivered"]
    assert not [token for token in endpoint.issued if token in repr(logs)]


async def test_a_fresh_token_refused_too_is_named_and_the_email_is_not_delivered(
    tmp_path: Path,
    server: MailServer,
    certificate: tuple[Path, Path],
    endpoint: TokenEndpoint,
    mailbox: OAuthMailbox,
) -> None:
    mailbox.current = lambda: "the app lacks SMTP.SendAsApp"
    container = smtp_container(
        tmp_path, server.port, certificate, **oauth_settings(endpoint, MAX_ATTEMPTS="2")
    )
    notification_id, first = await send(container)
    assert first.retry_in is not None
    assert mailbox.offered == endpoint.issued and len(endpoint.issued) == 2
    expected = "the mail server refused our OAuth login: 535 a fresh OAuth token was refused too: 5.7.8"
    assert (await reason_of(container, notification_id)).startswith(expected)
    await container.deliveries().deliver_notification(notification_id)
    state, reason = await status(container, notification_id)
    assert state is Status.REFUSED and reason is not None
    assert reason.startswith(f"delivery attempts exhausted (2): {expected}")
    assert mailbox.received == []


@pytest.mark.parametrize(
    ("settings", "reason"),
    [
        pytest.param(
            {"SMTP_OAUTH_CLIENT_SECRET": "wrong"},
            "cannot get an OAuth token for the mail server: the token endpoint refused us: invalid_client"
            " (AADSTS7000215: Invalid client secret)",
            id="wrong secret",
        ),
        pytest.param(
            {"SMTP_OAUTH_SCOPE": "https://graph.microsoft.com/.default"},
            "cannot get an OAuth token for the mail server: the token endpoint refused us: invalid_scope",
            id="wrong scope",
        ),
        pytest.param(
            {"SMTP_OAUTH_CLIENT_AUTH": "client_secret_post"},
            "cannot get an OAuth token for the mail server: the token endpoint refused us: invalid_client",
            id="client authentication the server does not take",
        ),
    ],
)
async def test_what_the_token_endpoint_refuses_is_named_and_nothing_is_delivered(
    tmp_path: Path,
    server: MailServer,
    certificate: tuple[Path, Path],
    endpoint: TokenEndpoint,
    mailbox: OAuthMailbox,
    caplog: pytest.LogCaptureFixture,
    settings: dict[str, str],
    reason: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    container = smtp_container(
        tmp_path, server.port, certificate, **oauth_settings(endpoint, MAX_ATTEMPTS="1", **settings)
    )
    with capture_logs() as logs:
        notification_id, outcome = await send(container)
    assert outcome.done
    state, stored = await status(container, notification_id)
    assert state is Status.REFUSED and stored is not None
    assert stored.startswith(f"delivery attempts exhausted (1): {reason}")
    assert (mailbox.offered, mailbox.received) == ([], [])
    assert CLIENT_SECRET not in repr(logs) + caplog.text


async def test_a_token_endpoint_that_is_down_is_retried_then_the_email_goes_out(
    container: Container, endpoint: TokenEndpoint, mailbox: OAuthMailbox
) -> None:
    endpoint.down = 1
    notification_id, first = await send(container)
    assert first.retry_in is not None
    assert await reason_of(container, notification_id) == (
        "cannot get an OAuth token for the mail server: the token endpoint answered HTTP 503"
    )
    assert (await container.deliveries().deliver_notification(notification_id)).done
    assert await status(container, notification_id) == (Status.DELIVERED, None)
    assert mailbox.offered == endpoint.issued


async def test_a_token_endpoint_that_does_not_answer_is_retried(
    tmp_path: Path, server: MailServer, certificate: tuple[Path, Path], endpoint: TokenEndpoint
) -> None:
    settings = oauth_settings(endpoint, SMTP_OAUTH_TOKEN_URL=f"http://127.0.0.1:{free_port()}/token")
    container = smtp_container(tmp_path, server.port, certificate, **settings)
    notification_id, outcome = await send(container)
    assert outcome.retry_in is not None
    assert (await reason_of(container, notification_id)).startswith(
        "cannot get an OAuth token for the mail server: cannot reach the token endpoint"
    )
    assert await status(container, notification_id) == (Status.PENDING, None)


def service_account_key(folder: Path, token_uri: str) -> tuple[Path, str]:
    """A Google service account key file (the JSON Google's console gives) and its public key."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    path = folder / "service-account.json"
    path.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": "bank-notifications",
                "private_key_id": "k1",
                "private_key": private.decode(),
                "client_email": "notifier@bank-notifications.iam.gserviceaccount.com",
                "client_id": "1234567890",
                "token_uri": token_uri,
            }
        )
    )
    return path, public.decode()


async def test_a_google_service_account_acts_as_the_mailbox(
    tmp_path: Path,
    server: MailServer,
    certificate: tuple[Path, Path],
    endpoint: TokenEndpoint,
    mailbox: OAuthMailbox,
) -> None:
    key_file, endpoint.public_key = service_account_key(tmp_path, endpoint.url)
    endpoint.subject, endpoint.scope = MAILBOX, "https://mail.google.com/"
    settings = {
        "SMTP_AUTH": "xoauth2",
        "SMTP_USERNAME": MAILBOX,
        "SMTP_PASSWORD": "",
        "SMTP_OAUTH_SERVICE_ACCOUNT_FILE": str(key_file),
    }
    container = smtp_container(tmp_path, server.port, certificate, **settings)
    notification_id, outcome = await send(container)
    assert outcome.done
    assert await status(container, notification_id) == (Status.DELIVERED, None)
    assert mailbox.offered == endpoint.issued and len(endpoint.issued) == 1
    [(form, _)] = endpoint.requests
    assert form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
