"""The bounce mailbox, when one is configured: its reader, and the SMTP provider that awaits reports."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from adapters.awaiting_reports import AwaitingReports
from application.mail_reports import MailReports
from application.mailbox_reader import MailboxReader
from application.metrics import NO_METRICS, Metrics
from application.ports import Clock, EventStore, NotificationProvider
from bootstrap.oauth_settings import oauth_tokens
from bootstrap.settings import Settings

if TYPE_CHECKING:  # imported with a mailbox only: its parser brings flufl.bounce
    from adapters.imap_mailbox import AccessTokenSource, ImapAccount


def imap_account(settings: Settings) -> ImapAccount:
    from adapters.imap_mailbox import ImapAccount

    return ImapAccount(
        host=settings.imap_host,
        username=settings.imap_username,
        password=settings.imap_password,
        port=settings.imap_port,
        tls=settings.imap_tls,
        auth=settings.imap_auth,
        folder=settings.imap_folder,
        processed_folder=settings.imap_processed_folder,
        ca_file=settings.imap_ca_file,
    )


def imap_token_source(
    settings: Settings, shared: AccessTokenSource | None = None
) -> AccessTokenSource | None:
    """With NOTIFICATIONS_IMAP_AUTH=xoauth2, the token source of the SMTP OAuth 2.0 settings: `shared`
    (SMTP's, with its cache: a client-credentials token is the app's, good for both mailboxes), or,
    for a Google service account, one acting as NOTIFICATIONS_IMAP_USERNAME. Else None."""
    if settings.imap_auth != "xoauth2":
        return None
    if shared is not None and not settings.smtp_oauth_service_account_file:
        return shared
    return oauth_tokens(settings, mailbox=settings.imap_username)


def mailbox_reader(
    settings: Settings,
    store: EventStore,
    smtp_tokens: AccessTokenSource | None = None,
    metrics: Metrics = NO_METRICS,
) -> MailboxReader | None:
    if not settings.imap_host:
        return None
    from adapters.imap_mailbox import ImapMailbox

    mailbox = ImapMailbox(imap_account(settings), imap_token_source(settings, smtp_tokens))
    return MailboxReader(MailReports(store, mailbox, metrics), settings.imap_poll_interval)


def awaiting_reports(
    settings: Settings, provider: NotificationProvider, clock: Clock
) -> NotificationProvider:
    """The SMTP provider as it is, or, with a mailbox, one whose acceptance is only `Sent`."""
    if not settings.imap_host:
        return provider
    return AwaitingReports(provider, timedelta(seconds=settings.email_bounce_window), clock)
