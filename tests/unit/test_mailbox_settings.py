"""The bounce mailbox's settings are checked at start-up, each problem in one line naming the setting;
with a mailbox, SMTP's acceptance is only `Sent`."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from adapters.awaiting_reports import AwaitingReports
from adapters.google_tokens import ServiceAccountTokens
from adapters.oauth_tokens import ClientCredentialsTokens
from application.mailbox_reader import MailboxReader
from bootstrap.container import build_container
from bootstrap.delivery_providers import delivery_providers
from bootstrap.mailbox import imap_token_source
from bootstrap.oauth_settings import oauth_tokens
from bootstrap.settings import Settings, SettingsError, load_settings
from domain.messages import Channel
from entrypoints.http.schemas import status_view
from tests.unit.test_oauth_settings import key_file

MAILBOX = {
    "EMAIL_PROVIDER": "smtp",
    "SMTP_HOST": "smtp.bank.example",
    "IMAP_HOST": "imap.bank.example",
    "IMAP_USERNAME": "bounces@bank.example",
    "IMAP_PASSWORD": "mailbox-secret",
}


def load(**values: str) -> Settings:
    return load_settings({f"NOTIFICATIONS_{name}": value for name, value in values.items()})


@pytest.mark.parametrize(
    ("values", "line"),
    [
        (
            MAILBOX | {"IMAP_USERNAME": ""},
            "NOTIFICATIONS_IMAP_USERNAME: is required with NOTIFICATIONS_IMAP_HOST",
        ),
        (
            MAILBOX | {"IMAP_PASSWORD": ""},
            "NOTIFICATIONS_IMAP_PASSWORD: is required with NOTIFICATIONS_IMAP_AUTH=password",
        ),
        (
            MAILBOX | {"EMAIL_PROVIDER": "outbox"},
            "NOTIFICATIONS_IMAP_HOST: needs NOTIFICATIONS_EMAIL_PROVIDER=smtp: "
            "the mailbox reports on emails sent over SMTP",
        ),
        (
            MAILBOX | {"IMAP_PROCESSED_FOLDER": "INBOX"},
            "NOTIFICATIONS_IMAP_PROCESSED_FOLDER: must differ from NOTIFICATIONS_IMAP_FOLDER",
        ),
        (MAILBOX | {"IMAP_TLS": "ssl"}, "NOTIFICATIONS_IMAP_TLS: Invalid enum value 'ssl'"),
        (MAILBOX | {"IMAP_AUTH": "oauth"}, "NOTIFICATIONS_IMAP_AUTH: Invalid enum value 'oauth'"),
        (MAILBOX | {"IMAP_POLL_INTERVAL": "0"}, "NOTIFICATIONS_IMAP_POLL_INTERVAL: Expected `float` > 0.0"),
        (
            MAILBOX | {"EMAIL_BOUNCE_WINDOW": "-1"},
            "NOTIFICATIONS_EMAIL_BOUNCE_WINDOW: Expected `float` >= 0.0",
        ),
        (
            MAILBOX | {"IMAP_CA_FILE": "/no/such.pem"},
            "NOTIFICATIONS_IMAP_CA_FILE: no such file: /no/such.pem",
        ),
        (
            MAILBOX | {"IMAP_AUTH": "xoauth2", "IMAP_PASSWORD": ""},
            "NOTIFICATIONS_SMTP_OAUTH_TOKEN_URL: is required with NOTIFICATIONS_IMAP_AUTH=xoauth2"
            " (or NOTIFICATIONS_SMTP_OAUTH_SERVICE_ACCOUNT_FILE)",
        ),
    ],
)
def test_a_wrong_or_missing_mailbox_setting_is_named_in_one_line(values: dict[str, str], line: str) -> None:
    with pytest.raises(SettingsError) as refused:
        load(**values)
    assert str(refused.value) == f"invalid setting {line}"


def test_without_a_mailbox_nothing_reads_and_smtp_acceptance_is_delivery() -> None:
    settings = load(EMAIL_PROVIDER="smtp", SMTP_HOST="smtp.bank.example")
    paced = delivery_providers(settings)[Channel.EMAIL]
    assert type(paced.provider).__name__ == "SmtpProvider"  # type: ignore[attr-defined]
    assert build_container(settings).mailbox_reader() is None


def test_with_a_mailbox_the_worker_reads_it_and_smtp_awaits_reports(tmp_path: Path) -> None:
    settings = load(**MAILBOX, DATA_DIR=str(tmp_path), EVENT_STORE="memory", EMAIL_BOUNCE_WINDOW="600")
    provider = delivery_providers(settings)[Channel.EMAIL].provider  # type: ignore[attr-defined]  # paced
    assert isinstance(provider, AwaitingReports) and provider.window.total_seconds() == 600
    container = build_container(settings, status_view)
    assert isinstance(container.mailbox_reader(), MailboxReader)
    assert container.worker().mailbox_reader is container.mailbox_reader()


def test_an_xoauth2_mailbox_logs_in_with_a_token_from_the_smtp_oauth_settings() -> None:
    grant = {
        "IMAP_AUTH": "xoauth2",
        "IMAP_PASSWORD": "",
        "SMTP_OAUTH_TOKEN_URL": "https://login.microsoftonline.com/tenant/oauth2/v2.0/token",
        "SMTP_OAUTH_CLIENT_ID": "app",
        "SMTP_OAUTH_CLIENT_SECRET": "app-secret",
    }
    assert isinstance(imap_token_source(load(**MAILBOX | grant)), ClientCredentialsTokens)
    container = build_container(load(**MAILBOX | grant), status_view)
    reader = container.mailbox_reader()
    assert reader is not None
    assert reader.reports.mailbox.tokens is container.oauth_tokens()  # one cache for SMTP and IMAP
    assert imap_token_source(load(**MAILBOX)) is None


def test_a_google_service_account_acts_as_the_bounce_mailbox_when_it_reads_it(tmp_path: Path) -> None:
    pem = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        .private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        .decode()
    )
    settings = load(
        **MAILBOX,
        SMTP_AUTH="xoauth2",
        SMTP_USERNAME="no-reply@bank.example",
        IMAP_AUTH="xoauth2",
        SMTP_OAUTH_SERVICE_ACCOUNT_FILE=key_file(tmp_path, private_key=pem),
    )
    source = imap_token_source(settings)
    assert isinstance(source, ServiceAccountTokens)
    assert source._credentials._subject == "bounces@bank.example"
    smtp = oauth_tokens(settings)
    assert isinstance(smtp, ServiceAccountTokens)
    assert smtp._credentials._subject == "no-reply@bank.example"
