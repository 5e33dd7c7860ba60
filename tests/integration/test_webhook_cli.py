"""`notifications webhook`, run as users run it: set, list, remove; events in the log, no call made."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli import notifications, without_where
from tests.webhook_receiver import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    receiver.start()
    yield receiver
    receiver.stop()


def test_set_prints_the_secret_once_and_remove_forgets_the_webhook(
    tmp_path: Path, receiver: Receiver
) -> None:
    env = {"NOTIFICATIONS_DATA_DIR": str(tmp_path)}
    first = notifications("webhook", "set", "--client", "bank", "--url", receiver.url(), env=env)
    assert first.returncode == 0, first.stderr
    secret = first.stdout.strip()
    assert secret.startswith("whsec_") and first.stdout.count("whsec_") == 1 and secret not in first.stderr
    again = notifications("webhook", "set", "--client", "bank", "--url", receiver.url(), env=env)
    assert again.stdout.strip() != secret
    listed = notifications("webhook", "list", env=env)
    assert receiver.url() in listed.stdout and "whsec_" not in listed.stdout
    removed = notifications("webhook", "remove", "--client", "bank", env=env)
    assert removed.returncode == 0 and removed.stdout == "webhook of bank removed\n"
    assert "bank" not in notifications("webhook", "list", env=env).stdout
    exported = notifications("audit", "export", env=env)
    events = [json.loads(line) for line in exported.stdout.splitlines()]
    assert [(e["aggregate"], e["type"]) for e in events] == [
        ("Webhooks", "Opened"),
        ("Webhooks", "WebhookSet"),
        ("Webhooks", "WebhookSet"),
        ("Webhooks", "WebhookRemoved"),
    ]
    assert [e["client"] for e in events] == [None, "bank", "bank", "bank"]
    assert "whsec_" not in exported.stdout
    assert receiver.received == []  # no test ping: the address is checked when a message is sent


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["set", "--client", "bank", "--url", "ftp://bank.example/hooks"], "http:// or https://"),
        (["set", "--client", "a bank", "--url", "https://bank.example/hooks"], "client name"),
        (["remove", "--client", "bank"], "bank has no webhook"),
    ],
)
def test_bad_input_is_told_in_one_line(tmp_path: Path, args: list[str], says: str) -> None:
    answer = notifications("webhook", *args, env={"NOTIFICATIONS_DATA_DIR": str(tmp_path)})
    assert answer.returncode == 2 and answer.stdout == ""
    [line] = without_where(answer.stderr)
    assert line.startswith("notifications: ") and says in line
