"""Real providers' settings are checked at start-up, each problem in one line naming the setting."""

from __future__ import annotations

from pathlib import Path
from uuid import uuid4

import pytest
from structlog.testing import capture_logs

from bootstrap.delivery_providers import delivery_providers, status_callbacks
from bootstrap.settings import Settings, SettingsError, load_settings
from domain.messages import Channel, PhoneNumber, Sms
from domain.notification import Notification, Receipt
from tests.cli import notifications

SID = "AC" + "a" * 32
TWILIO = {
    "SMS_PROVIDER": "twilio",
    "TWILIO_ACCOUNT_SID": SID,
    "TWILIO_AUTH_TOKEN": "token",
    "TWILIO_SMS_FROM": "+15005550006",
}


def load(**values: str) -> Settings:
    return load_settings({f"NOTIFICATIONS_{name}": value for name, value in values.items()})


@pytest.mark.parametrize(
    ("values", "line"),
    [
        (
            {"EMAIL_PROVIDER": "smtp"},
            "invalid setting NOTIFICATIONS_SMTP_HOST: is required with NOTIFICATIONS_EMAIL_PROVIDER=smtp",
        ),
        (
            {"SMTP_USERNAME": "me"},
            "invalid setting NOTIFICATIONS_SMTP_PASSWORD: is required with NOTIFICATIONS_SMTP_USERNAME",
        ),
        ({"SMTP_TLS": "ssl"}, "invalid setting NOTIFICATIONS_SMTP_TLS: Invalid enum value 'ssl'"),
        (
            {"SMTP_CA_FILE": "/no/such.pem"},
            "invalid setting NOTIFICATIONS_SMTP_CA_FILE: no such file: /no/such.pem",
        ),
        (
            {"EMAIL_RECEIPTS_TO": "nobody"},
            "invalid setting NOTIFICATIONS_EMAIL_RECEIPTS_TO: is not one address, with a display name if any,"
            ' such as "Bank, Inc." <no-reply@bank.example>: An email address must have an @-sign.',
        ),
        ({"SMS_PROVIDER": "sns"}, "invalid setting NOTIFICATIONS_SMS_PROVIDER: Invalid enum value 'sns'"),
        (
            {"WHATSAPP_PROVIDER": "twilio"},
            "invalid setting NOTIFICATIONS_TWILIO_ACCOUNT_SID: is required with a Twilio provider",
        ),
        (
            TWILIO | {"TWILIO_AUTH_TOKEN": ""},
            "invalid setting NOTIFICATIONS_TWILIO_AUTH_TOKEN: "
            "or NOTIFICATIONS_TWILIO_API_KEY_SID and _SECRET are required with a Twilio provider",
        ),
        (
            TWILIO | {"TWILIO_SMS_FROM": ""},
            "invalid setting NOTIFICATIONS_TWILIO_SMS_FROM: "
            "is required with NOTIFICATIONS_SMS_PROVIDER=twilio",
        ),
        (
            TWILIO | {"WHATSAPP_PROVIDER": "twilio", "TWILIO_WHATSAPP_FROM": "+14155238886"},
            "invalid setting NOTIFICATIONS_TWILIO_WHATSAPP_FROM: must be a sender such as "
            "whatsapp:+15551234567 or a Messaging Service SID (MG…)",
        ),
        (
            TWILIO | {"TWILIO_STATUS_CALLBACK_URL": "notify.example.org/status"},
            "invalid setting NOTIFICATIONS_TWILIO_STATUS_CALLBACK_URL: must be an http:// or https:// URL",
        ),
        (
            TWILIO
            | {
                "TWILIO_AUTH_TOKEN": "",
                "TWILIO_API_KEY_SID": "SK" + "b" * 32,
                "TWILIO_API_KEY_SECRET": "secret",
                "TWILIO_STATUS_CALLBACK_URL": "https://notify.example.org/v1/providers/twilio/status",
            },
            "invalid setting NOTIFICATIONS_TWILIO_AUTH_TOKEN: is required with a status callback URL: "
            "Twilio signs callbacks with it",
        ),
    ],
)
def test_a_wrong_or_missing_provider_setting_is_named_in_one_line(values: dict[str, str], line: str) -> None:
    with pytest.raises(SettingsError) as refused:
        load(**values)
    assert str(refused.value) == line


def test_the_outbox_stays_the_default_for_every_channel(tmp_path: Path) -> None:
    chosen = delivery_providers(load(DATA_DIR=str(tmp_path)))
    assert {channel: type(p).__name__ for channel, p in chosen.items()} == dict.fromkeys(
        Channel, "OutboxProvider"
    )


def test_one_twilio_client_serves_both_channels_and_callbacks_need_a_url() -> None:
    settings = load(**TWILIO, WHATSAPP_PROVIDER="twilio", TWILIO_WHATSAPP_FROM="MG" + "c" * 32)
    chosen = delivery_providers(settings)
    assert chosen[Channel.SMS] is chosen[Channel.WHATSAPP]
    assert status_callbacks(settings) == {}


async def test_a_discarding_channel_takes_each_message_and_says_so_at_start_up() -> None:
    with capture_logs() as logs:
        chosen = delivery_providers(load(SMS_PROVIDER="discard"))
    notification = Notification.request(uuid4(), "bank", Sms(PhoneNumber("+15551234567"), "Code 1234"))
    assert await chosen[Channel.SMS].deliver(notification) == Receipt(provider="discard")
    assert type(chosen[Channel.EMAIL]).__name__ == "OutboxProvider"
    assert logs == [{"event": "provider.discards", "channel": "sms", "log_level": "warning"}]


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        (
            "EMAIL_FROM",
            "Zoë Bänk, Inc. <no-reply@example.org>",
            "The display name contains invalid characters",
        ),
        ("EMAIL_FROM", "Bank, Inc. <no-reply@example.org>", "The display name contains invalid characters"),
        (
            "EMAIL_FROM",
            "a@example.org, b@example.org",
            "The part after the @-sign contains invalid characters",
        ),
        ("EMAIL_FROM", "", "An email address must have an @-sign"),
        ("EMAIL_RECEIPTS_TO", "Receipts <receipts@localhost>", "It should have a period"),
    ],
)
def test_an_address_setting_is_read_as_client_addresses_are_and_a_bad_one_is_named(
    name: str, value: str, reason: str
) -> None:
    with pytest.raises(SettingsError) as refused:
        load(**{name: value})
    line = str(refused.value)
    assert line.startswith(f"invalid setting NOTIFICATIONS_{name}: is not one address") and "\n" not in line
    assert reason in line


def test_a_quoted_display_name_is_the_senders_and_the_address_is_bare() -> None:
    settings = load(EMAIL_FROM='"Zoë Bänk, Inc." <no-reply@example.org>', EMAIL_RECEIPTS_TO="r@bücher.de")
    assert (settings.sender.display_name, settings.sender.address.ascii) == (
        "Zoë Bänk, Inc.",
        "no-reply@example.org",
    )
    assert settings.receipts_to is not None and settings.receipts_to.address.ascii == "r@xn--bcher-kva.de"


def test_the_default_sender_is_a_valid_address() -> None:
    assert load().sender.address.value == "notifications@localhost.localdomain"


def test_a_bad_sender_stops_a_command_with_one_line_naming_it(tmp_path: Path) -> None:
    answer = notifications(
        "token",
        "list",
        env={
            "NOTIFICATIONS_DATA_DIR": str(tmp_path),
            "NOTIFICATIONS_EMAIL_FROM": "Bank, Inc. <n@example.org>",
        },
    )
    assert (answer.returncode, answer.stdout) == (2, "")
    assert answer.stderr.splitlines() == [
        "notifications: invalid setting NOTIFICATIONS_EMAIL_FROM: is not one address, with a display name"
        ' if any, such as "Bank, Inc." <no-reply@bank.example>: The display name contains invalid'
        " characters when not quoted: ',', '.'."
    ]
