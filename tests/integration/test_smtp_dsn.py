"""Delivery status notifications (RFC 3461) are asked of every server that offers them, whatever the
TLS mode and the login: EHLO is sent before the extension is looked up."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from domain.notification import Status
from tests.e2e.conftest import free_port
from tests.integration.test_smtp_provider import certificate, send, smtp_container, status
from tests.smtp_server import PASSWORD, USERNAME, MailServer, OAuthMailbox
from tests.token_endpoint import CLIENT_ID, CLIENT_SECRET, SCOPE, TokenEndpoint

__all__ = ["certificate"]
RECIPIENTS = ["alice@example.org", "bob@example.org", "audit@example.org"]


@pytest.fixture
def endpoint() -> Iterator[TokenEndpoint]:
    started = TokenEndpoint().start()
    yield started
    started.stop()


def login_settings(login: str, endpoint: TokenEndpoint) -> dict[str, str]:
    if login == "none":
        return {"SMTP_USERNAME": "", "SMTP_PASSWORD": ""}
    if login == "password":
        return {"SMTP_USERNAME": USERNAME, "SMTP_PASSWORD": PASSWORD}
    return {
        "SMTP_AUTH": "xoauth2",
        "SMTP_USERNAME": USERNAME,
        "SMTP_PASSWORD": "",
        "SMTP_OAUTH_TOKEN_URL": endpoint.url,
        "SMTP_OAUTH_CLIENT_ID": CLIENT_ID,
        "SMTP_OAUTH_CLIENT_SECRET": CLIENT_SECRET,
        "SMTP_OAUTH_SCOPE": SCOPE,
    }


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize("login", ["none", "password", "xoauth2"])
@pytest.mark.parametrize("tls", ["none", "starttls", "implicit"])
@pytest.mark.parametrize("read_receipt", [False, True], ids=["no receipt", "read receipt"])
async def test_dsn_is_asked_in_every_tls_mode_and_with_every_login(
    tmp_path: Path,
    certificate: tuple[Path, Path],
    endpoint: TokenEndpoint,
    tls: str,
    login: str,
    read_receipt: bool,
) -> None:
    mailbox = OAuthMailbox(offer_dsn=True, username=USERNAME, current=lambda: endpoint.current)
    server = MailServer(
        mailbox,
        *certificate,
        port=free_port(),
        implicit=tls == "implicit",
        plain=tls == "none",
        login_required=login != "none",
    )
    server.start()
    try:
        settings = login_settings(login, endpoint) | {"SMTP_TLS": tls}
        container = smtp_container(tmp_path, server.port, certificate, **settings)
        notification_id, _ = await send(container, read_receipt=read_receipt)
    finally:
        server.stop()
    assert await status(container, notification_id) == (Status.DELIVERED, None)
    [received] = mailbox.received
    assert received.login == (None if login == "none" else USERNAME)
    assert received.mail_options == ["RET=HDRS", f"ENVID={notification_id}"]
    notify = "NOTIFY=SUCCESS,FAILURE,DELAY" if read_receipt else "NOTIFY=FAILURE,DELAY"
    assert received.rcpt_options == [
        option for address in RECIPIENTS for option in (notify, f"ORCPT=rfc822;{address}")
    ]


async def test_an_address_with_a_plus_goes_into_orcpt_as_xtext(
    tmp_path: Path, certificate: tuple[Path, Path], endpoint: TokenEndpoint
) -> None:
    mailbox = OAuthMailbox(offer_dsn=True)
    server = MailServer(mailbox, *certificate, port=free_port())
    server.start()
    try:
        container = smtp_container(tmp_path, server.port, certificate)
        await send(container, to=["alice+statements@example.org"], cc=[], bcc=[])
    finally:
        server.stop()
    [received] = mailbox.received
    assert received.rcpt_tos == ["alice+statements@example.org"]
    assert received.rcpt_options == ["NOTIFY=FAILURE,DELAY", "ORCPT=rfc822;alice+2Bstatements@example.org"]
