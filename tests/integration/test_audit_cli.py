"""`notifications audit export` and `replay` as an auditor runs them, on a SQLite store."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import pytest

from adapters.event_store import EventSourcedStore
from domain.access import AccessTokens, Scope
from domain.messages import PhoneNumber, Sms
from domain.notification import Notification, Receipt
from tests.cli import notifications, without_where

SMS = Sms(PhoneNumber("+15551234567"), "Your code is 1234")


@pytest.fixture
async def store_file(tmp_path: Path) -> Path:
    """A store holding a token of "shop", a delivered notification of "bank" and a pending one of "shop"."""
    path, now = tmp_path / "events.sqlite", datetime.now(UTC)
    store, register = EventSourcedStore.sqlite(path), AccessTokens()
    register.issue(uuid4(), "shop", [Scope.SEND], now, now + timedelta(days=1))
    delivered, pending = (
        Notification.request(uuid4(), "bank", SMS),
        Notification.request(uuid4(), "shop", SMS),
    )
    delivered.deliver(Receipt("fake", "m-1"))
    await store.save(register, delivered, pending)
    store.close()
    return path


def audit(store_file: Path, *args: str) -> tuple[int, str, str]:
    done = notifications("audit", *args, env={"NOTIFICATIONS_SQLITE_PATH": str(store_file)})
    return done.returncode, done.stdout, "".join(f"{line}\n" for line in without_where(done.stderr))


def test_an_export_to_a_file_holds_one_json_line_per_event_of_the_client(store_file: Path) -> None:
    output = store_file.parent / "shop.jsonl"
    assert audit(store_file, "export", "--client", "shop", "--output", str(output)) == (0, "", "")
    lines = [json.loads(line) for line in output.read_text().splitlines()]
    assert [(line["aggregate"], line["type"], line["client"]) for line in lines] == [
        ("AccessTokens", "TokenIssued", "shop"),
        ("Notification", "Requested", "shop"),
    ]
    requested = lines[1]
    assert set(requested) == {
        "position",
        "aggregate",
        "aggregate_id",
        "version",
        "time",
        "type",
        "client",
        "data",
        "hash",
    }
    assert requested["data"]["message"] == {"to": "+15551234567", "body": "Your code is 1234"}
    assert requested["version"] == 1 and len(requested["hash"]) == 64
    assert datetime.fromisoformat(requested["time"]).tzinfo is not None


def test_an_export_after_a_position_starts_after_it(store_file: Path) -> None:
    _, everything, _ = audit(store_file, "export")
    positions = [json.loads(line)["position"] for line in everything.splitlines()]
    _, rest, _ = audit(store_file, "export", "--since", str(positions[1]), "--until", str(positions[3]))
    assert [json.loads(line)["position"] for line in rest.splitlines()] == positions[2:4]


def test_replay_prints_the_counts_per_channel_and_status(store_file: Path) -> None:
    assert audit(store_file, "replay", "--pending-older-than", "1d") == (
        0,
        "replayed 5 events, up to position 5\n"
        "\n"
        "channel       pending  delivered    refused\n"
        "email               0          0          0\n"
        "sms                 1          1          0\n"
        "whatsapp            0          0          0\n"
        "\n"
        "tokens: 1 issued, 0 revoked\n"
        "pending for more than 1d: 0\n"
        "inconsistencies: none\n",
        "",
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["export", "--since", "-1"],
            "notifications audit export: argument --since: '-1' is not a log position",
        ),
        (
            ["replay", "--pending-older-than", "soon"],
            "notifications audit replay: argument --pending-older-than: 'soon' is not a duration",
        ),
    ],
)
def test_bad_input_is_refused_in_one_line(store_file: Path, args: list[str], message: str) -> None:
    code, out, err = audit(store_file, *args)
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1 and err.startswith(message)


def test_an_export_read_only_in_part_ends_quietly(tmp_path: Path) -> None:
    store = EventSourcedStore.sqlite(tmp_path / "events.sqlite")
    sms = Sms(PhoneNumber("+15551234567"), "Your code is 1234")
    many = [Notification.request(uuid4(), "bank", sms) for _ in range(2000)]  # beyond a pipe's buffer
    asyncio.run(store.save(*many))
    store.close()
    env = {**os.environ, "NOTIFICATIONS_DATA_DIR": str(tmp_path)}
    command = [sys.executable, "-m", "entrypoints.cli"]
    export = subprocess.Popen(
        [*command, "audit", "export"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert export.stdout is not None and export.stderr is not None
    export.stdout.readline()
    export.stdout.close()
    assert export.wait(30) == 0
    assert without_where(export.stderr.read().decode()) == []
