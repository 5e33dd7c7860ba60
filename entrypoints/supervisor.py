"""`notifications serve --processes N`: N API processes accepting on one socket, and a delivery process.

The supervisor binds the port once and hands the listening socket to each API process (`serve --fd`,
`--no-worker`); the kernel gives each new connection to one of them. The delivery process is a
`notifications worker`. Between them the queue is the event log itself (`NOTIFICATIONS_QUEUE=log`)
or a cloud queue; the in-process queue lives in one process's memory, so with it (the default) the
children are given the log instead.

A child that dies is started again a second later; when children die more than `CRASH_LIMIT`
times within `CRASH_WINDOW` seconds, the supervisor stops them all and exits with status 1, for
the service manager to see. SIGTERM or SIGINT is passed to every child, each shuts down gracefully,
and the supervisor exits 0 once all have ended.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import structlog

from bootstrap.container import Container
from bootstrap.metrics import forget_process
from bootstrap.settings import Settings, SettingsError

log = structlog.get_logger("notifications")

COMMAND = [sys.executable, "-m", "entrypoints.cli"]
METRICS_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"  # prometheus-client's multiprocess mode reads it
RESTART_DELAY = 1.0
CRASH_LIMIT, CRASH_WINDOW = 5, 60.0
POLL = 0.2
BACKLOG = 2048


@dataclass
class Child:
    name: str
    command: list[str]
    process: subprocess.Popen[bytes] | None = None
    restart_at: float | None = None


@dataclass
class Family:
    children: list[Child]
    env: dict[str, str]
    pass_fds: tuple[int, ...]
    restart_delay: float = RESTART_DELAY
    crashes: deque[float] = field(default_factory=deque)
    on_death: Callable[[int], None] = lambda pid: None  # told the pid of each child that died

    def start(self, child: Child) -> None:
        # The commands are this program with arguments it made itself. A session of its own keeps
        # a terminal's Ctrl-C from reaching the child as well as the supervisor's SIGTERM: a second
        # signal would make uvicorn skip its graceful shutdown.
        child.process = subprocess.Popen(  # noqa: S603
            child.command, env=self.env, pass_fds=self.pass_fds, start_new_session=True
        )
        child.restart_at = None
        log.info("process.started", process=child.name, pid=child.process.pid)

    def watch(self) -> bool:
        """Starts again the children that died; False once they die too often."""
        now = time.monotonic()
        for child in self.children:
            if child.restart_at is not None and now >= child.restart_at:
                self.start(child)
            elif child.process is not None and child.restart_at is None and child.process.poll() is not None:
                log.error(
                    "process.died", process=child.name, pid=child.process.pid, status=child.process.returncode
                )
                self.on_death(child.process.pid)
                self.crashes.append(now)
                while self.crashes and self.crashes[0] < now - CRASH_WINDOW:
                    self.crashes.popleft()
                if len(self.crashes) > CRASH_LIMIT:
                    return False
                child.restart_at = now + self.restart_delay
        return True

    def stop(self, grace_seconds: float) -> None:
        running = [c.process for c in self.children if c.process is not None and c.process.poll() is None]
        for process in running:
            process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + grace_seconds
        for process in running:
            try:
                process.wait(max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def supervise(container: Container, host: str, port: int, processes: int, deliver: bool) -> int:
    """Runs `processes` API processes (and a delivery process if `deliver`) until SIGTERM or SIGINT;
    returns the exit status. Raises SettingsError when the settings cannot be shared by processes."""
    settings = container.settings()
    refuse_unshareable(settings, processes)
    prepare_shared_files(container)
    listening = listening_socket(host, port)
    metrics = tempfile.mkdtemp(prefix="notifications-metrics-")
    serve = [*COMMAND, "serve", "--no-worker", "--fd", str(listening.fileno()), "--host", host]
    children = [Child(f"api-{n}", [*serve, "--port", str(port)]) for n in range(1, processes + 1)]
    children += [Child("delivery", [*COMMAND, "worker"])] if deliver else []
    environment = child_environment(settings) | {METRICS_VARIABLE: metrics}
    forget = partial(forget_process, directory=metrics)  # a dead child's gauges
    family = Family(children, environment, (listening.fileno(),), on_death=forget)
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    try:
        log.info("supervisor.started", api_processes=processes, delivery=deliver, host=host, port=port)
        for child in children:
            family.start(child)
        healthy = True
        while healthy and not stopping.wait(POLL):
            healthy = family.watch()
        if not healthy:
            log.error("supervisor.crash_loop", limit=CRASH_LIMIT, seconds=CRASH_WINDOW)
        family.stop(settings.shutdown_timeout + 10)
        return 0 if healthy else 1
    finally:
        listening.close()
        shutil.rmtree(metrics, ignore_errors=True)
        log.info("supervisor.stopped")


def child_environment(settings: Settings) -> dict[str, str]:
    """The children's environment: this one's, without making the tables again, and with the event
    log as the queue where the settings name the in-process queue (the default), which one process's
    memory cannot share."""
    # The supervisor made the tables: children that made them again at once would collide on
    # PostgreSQL ("tuple concurrently updated" from eventsourcing's CREATE OR REPLACE FUNCTION).
    environment = os.environ | {"NOTIFICATIONS_POSTGRES_CREATE_TABLES": "false"}
    if settings.queue != "inprocess":
        return environment
    log.info("supervisor.queue", queue="log", reason="the in-process queue cannot cross processes")
    return environment | {"NOTIFICATIONS_QUEUE": "log"}


def refuse_unshareable(settings: Settings, processes: int) -> None:
    if settings.event_store == "memory":
        raise SettingsError(
            f"--processes {processes} needs an event store the processes share: NOTIFICATIONS_EVENT_STORE="
            "sqlite or postgres, not memory"
        )


def prepare_shared_files(container: Container) -> None:
    """Makes what the children would otherwise race to make: the tables (the limits' too, on
    PostgreSQL), the JWT secret's file."""
    container.token_authority()
    container.event_store().close()  # the supervisor itself reads and writes nothing
    settings = container.settings()
    if settings.event_store == "postgres" and (settings.client_rate or settings.recipient_hourly_limit):
        limits = container.limits()
        asyncio.run(limits.migrate())
        limits.close()


def listening_socket(host: str, port: int) -> socket.socket:
    """Binds and listens once, for every API process (OSError if the port is taken)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listening = socket.socket(family, socket.SOCK_STREAM)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listening.bind((host, port))
    listening.listen(BACKLOG)
    listening.set_inheritable(True)
    return listening
