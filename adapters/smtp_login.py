"""SMTP AUTH with an OAuth 2.0 access token (XOAUTH2), and what to do when the server refuses it.

The SASL string is `user=<username>^Aauth=Bearer <token>^A^A`, base64-encoded (Google's "XOAUTH2
protocol", Microsoft's "Authenticate an IMAP, POP or SMTP connection using OAuth"); aiosmtplib
sends it, and answers the 334 error challenge with the empty line the server waits for. A `535`
may mean a token revoked or expired early: one fresh token, one retry on the same connection,
then `OAuthLoginRefused`.
"""

from __future__ import annotations

import aiosmtplib

from adapters.oauth_tokens import OAuthTokens

BAD_CREDENTIALS = 535  # RFC 4954 §6: authentication credentials invalid


class OAuthLoginRefused(aiosmtplib.SMTPAuthenticationError):
    """The server refused a fresh access token too: the app's permissions or the mailbox's
    settings are wrong, not the token's age."""


class XOAuth2Login:
    """Logs `username` in with tokens from `tokens`; may be called for many connections at once."""

    def __init__(self, username: str, tokens: OAuthTokens) -> None:
        self.username = username
        self.tokens = tokens

    async def __call__(self, smtp: aiosmtplib.SMTP) -> None:
        """Raises `OAuthLoginRefused`, `aiosmtplib.SMTPAuthenticationError` for other refusals,
        and `adapters.oauth_tokens.TokenError` when no token can be had."""
        try:
            await smtp.auth_xoauth2(self.username, await self.tokens.access_token())
        except aiosmtplib.SMTPAuthenticationError as refused:
            if refused.code != BAD_CREDENTIALS:
                raise
        else:
            return
        try:
            await smtp.auth_xoauth2(self.username, await self.tokens.access_token(fresh=True))
        except aiosmtplib.SMTPAuthenticationError as again:
            reply = f"a fresh OAuth token was refused too: {again.message}"
            raise OAuthLoginRefused(again.code, reply) from None
