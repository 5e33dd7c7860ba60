"""Settings: read once from NOTIFICATIONS_* environment variables (and an optional TOML file)."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from bootstrap.identity_provider import oidc_problem
from bootstrap.mailbox_settings import mailbox_problem
from bootstrap.oauth_settings import oauth_problem
from bootstrap.origins import origins, origins_problem
from bootstrap.provider_settings import provider_problem
from bootstrap.store_options import (
    PostgresTarget,
    cipher_key_problem,
    postgres_target,
    postgres_url_problem,
)
from domain.addresses import Mailbox

PREFIX = "NOTIFICATIONS_"
FILE_VARIABLE = f"{PREFIX}SETTINGS_FILE"
Positive = Annotated[float, Meta(gt=0)]
Algorithm = Literal["HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256", "ES384", "ES512"]
EmailProvider = Literal["outbox", "smtp", "discard", "none"]
PhoneProvider = Literal["outbox", "twilio", "discard", "none"]


class Settings(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, frozen=True):
    data_dir: str = "var"
    event_store: Literal["sqlite", "memory", "postgres"] = "sqlite"
    sqlite_path: str = ""
    postgres_url: str = ""
    postgres_host: str = "localhost"
    postgres_port: Annotated[int, Meta(ge=1, le=65535)] = 5432
    postgres_dbname: str = "notifications"
    postgres_user: str = "notifications"
    postgres_password: str = ""
    postgres_schema: Annotated[str, Meta(pattern="^[a-z_][a-z0-9_]{0,62}$")] = "public"
    postgres_pool_size: Annotated[int, Meta(ge=1, le=100)] = 5
    postgres_connect_timeout: Annotated[int, Meta(ge=1, le=300)] = 5
    postgres_create_tables: bool = True
    cipher_key: str = ""
    queue: Literal["inprocess", "sqs", "azure"] = "inprocess"
    queue_visibility_timeout: Annotated[int, Meta(ge=5, le=43_200)] = 30
    sqs_queue_url: str = ""
    sqs_region: str = ""
    sqs_endpoint_url: str = ""
    sqs_dead_letter_queue_url: str = ""
    azure_connection_string: str = ""
    azure_account_url: str = ""
    azure_credential: str = ""
    azure_queue_name: str = "notifications"
    azure_poison_queue_name: str = ""
    relay: bool = True
    email_provider: EmailProvider = "outbox"
    sms_provider: PhoneProvider = "outbox"
    whatsapp_provider: PhoneProvider = "outbox"
    outbox_dir: str = ""
    email_from: str = "Notifications <notifications@localhost.localdomain>"
    email_receipts_to: str = ""
    smtp_host: str = ""
    smtp_port: Annotated[int, Meta(ge=0, le=65535)] = 0
    smtp_tls: Literal["starttls", "implicit", "none"] = "starttls"
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_ca_file: str = ""
    smtp_timeout: Positive = 20.0
    smtp_connections: Annotated[int, Meta(ge=1, le=1000)] = 10
    smtp_auth: Literal["password", "xoauth2"] = "password"
    smtp_oauth_token_url: str = ""
    smtp_oauth_client_id: str = ""
    smtp_oauth_client_secret: str = ""
    smtp_oauth_client_auth: Literal["client_secret_basic", "client_secret_post"] = "client_secret_basic"
    smtp_oauth_scope: str = ""
    smtp_oauth_service_account_file: str = ""
    # the bounce mailbox (issue 18): delivery reports and read receipts read back over IMAP
    imap_host: str = ""
    imap_port: Annotated[int, Meta(ge=0, le=65535)] = 0
    imap_tls: Literal["implicit", "starttls", "none"] = "implicit"
    imap_username: str = ""
    imap_password: str = ""
    imap_auth: Literal["password", "xoauth2"] = "password"
    imap_folder: Annotated[str, Meta(min_length=1)] = "INBOX"
    imap_processed_folder: Annotated[str, Meta(min_length=1)] = "Processed"
    imap_poll_interval: Positive = 60.0
    imap_ca_file: str = ""
    email_bounce_window: Annotated[float, Meta(ge=0)] = 3600.0
    twilio_account_sid: Annotated[str, Meta(pattern="^(AC[0-9a-fA-F]{32})?$")] = ""
    twilio_auth_token: str = ""
    twilio_api_key_sid: Annotated[str, Meta(pattern="^(SK[0-9a-fA-F]{32})?$")] = ""
    twilio_api_key_secret: str = ""
    twilio_sms_from: str = ""
    twilio_whatsapp_from: str = ""
    twilio_status_callback_url: str = ""
    twilio_api_base_url: str = ""
    twilio_timeout: Positive = 15.0
    jwt_algorithm: Algorithm = "HS256"
    jwt_secret: str = ""
    jwt_private_key_file: str = ""
    jwt_public_key_file: str = ""
    jwt_issuer: str = "notifications"
    jwt_audience: str = "notifications-api"
    oidc_issuer: str = ""
    oidc_audience: str = ""
    oidc_client_claim: str = "azp"
    max_attempts: Annotated[int, Meta(ge=1, le=100)] = 5
    retry_base_delay: Positive = 1.0
    retry_max_delay: Positive = 300.0
    worker_concurrency: Annotated[int, Meta(ge=1, le=1000)] = 100
    attempt_timeout: Positive = 30.0
    host: str = "127.0.0.1"
    port: Annotated[int, Meta(ge=0, le=65535)] = 8000
    max_request_bytes: Annotated[int, Meta(ge=1024)] = 1_048_576
    http_max_header_bytes: Annotated[int, Meta(ge=1024)] = 16_384
    http_header_timeout: Positive = 10.0
    http_keep_alive_timeout: Positive = 5.0
    revocation_refresh: Positive = 1.0
    shutdown_timeout: Positive = 30.0
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["auto", "json", "console"] = "auto"
    benchmark_baseline: bool = False
    # browsers: CORS and the demo page (docs/frontend.md)
    cors_allow_origins: str = ""
    demo: bool = False
    demo_api_origins: str = ""
    # Apache Fineract's message gateway (docs/fineract.md)
    fineract: bool = False
    fineract_path: Annotated[str, Meta(pattern=r"^/([A-Za-z0-9._~-]+(/[A-Za-z0-9._~-]+)*)?$")] = "/"
    fineract_default_country_code: Annotated[str, Meta(pattern="^([1-9][0-9]{0,2})?$")] = ""
    # signed webhooks (docs/webhooks.md)
    webhook_allow_private: bool = False
    webhook_timeout: Annotated[float, Meta(gt=0, le=300)] = 15.0
    webhook_concurrency: Annotated[int, Meta(ge=1, le=1000)] = 10
    # what an operator watches (docs/operations.md)
    metrics: bool = True
    metrics_token: str = ""

    def __post_init__(self) -> None:
        if problem := provider_problem(self) or mailbox_problem(self):
            raise ValueError(problem)
        if problem := oauth_problem(self):
            raise ValueError(problem)
        if problem := postgres_url_problem(self.postgres_url):
            raise ValueError(f"{problem} - at `$.postgres_url`")
        if problem := cipher_key_problem(self.cipher_key):
            raise ValueError(f"{problem} - at `$.cipher_key`")
        if self.jwt_secret and len(self.jwt_secret) < 32:
            raise ValueError("must be at least 32 characters - at `$.jwt_secret`")
        if not self.jwt_algorithm.startswith("HS") and not self.jwt_public_key_file:
            raise ValueError(f"is required with {self.jwt_algorithm} - at `$.jwt_public_key_file`")
        if problem := oidc_problem(self):
            raise ValueError(problem)
        if self.queue == "sqs" and not self.sqs_queue_url:
            raise ValueError("is required with NOTIFICATIONS_QUEUE=sqs - at `$.sqs_queue_url`")
        if self.queue == "azure" and not (self.azure_connection_string or self.azure_account_url):
            raise ValueError(
                "or NOTIFICATIONS_AZURE_ACCOUNT_URL is required with NOTIFICATIONS_QUEUE=azure"
                " - at `$.azure_connection_string`"
            )
        if problem := origins_problem(self.cors_allow_origins, allow_any=True):
            raise ValueError(f"{problem} - at `$.cors_allow_origins`")
        if problem := origins_problem(self.demo_api_origins, allow_any=False):
            raise ValueError(f"{problem} - at `$.demo_api_origins`")

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir)

    @property
    def sqlite_file(self) -> Path:
        return Path(self.sqlite_path) if self.sqlite_path else self.data_path / "events.sqlite"

    @property
    def postgres(self) -> PostgresTarget:
        return postgres_target(
            self.postgres_url,
            self.postgres_host,
            self.postgres_port,
            self.postgres_dbname,
            self.postgres_user,
            self.postgres_password,
        )

    @property
    def sender(self) -> Mailbox:
        return Mailbox.parse(self.email_from)

    @property
    def receipts_to(self) -> Mailbox | None:
        return Mailbox.parse(self.email_receipts_to) if self.email_receipts_to else None

    @property
    def outbox_path(self) -> Path:
        return Path(self.outbox_dir) if self.outbox_dir else self.data_path / "outbox"

    @property
    def cors_origins(self) -> tuple[str, ...]:
        return origins(self.cors_allow_origins)

    @property
    def demo_connect_origins(self) -> tuple[str, ...]:
        return origins(self.demo_api_origins)


class SettingsError(ValueError):
    """A setting is missing or wrong; the message names it in one line."""


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    if file := environ.get(FILE_VARIABLE):
        values.update(_read_file(Path(file)))
    for name, value in environ.items():
        if name.startswith(PREFIX) and name != FILE_VARIABLE:
            values[name.removeprefix(PREFIX).lower()] = value
    try:
        return msgspec.convert(values, Settings, strict=False)
    except msgspec.ValidationError as error:
        raise SettingsError(_one_line(str(error))) from None


def _read_file(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise SettingsError(f"cannot read {FILE_VARIABLE}={path}: {error}") from None


def _one_line(message: str) -> str:
    # msgspec says "Expected `int`, got `str` - at `$.port`"; name the variable instead.
    if unknown := re.fullmatch(r"Object contains unknown field `(\w+)`.*", message):
        return f"unknown setting {PREFIX}{unknown[1].upper()}"
    reason, _, where = message.rpartition(" - at ")
    field = where.strip("`").removeprefix("$.")
    return f"invalid setting {PREFIX}{field.upper()}: {reason}"
