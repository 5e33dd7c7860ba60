"""What can be set: every setting's name, type, range and default (`bootstrap/settings.py` checks
the settings together, derives paths and addresses from them, and reads them from the environment).

The checks of one concern (`provider_settings.py`, `mailbox_settings.py`, ...) read these fields;
this module imports none of them, so that the dependencies point one way.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta

Positive = Annotated[float, Meta(gt=0)]
Algorithm = Literal["HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256", "ES384", "ES512"]
EmailProvider = Literal["outbox", "smtp", "discard", "none"]
PhoneProvider = Literal["outbox", "twilio", "discard", "none"]


class SettingFields(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, frozen=True):
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
    queue: Literal["inprocess", "log", "sqs", "azure"] = "inprocess"
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
    smtp_rate_limit: Annotated[float, Meta(ge=0)] = 0.0  # messages a minute; 0: no limit
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
    twilio_rate_limit: Annotated[float, Meta(ge=0)] = 0.0  # messages a second per sender; 0: no limit
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
    # limits on what clients send (docs/deployment.md); 0 is off
    client_rate_limit: Annotated[float, Meta(ge=0)] = 0.0
    client_rate_burst: Annotated[float, Meta(ge=0)] = 0.0
    recipient_hourly_limit: Annotated[int, Meta(ge=0)] = 0
    # what an operator watches (docs/operations.md)
    metrics: bool = True
    metrics_token: str = ""
