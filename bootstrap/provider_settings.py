"""Checks of the settings of real providers (Twilio, SMTP), each naming the setting at fault."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from domain.addresses import E164, InvalidValue, Mailbox

if TYPE_CHECKING:
    from bootstrap.setting_fields import SettingFields

_MESSAGING_SERVICE = re.compile(r"MG[0-9a-fA-F]{32}")
_WHATSAPP_SENDER = re.compile(r"whatsapp:\+[1-9][0-9]{6,14}")
_URL = re.compile(r"https?://[^\s/?#]+[^\s?#]*")


def provider_problem(settings: SettingFields) -> str | None:
    """Returns the first problem as msgspec words it ("reason - at `$.field`"), or None."""
    for field, problem in [*_smtp_problems(settings), *_twilio_problems(settings)]:
        if problem:
            return f"{problem} - at `$.{field}`"
    return None


def _smtp_problems(s: SettingFields) -> list[tuple[str, str | None]]:
    on = s.email_provider == "smtp"
    return [
        (
            "smtp_host",
            "is required with NOTIFICATIONS_EMAIL_PROVIDER=smtp" if on and not s.smtp_host else None,
        ),
        (
            "smtp_password",
            "is required with NOTIFICATIONS_SMTP_USERNAME"
            if s.smtp_username and not s.smtp_password and s.smtp_auth == "password"
            else None,
        ),
        ("smtp_ca_file", f"no such file: {s.smtp_ca_file}" if _missing(s.smtp_ca_file) else None),
        ("email_from", _mailbox_problem(s.email_from)),
        ("email_receipts_to", _mailbox_problem(s.email_receipts_to) if s.email_receipts_to else None),
    ]


def _twilio_problems(s: SettingFields) -> list[tuple[str, str | None]]:
    sms, whatsapp = s.sms_provider == "twilio", s.whatsapp_provider == "twilio"
    key = bool(s.twilio_api_key_sid or s.twilio_api_key_secret)
    return [
        ("twilio_account_sid", _required(sms or whatsapp, s.twilio_account_sid, "a Twilio provider")),
        (
            "twilio_auth_token",
            "or NOTIFICATIONS_TWILIO_API_KEY_SID and _SECRET are required with a Twilio provider"
            if (sms or whatsapp) and not (s.twilio_auth_token or key)
            else None,
        ),
        (
            "twilio_api_key_secret",
            _required(bool(s.twilio_api_key_sid), s.twilio_api_key_secret, "an API key"),
        ),
        ("twilio_api_key_sid", _required(bool(s.twilio_api_key_secret), s.twilio_api_key_sid, "an API key")),
        ("twilio_sms_from", _sender_problem("SMS", sms, s.twilio_sms_from, E164, "+15551234567")),
        (
            "twilio_whatsapp_from",
            _sender_problem(
                "WHATSAPP", whatsapp, s.twilio_whatsapp_from, _WHATSAPP_SENDER, "whatsapp:+15551234567"
            ),
        ),
        ("twilio_status_callback_url", _url_problem(s.twilio_status_callback_url)),
        (
            "twilio_auth_token",
            "is required with a status callback URL: Twilio signs callbacks with it"
            if s.twilio_status_callback_url and not s.twilio_auth_token
            else None,
        ),
        ("twilio_api_base_url", _url_problem(s.twilio_api_base_url)),
    ]


def _required(needed: bool, value: str, what: str) -> str | None:
    return f"is required with {what}" if needed and not value else None


def _sender_problem(
    channel: str, needed: bool, value: str, form: re.Pattern[str], example: str
) -> str | None:
    if not needed and not value:
        return None
    if not value:
        return f"is required with NOTIFICATIONS_{channel}_PROVIDER=twilio"
    if form.fullmatch(value) or _MESSAGING_SERVICE.fullmatch(value):
        return None
    return f"must be a sender such as {example} or a Messaging Service SID (MG…)"


def _url_problem(value: str) -> str | None:
    return None if not value or _URL.fullmatch(value) else "must be an http:// or https:// URL"


def _mailbox_problem(value: str) -> str | None:
    """Address settings are read as client addresses are (email-validator), with a display name."""
    try:
        Mailbox.parse(value)
    except InvalidValue as error:
        return str(error)
    return None


def _missing(path: str) -> bool:
    return bool(path) and not Path(path).is_file()
