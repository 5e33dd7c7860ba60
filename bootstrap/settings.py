"""Settings: read once from NOTIFICATIONS_* environment variables (and an optional TOML file)."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import msgspec

from bootstrap.identity_provider import oidc_problem
from bootstrap.limit_settings import client_rate, limits_problem
from bootstrap.mailbox_settings import mailbox_problem
from bootstrap.oauth_settings import oauth_problem
from bootstrap.origins import origins, origins_problem
from bootstrap.provider_settings import provider_problem
from bootstrap.setting_fields import SettingFields
from bootstrap.store_options import (
    PostgresTarget,
    cipher_key_problem,
    postgres_target,
    postgres_url_problem,
)
from domain.addresses import Mailbox
from domain.limits import Rate
from domain.messages import Channel

PREFIX = "NOTIFICATIONS_"
FILE_VARIABLE = f"{PREFIX}SETTINGS_FILE"


class Settings(SettingFields, kw_only=True, forbid_unknown_fields=True, frozen=True):
    """The fields of `SettingFields`, checked together at construction (a problem is a ValueError
    naming the setting, as msgspec words it), with the values derived from them."""

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
        if problem := limits_problem(self.client_rate_limit, self.client_rate_burst):
            raise ValueError(problem)
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
    def postgres_connection(self) -> dict[str, Any]:
        """psycopg's connection arguments for the PostgreSQL server of the event store."""
        target = self.postgres
        return {
            "host": target.host,
            "port": target.port,
            "dbname": target.dbname,
            "user": target.user,
            "password": target.password,
            "connect_timeout": self.postgres_connect_timeout,
        }

    @property
    def sender(self) -> Mailbox:
        return Mailbox.parse(self.email_from)

    @property
    def receipts_to(self) -> Mailbox | None:
        return Mailbox.parse(self.email_receipts_to) if self.email_receipts_to else None

    @property
    def provider_names(self) -> dict[Channel, str]:
        """The provider each channel is delivered by (`outbox`, `smtp`, `twilio`, `discard`, `none`)."""
        return {
            Channel.EMAIL: self.email_provider,
            Channel.SMS: self.sms_provider,
            Channel.WHATSAPP: self.whatsapp_provider,
        }

    @property
    def outbox_path(self) -> Path:
        return Path(self.outbox_dir) if self.outbox_dir else self.data_path / "outbox"

    @property
    def client_rate(self) -> Rate | None:
        return client_rate(self.client_rate_limit, self.client_rate_burst)

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
