"""Access tokens for a Google Workspace mailbox from a service account with domain-wide delegation.

google-auth signs the JWT assertion with the account's key and exchanges it at the key file's
`token_uri` (RFC 7523 JWT bearer grant; Google's "Using OAuth 2.0 for Server to Server
Applications"), acting as `subject`, the mailbox the service sends from. Its client is blocking:
it runs in a thread.
"""

from __future__ import annotations

import asyncio
import datetime
import functools
import time
from collections.abc import Callable

import google.auth.exceptions
import google.auth.transport.requests
from google.oauth2 import service_account

from adapters.oauth_tokens import OAuthTokens, TokenEndpointUnreachable, TokenRefused

GMAIL_SCOPE = "https://mail.google.com/"  # the one scope Gmail takes for SMTP and IMAP


class ServiceAccountTokens(OAuthTokens):
    """Tokens for `subject` from the service account key in `key_file` (its JSON key). Raises
    `ValueError` at construction if the file is not a service account key."""

    def __init__(
        self,
        key_file: str,
        subject: str,
        scope: str = GMAIL_SCOPE,
        timeout: float = 20.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(clock)
        self._credentials = service_account.Credentials.from_service_account_file(  # type: ignore[no-untyped-call]
            key_file, scopes=(scope or GMAIL_SCOPE).split(), subject=subject
        )
        self._timeout = timeout

    async def _fetch(self) -> tuple[str, float]:
        await asyncio.to_thread(self._refresh)
        expiry = self._credentials.expiry  # naive UTC, as google-auth keeps it
        now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
        lifetime = (expiry - now).total_seconds() if expiry else 0.0
        return str(self._credentials.token), max(lifetime, 0.0)

    def _refresh(self) -> None:
        request = google.auth.transport.requests.Request()
        try:
            self._credentials.refresh(functools.partial(request, timeout=self._timeout))
        except google.auth.exceptions.TransportError as error:
            raise TokenEndpointUnreachable(f"cannot reach Google's token endpoint: {error}") from None
        except google.auth.exceptions.RefreshError as error:
            if getattr(error, "retryable", False):
                raise TokenEndpointUnreachable(f"Google's token endpoint failed: {_first(error)}") from None
            raise TokenRefused(f"Google's token endpoint refused us: {_first(error)}") from None
        finally:
            request.session.close()


def _first(error: Exception) -> str:
    return str(error.args[0]) if error.args else type(error).__name__
