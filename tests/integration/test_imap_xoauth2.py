"""IMAP login with SASL XOAUTH2 against Dovecot, whose oauth2 passdb asks a local token-info endpoint
whether the bearer token is current."""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlparse

import pytest

from adapters.imap_mailbox import ImapAccount, ImapMailbox
from application.errors import MailboxUnavailable
from tests.dovecot import USER, Dovecot, running_dovecot


class TokenInfo(ThreadingHTTPServer):
    """Answers `GET /tokeninfo/<token>` with the user for the current token only, 401 for any other."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.current = "token-1"
        self.asked: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/tokeninfo/"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # Dovecot's HTTP client keeps the connection for the next token
    server: TokenInfo

    def do_GET(self) -> None:
        token = urlparse(self.path).path.rpartition("/")[2]
        self.server.asked.append(token)
        ok = token == self.server.current
        body = json.dumps({"email": USER, "active": True} if ok else {"error": "invalid_token"}).encode()
        self.send_response(200 if ok else 401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class Tokens:
    """A token source as the SMTP OAuth one is: a cached token, or a fresh one when asked."""

    def __init__(self, cached: str, fresh: str) -> None:
        self.cached, self.fresh = cached, fresh
        self.calls: list[bool] = []

    async def access_token(self, fresh: bool = False) -> str:
        self.calls.append(fresh)
        return self.fresh if fresh else self.cached


@pytest.fixture(scope="module")
def oauth() -> Iterator[tuple[Dovecot, TokenInfo]]:
    info = TokenInfo()
    threading.Thread(target=info.serve_forever, daemon=True).start()
    root = Path(tempfile.mkdtemp(prefix="dovecot-oauth-"))
    try:
        with running_dovecot(root, tokeninfo_url=info.url) as server:
            yield server, info
    finally:
        info.shutdown()
        shutil.rmtree(root, ignore_errors=True)


def account(server: Dovecot) -> ImapAccount:
    return ImapAccount(host=server.host, port=server.port, tls="none", username=USER, auth="xoauth2")


async def test_a_current_token_logs_in(oauth: tuple[Dovecot, TokenInfo]) -> None:
    server, info = oauth
    tokens = Tokens(cached="token-1", fresh="unused")

    assert await ImapMailbox(account(server), tokens).read() == []
    assert tokens.calls == [False]
    assert info.asked[-1] == "token-1"


async def test_a_refused_token_is_replaced_once_by_a_fresh_one(oauth: tuple[Dovecot, TokenInfo]) -> None:
    server, info = oauth
    tokens = Tokens(cached="revoked", fresh="token-1")

    assert await ImapMailbox(account(server), tokens).read() == []
    assert tokens.calls == [False, True]
    assert info.asked[-2:] == ["revoked", "token-1"]


async def test_two_refused_tokens_name_the_xoauth2_login(oauth: tuple[Dovecot, TokenInfo]) -> None:
    server, _ = oauth
    tokens = Tokens(cached="revoked", fresh="also-revoked")

    with pytest.raises(MailboxUnavailable, match="refused the XOAUTH2 login"):
        await ImapMailbox(account(server), tokens).read()
    assert tokens.calls == [False, True]
