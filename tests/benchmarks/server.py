"""The service under benchmark: `notifications serve` as users run it, in its own process.

It logs as it does by default (info: one access-log line per request, JSON lines on stderr), to
`server.log` in the store's folder, as a service manager would collect them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.benchmarks.stores import BenchStore
from tests.queue_servers import free_port

ROOT = Path(__file__).resolve().parents[2]


class BenchServer:
    def __init__(self, store: BenchStore, worker: bool = True, provider: str = "outbox") -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "NOTIFICATIONS_DATA_DIR": str(store.folder),
            **{f"NOTIFICATIONS_{channel}_PROVIDER": provider for channel in ("EMAIL", "SMS", "WHATSAPP")},
            **{f"NOTIFICATIONS_{k.upper()}": v for k, v in store.settings.items()},
        }
        self.worker = worker
        self.log_path = store.folder / "server.log"
        self.process: subprocess.Popen[bytes] | None = None

    def cli(self, *args: str) -> str:
        command = [sys.executable, "-m", "entrypoints.cli", *args]
        return subprocess.run(
            command, env=self.env, cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout

    def token(self) -> str:
        return self.cli("token", "issue", "--client", "bench", "--expires-in", "1d").strip()

    def __enter__(self) -> BenchServer:
        command = [sys.executable, "-m", "entrypoints.cli", "serve", "--port", str(self.port)]
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command + ([] if self.worker else ["--no-worker"]), env=self.env, cwd=ROOT, stderr=log
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/health/ready", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError("the service did not start")

    def peak_memory_mib(self) -> float:
        return self._memory_mib("VmHWM:")

    def memory_mib(self) -> float:
        return self._memory_mib("VmRSS:")

    def _memory_mib(self, field: str) -> float:
        assert self.process is not None
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        kib = next(int(line.split()[1]) for line in status.splitlines() if line.startswith(field))
        return round(kib / 1024, 1)

    def __exit__(self, *_: object) -> None:
        assert self.process is not None
        self.process.terminate()
        self.process.wait(60)
