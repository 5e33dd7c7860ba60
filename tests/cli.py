"""The `notifications` command, run as users run it: in a process of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def notifications(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    settings = {name: value for name, value in os.environ.items() if not name.startswith("NOTIFICATIONS_")}
    return subprocess.run(
        [sys.executable, "-m", "entrypoints.cli", *args],
        env=settings | env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def without_where(stderr: str) -> list[str]:
    """stderr's lines but the one naming the data directory (tests/integration/test_cli_data_dir.py)."""
    return [line for line in stderr.splitlines() if not line.startswith("notifications: data directory ")]
