"""Which provider delivers each channel, and the callbacks each real provider sends back."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import structlog

from adapters.clock import SystemClock
from adapters.discard import DiscardProvider
from adapters.outbox import OutboxProvider
from adapters.paced_provider import PacedProvider
from adapters.pacing import Pacer
from adapters.smtp_provider import SmtpProvider, SmtpServer
from adapters.twilio_callbacks import TwilioCallbacks
from adapters.twilio_provider import TwilioAccount, TwilioProvider
from application.ports import NotificationProvider, StatusCallbacks
from bootstrap.mailbox import awaiting_reports
from bootstrap.settings import Settings
from domain.messages import Channel

if TYPE_CHECKING:
    from adapters.oauth_tokens import OAuthTokens

log = structlog.get_logger("notifications")


def delivery_providers(
    settings: Settings, oauth_tokens: OAuthTokens | None = None
) -> Mapping[Channel, NotificationProvider]:
    twilio = paced_twilio(settings)  # one client serves both channels; it connects on first use
    made: dict[Channel, NotificationProvider] = {}
    for channel, name in settings.provider_names.items():
        if name == "outbox":
            made[channel] = OutboxProvider(
                settings.outbox_path, channel, settings.sender, settings.receipts_to
            )
        elif name == "smtp":
            smtp = awaiting_reports(settings, smtp_provider(settings, oauth_tokens), SystemClock())
            made[channel] = PacedProvider("smtp", smtp, pacer(settings, settings.smtp_rate_limit / 60))
        elif name == "twilio":
            made[channel] = twilio
        elif name == "discard":
            log.warning("provider.discards", channel=channel.value)
            made[channel] = DiscardProvider()
    return made


def smtp_provider(settings: Settings, oauth_tokens: OAuthTokens | None = None) -> SmtpProvider:
    oauth = settings.smtp_auth == "xoauth2" and oauth_tokens is not None
    server = SmtpServer(
        host=settings.smtp_host,
        port=settings.smtp_port,
        tls=settings.smtp_tls,
        username="" if oauth else settings.smtp_username,
        password="" if oauth else settings.smtp_password,
        ca_file=settings.smtp_ca_file,
        timeout=settings.smtp_timeout,
    )
    from adapters.smtp_login import XOAuth2Login  # with authlib, only where XOAUTH2 is configured

    login = XOAuth2Login(settings.smtp_username, oauth_tokens) if oauth and oauth_tokens else None
    return SmtpProvider(server, settings.sender, settings.receipts_to, settings.smtp_connections, login)


def pacer(settings: Settings, per_second: float) -> Pacer:
    """A provider's pace (none at 0), and its pause after "too many": the retry delays'."""
    return Pacer(per_second or None, settings.retry_base_delay, settings.retry_max_delay)


def paced_twilio(settings: Settings) -> PacedProvider:
    twilio = twilio_provider(settings)
    return PacedProvider("twilio", twilio, pacer(settings, settings.twilio_rate_limit), twilio.sender_of)


def twilio_provider(settings: Settings) -> TwilioProvider:
    account = TwilioAccount(
        account_sid=settings.twilio_account_sid,
        auth_token=settings.twilio_auth_token,
        api_key_sid=settings.twilio_api_key_sid,
        api_key_secret=settings.twilio_api_key_secret,
        api_base_url=settings.twilio_api_base_url,
        timeout=settings.twilio_timeout,
    )
    senders = {Channel.SMS: settings.twilio_sms_from, Channel.WHATSAPP: settings.twilio_whatsapp_from}
    return TwilioProvider(account, senders, settings.twilio_status_callback_url)


def status_callbacks(settings: Settings) -> Mapping[str, StatusCallbacks]:
    """The providers whose callbacks this service accepts: those it asked to call back."""
    if not (settings.twilio_status_callback_url and settings.twilio_auth_token):
        return {}
    return {"twilio": TwilioCallbacks(settings.twilio_auth_token, settings.twilio_status_callback_url)}
