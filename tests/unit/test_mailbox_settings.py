"""The bounce mailbox's settings are checked at start-up, each problem in one line naming the setting;
with a mailbox, SMTP's acceptance is only `Sent`."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.awaiting_reports import AwaitingReports
from bootstrap.container import build_container
from bootstrap.delivery_providers import delivery_providers
from bootstrap.settings import Settings, SettingsError, load_settings
from domain.messages import Channel
from entrypoints.mailbox_reader import MailboxReader

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
            "NOTIFICATIONS_IMAP_AUTH: xoauth2 needs the SMTP OAuth token source, "
            "which this build does not have yet",
        ),
    ],
)
def test_a_wrong_or_missing_mailbox_setting_is_named_in_one_line(values: dict[str, str], line: str) -> None:
    with pytest.raises(SettingsError) as refused:
        load(**values)
    assert str(refused.value) == f"invalid setting {line}"


def test_without_a_mailbox_nothing_reads_and_smtp_acceptance_is_delivery() -> None:
    settings = load(EMAIL_PROVIDER="smtp", SMTP_HOST="smtp.bank.example")
    assert type(delivery_providers(settings)[Channel.EMAIL]).__name__ == "SmtpProvider"
    assert build_container(settings).mailbox_reader() is None


def test_with_a_mailbox_the_worker_reads_it_and_smtp_awaits_reports(tmp_path: Path) -> None:
    settings = load(**MAILBOX, DATA_DIR=str(tmp_path), EVENT_STORE="memory", EMAIL_BOUNCE_WINDOW="600")
    provider = delivery_providers(settings)[Channel.EMAIL]
    assert isinstance(provider, AwaitingReports) and provider.window.total_seconds() == 600
    container = build_container(settings)
    assert isinstance(container.mailbox_reader(), MailboxReader)
    assert container.worker().mailbox_reader is container.mailbox_reader()
