from __future__ import annotations

import json
import subprocess
import sys

import pytest

PROGRAM = """
import structlog
from bootstrap.logging import configure_logging

configure_logging("info", "{format}")

def deliver(token="SECRET-TOKEN-123", body="Your code is 4815"):
    raise RuntimeError("provider failed")

try:
    deliver()
except RuntimeError:
    structlog.get_logger("notifications").exception("delivery.failed", notification_id="n-1")
"""


@pytest.mark.parametrize("output_format", ["json", "console"])
def test_a_logged_traceback_shows_no_local_values(output_format: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROGRAM.format(format=output_format)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "provider failed" in result.stderr
    assert "SECRET-TOKEN-123" not in result.stderr
    assert "Your code is 4815" not in result.stderr


def test_json_logs_are_one_object_a_line() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROGRAM.format(format="json")], capture_output=True, text=True, check=True
    )
    [line] = result.stderr.splitlines()
    record = json.loads(line)
    assert (record["event"], record["level"], record["notification_id"]) == (
        "delivery.failed",
        "error",
        "n-1",
    )


ORDERED = """
import asyncio, logging
import structlog
from bootstrap.logging import configure_logging

configure_logging("info", "json")

async def main():
    structlog.get_logger("notifications").info("first")
    logging.getLogger("some.library").warning("second")
    structlog.get_logger("notifications").debug("below the level")
    await asyncio.sleep(0)
    structlog.get_logger("notifications").info("third")

asyncio.run(main())
"""


def test_the_services_lines_and_other_libraries_records_keep_their_order() -> None:
    result = subprocess.run([sys.executable, "-c", ORDERED], capture_output=True, text=True, check=True)
    records = [json.loads(line) for line in result.stderr.splitlines()]
    assert [(r["event"], r["level"]) for r in records] == [
        ("first", "info"),
        ("second", "warning"),
        ("third", "info"),
    ]
    assert records[1]["logger"] == "some.library"
