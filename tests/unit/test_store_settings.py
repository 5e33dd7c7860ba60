"""The event store's settings: PostgreSQL by URL or by parts, and the cipher key, checked at start-up."""

from __future__ import annotations

import pytest

from bootstrap.settings import SettingsError, load_settings
from bootstrap.store_options import PostgresTarget


def settings(**values: str) -> dict[str, str]:
    return {f"NOTIFICATIONS_{name.upper()}": value for name, value in values.items()}


def test_postgres_is_reached_through_its_separate_settings() -> None:
    loaded = load_settings(settings(event_store="postgres", postgres_host="db", postgres_password="pw"))
    assert loaded.postgres == PostgresTarget("db", 5432, "notifications", "notifications", "pw")


def test_each_part_a_postgres_url_names_wins_over_its_separate_setting() -> None:
    loaded = load_settings(
        settings(
            postgres_url="postgresql://app:s%40cret@db.internal:6432/events",
            postgres_host="ignored",
            postgres_password="ignored",
        )
    )
    assert loaded.postgres == PostgresTarget("db.internal", 6432, "events", "app", "s@cret")


def test_a_url_without_a_password_takes_it_from_its_own_setting() -> None:
    loaded = load_settings(settings(postgres_url="postgresql://app@db/events", postgres_password="pw"))
    assert loaded.postgres == PostgresTarget("db", 5432, "events", "app", "pw")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {"postgres_url": "mysql://app:hunter2@db/events"},
            "invalid setting NOTIFICATIONS_POSTGRES_URL: must look like "
            "postgresql://user:password@host:port/database",
        ),
        (
            {"postgres_url": "postgresql://app:hunter2@db:99999/events"},
            "invalid setting NOTIFICATIONS_POSTGRES_URL: has a port that is not a number from 1 to 65535",
        ),
        (
            {"postgres_url": "postgresql://app:hunter2@db/events?sslmode=require"},
            "invalid setting NOTIFICATIONS_POSTGRES_URL: takes no options after ? or #; "
            "use the separate NOTIFICATIONS_POSTGRES_* settings",
        ),
        (
            {"cipher_key": "hunter2"},
            "invalid setting NOTIFICATIONS_CIPHER_KEY: must be 16, 24 or 32 random bytes in base64 "
            "(make one with: openssl rand -base64 32)",
        ),
        (
            {"event_store": "mysql"},
            "invalid setting NOTIFICATIONS_EVENT_STORE: Invalid enum value 'mysql'",
        ),
    ],
)
def test_a_bad_store_setting_is_named_in_one_line_that_never_shows_a_secret(
    values: dict[str, str], message: str
) -> None:
    with pytest.raises(SettingsError) as error:
        load_settings(settings(**values))
    assert str(error.value) == message
    assert "hunter2" not in str(error.value)


def test_a_schema_name_must_be_a_plain_identifier() -> None:
    with pytest.raises(SettingsError, match=r"^invalid setting NOTIFICATIONS_POSTGRES_SCHEMA: "):
        load_settings(settings(postgres_schema='x"; DROP TABLE'))


def test_a_well_formed_cipher_key_is_accepted() -> None:
    key = "q6jh7sHn4Xk0m8Q1aT0Jv2kYwXoZ9b3c5d7e9f1g2h4="
    assert load_settings(settings(cipher_key=key)).cipher_key == key
