"""Checks of the OAuth 2.0 settings (NOTIFICATIONS_SMTP_OAUTH_*), each naming the setting at fault,
and the token source they describe. The IMAP reader's XOAUTH2 login shares them."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from adapters.oauth_tokens import OAuthTokens
    from bootstrap.setting_fields import SettingFields

_URL = re.compile(r"https?://[^\s/?#]+[^\s?#]*")
_KEY_FIELDS = ("client_email", "private_key", "token_uri")


def oauth_problem(s: SettingFields) -> str | None:
    """The first problem as msgspec words it ("reason - at `$.field`"), or None."""
    for field, problem in _problems(s):
        if problem:
            return f"{problem} - at `$.{field}`"
    return None


def oauth_tokens(s: SettingFields, mailbox: str = "") -> OAuthTokens | None:
    """The token source the settings describe, or None when none is configured. `mailbox`: the
    mailbox a Google service account acts as (default NOTIFICATIONS_SMTP_USERNAME); a
    client-credentials token is the app's, good for every mailbox it was granted."""
    from adapters.google_tokens import ServiceAccountTokens  # imported when configured
    from adapters.oauth_tokens import ClientCredentialsTokens

    if s.smtp_oauth_service_account_file:
        return ServiceAccountTokens(
            s.smtp_oauth_service_account_file,
            mailbox or s.smtp_username,
            s.smtp_oauth_scope,
            timeout=s.smtp_timeout,
        )
    if s.smtp_oauth_token_url:
        return ClientCredentialsTokens(
            s.smtp_oauth_token_url,
            s.smtp_oauth_client_id,
            s.smtp_oauth_client_secret,
            s.smtp_oauth_scope,
            s.smtp_oauth_client_auth,
            timeout=s.smtp_timeout,
        )
    return None


def _problems(s: SettingFields) -> list[tuple[str, str | None]]:
    google, url = s.smtp_oauth_service_account_file, s.smtp_oauth_token_url
    smtp, imap = s.smtp_auth == "xoauth2", bool(s.imap_host) and s.imap_auth == "xoauth2"
    needed = smtp or imap
    login = "NOTIFICATIONS_SMTP_AUTH" if smtp else "NOTIFICATIONS_IMAP_AUTH"
    grant = needed and not google
    with_grant = "with NOTIFICATIONS_SMTP_OAUTH_TOKEN_URL"

    def _required(missing: bool, what: str) -> str | None:
        return f"is required with {login}=xoauth2 ({what})" if missing else None

    return [
        ("smtp_username", _required(smtp and not s.smtp_username, "the mailbox to log in as")),
        (
            "smtp_oauth_token_url",
            _required(grant and not url, "or NOTIFICATIONS_SMTP_OAUTH_SERVICE_ACCOUNT_FILE")
            or ("must be an http:// or https:// URL" if url and not _URL.fullmatch(url) else None)
            or ("cannot be combined with a service account file" if url and google else None),
        ),
        ("smtp_oauth_client_id", _required(bool(url) and not s.smtp_oauth_client_id, with_grant)),
        ("smtp_oauth_client_secret", _required(bool(url) and not s.smtp_oauth_client_secret, with_grant)),
        ("smtp_oauth_service_account_file", _key_file_problem(google) if google else None),
    ]


def _key_file_problem(path: str) -> str | None:
    try:
        key = json.loads(Path(path).read_text())
    except (OSError, ValueError) as error:
        return f"cannot be read as a JSON key: {error}"
    if not isinstance(key, dict) or key.get("type") != "service_account":
        return 'is not a service account key (its "type" must be "service_account")'
    missing = [name for name in _KEY_FIELDS if not key.get(name)]
    return f"lacks {', '.join(missing)}" if missing else None
