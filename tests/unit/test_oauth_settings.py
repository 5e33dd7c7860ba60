"""The OAuth 2.0 settings of SMTP are checked at start-up, each problem in one line naming the setting,
and pick the token source they describe."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adapters.google_tokens import ServiceAccountTokens
from adapters.oauth_tokens import ClientCredentialsTokens
from bootstrap.oauth_settings import oauth_tokens
from bootstrap.settings import Settings, SettingsError, load_settings
from domain.messages import Channel
from entrypoints.processes import container_for
from tests.cli import notifications

GRANT = {
    "SMTP_AUTH": "xoauth2",
    "SMTP_USERNAME": "no-reply@bank.example",
    "SMTP_OAUTH_TOKEN_URL": "https://login.microsoftonline.com/tenant/oauth2/v2.0/token",
    "SMTP_OAUTH_CLIENT_ID": "app",
    "SMTP_OAUTH_CLIENT_SECRET": "secret",
}
PREFIX = "invalid setting NOTIFICATIONS_"


def load(**values: str) -> Settings:
    return load_settings({f"NOTIFICATIONS_{name}": value for name, value in values.items()})


def key_file(folder: Path, **changes: object) -> str:
    key = {"type": "service_account", "client_email": "a@b.iam", "private_key": "k", "token_uri": "https://t"}
    path = folder / "key.json"
    path.write_text(json.dumps(key | changes))
    return str(path)


@pytest.mark.parametrize(
    ("values", "line"),
    [
        (
            GRANT | {"SMTP_USERNAME": ""},
            "SMTP_USERNAME: is required with NOTIFICATIONS_SMTP_AUTH=xoauth2 (the mailbox to log in as)",
        ),
        (
            GRANT | {"SMTP_OAUTH_TOKEN_URL": ""},
            "SMTP_OAUTH_TOKEN_URL: is required with NOTIFICATIONS_SMTP_AUTH=xoauth2"
            " (or NOTIFICATIONS_SMTP_OAUTH_SERVICE_ACCOUNT_FILE)",
        ),
        (
            GRANT | {"SMTP_OAUTH_TOKEN_URL": "login.microsoftonline.com/token"},
            "SMTP_OAUTH_TOKEN_URL: must be an http:// or https:// URL",
        ),
        (
            GRANT | {"SMTP_OAUTH_CLIENT_SECRET": ""},
            "SMTP_OAUTH_CLIENT_SECRET: is required with NOTIFICATIONS_SMTP_AUTH=xoauth2"
            " (with NOTIFICATIONS_SMTP_OAUTH_TOKEN_URL)",
        ),
        (
            GRANT | {"SMTP_OAUTH_CLIENT_ID": ""},
            "SMTP_OAUTH_CLIENT_ID: is required with NOTIFICATIONS_SMTP_AUTH=xoauth2"
            " (with NOTIFICATIONS_SMTP_OAUTH_TOKEN_URL)",
        ),
        (GRANT | {"SMTP_AUTH": "oauth"}, "SMTP_AUTH: Invalid enum value 'oauth'"),
        (
            GRANT | {"SMTP_OAUTH_CLIENT_AUTH": "private_key_jwt"},
            "SMTP_OAUTH_CLIENT_AUTH: Invalid enum value 'private_key_jwt'",
        ),
    ],
)
def test_a_wrong_or_missing_oauth_setting_is_named_in_one_line(values: dict[str, str], line: str) -> None:
    with pytest.raises(SettingsError) as raised:
        load(**values)
    assert str(raised.value) == PREFIX + line


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"type": "authorized_user"}, 'is not a service account key (its "type" must be "service_account")'),
        ({"private_key": ""}, "lacks private_key"),
    ],
)
def test_a_file_that_is_not_a_service_account_key_is_named(
    tmp_path: Path, changes: dict[str, str], problem: str
) -> None:
    settings = {"SMTP_AUTH": "xoauth2", "SMTP_USERNAME": "no-reply@bank.example"}
    with pytest.raises(SettingsError) as raised:
        load(**settings, SMTP_OAUTH_SERVICE_ACCOUNT_FILE=key_file(tmp_path, **changes))
    assert str(raised.value) == f"{PREFIX}SMTP_OAUTH_SERVICE_ACCOUNT_FILE: {problem}"


def test_a_missing_key_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as raised:
        load(SMTP_OAUTH_SERVICE_ACCOUNT_FILE=str(tmp_path / "nope.json"))
    assert str(raised.value).startswith(
        f"{PREFIX}SMTP_OAUTH_SERVICE_ACCOUNT_FILE: cannot be read as a JSON key"
    )


def test_a_token_url_and_a_service_account_do_not_mix(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as raised:
        load(**GRANT, SMTP_OAUTH_SERVICE_ACCOUNT_FILE=key_file(tmp_path))
    assert (
        str(raised.value) == f"{PREFIX}SMTP_OAUTH_TOKEN_URL: cannot be combined with a service account file"
    )


def test_xoauth2_needs_no_password_and_password_logins_still_do() -> None:
    assert load(**GRANT).smtp_password == ""
    with pytest.raises(SettingsError):
        load(SMTP_USERNAME="me")


def test_the_settings_pick_the_token_source() -> None:
    assert oauth_tokens(load()) is None
    tokens = oauth_tokens(load(**GRANT, SMTP_OAUTH_CLIENT_AUTH="client_secret_post"))
    assert isinstance(tokens, ClientCredentialsTokens)
    assert tokens.token_url == GRANT["SMTP_OAUTH_TOKEN_URL"]


def test_a_service_account_key_makes_google_tokens(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    pem = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        .private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        .decode()
    )
    settings = load(
        SMTP_AUTH="xoauth2",
        SMTP_USERNAME="no-reply@bank.example",
        SMTP_OAUTH_SERVICE_ACCOUNT_FILE=key_file(tmp_path, private_key=pem),
    )
    assert isinstance(oauth_tokens(settings), ServiceAccountTokens)


def test_the_smtp_provider_logs_in_with_the_shared_token_source() -> None:
    container = container_for(load(**GRANT, EMAIL_PROVIDER="smtp", SMTP_HOST="smtp.office365.com"))
    smtp = container.delivery_providers()[Channel.EMAIL].provider  # type: ignore[attr-defined]  # paced
    assert smtp.oauth is not None  # type: ignore[attr-defined]
    assert smtp.oauth.tokens is container.oauth_tokens()  # type: ignore[attr-defined]
    assert (smtp.server.username, smtp.oauth.username) == ("", "no-reply@bank.example")  # type: ignore[attr-defined]


def test_a_bad_oauth_setting_stops_a_command_with_one_line_naming_it(tmp_path: Path) -> None:
    env = {f"NOTIFICATIONS_{name}": value for name, value in (GRANT | {"SMTP_OAUTH_CLIENT_ID": ""}).items()}
    answer = notifications("token", "list", env={"NOTIFICATIONS_DATA_DIR": str(tmp_path), **env})
    assert (answer.returncode, answer.stdout) == (2, "")
    assert answer.stderr.splitlines() == [
        "notifications: invalid setting NOTIFICATIONS_SMTP_OAUTH_CLIENT_ID: is required with"
        " NOTIFICATIONS_SMTP_AUTH=xoauth2 (with NOTIFICATIONS_SMTP_OAUTH_TOKEN_URL)"
    ]
