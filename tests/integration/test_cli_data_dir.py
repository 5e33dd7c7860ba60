"""Each command says on stderr which data directory and event store it used (item 22 of issue 17)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.cli import ROOT, notifications


def test_token_issue_names_the_absolute_data_directory_on_stderr_and_prints_only_the_token(
    tmp_path: Path,
) -> None:
    relative = os.path.relpath(tmp_path, ROOT)

    issued = notifications("token", "issue", "--client", "web", env={"NOTIFICATIONS_DATA_DIR": relative})

    assert issued.returncode == 0, issued.stderr
    assert len(issued.stdout.splitlines()) == 1 and issued.stdout.count(".") == 2  # the JWT alone
    assert (
        f"notifications: data directory {tmp_path}, event store SQLite {tmp_path / 'events.sqlite'}"
        in issued.stderr.splitlines()
    )


@pytest.mark.parametrize(
    "command",
    [
        ("token", "list"),
        ("token", "revoke", "0" * 32),
        ("db", "migrate"),
        ("audit", "export"),
        ("audit", "replay"),
        ("audit", "verify"),
    ],
)
def test_every_token_db_and_audit_command_names_its_data_directory_once(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    done = notifications(*command, env={"NOTIFICATIONS_DATA_DIR": str(tmp_path)})

    assert [line for line in done.stderr.splitlines() if "data directory" in line] == [
        f"notifications: data directory {tmp_path}, event store SQLite {tmp_path / 'events.sqlite'}"
    ]


def test_the_line_names_a_postgresql_store_without_its_password(tmp_path: Path) -> None:
    done = notifications(
        "token",
        "list",
        env={
            "NOTIFICATIONS_DATA_DIR": str(tmp_path),
            "NOTIFICATIONS_EVENT_STORE": "postgres",
            "NOTIFICATIONS_POSTGRES_URL": "postgresql://bank:s3cret-pw@127.0.0.1:1/ledger",
            "NOTIFICATIONS_POSTGRES_CONNECT_TIMEOUT": "1",
        },
    )

    assert f"notifications: data directory {tmp_path}, event store PostgreSQL bank@127.0.0.1:1/ledger" in (
        done.stderr.splitlines()
    )
    assert "s3cret-pw" not in done.stderr + done.stdout
