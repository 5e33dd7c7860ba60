"""A worker process like `notifications worker`, whose provider misbehaves as the test asks.

python -m tests.e2e.scripted_worker hang MARKER   # writes MARKER when a delivery starts, then hangs
python -m tests.e2e.scripted_worker fail          # every attempt fails as if the provider were down
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from dependency_injector import providers

from application.errors import TransientDeliveryError
from bootstrap.container import build_container
from bootstrap.logging import configure_logging
from bootstrap.settings import load_settings
from domain.messages import Channel
from domain.notification import Notification, Receipt
from entrypoints.http.schemas import status_view


class Hanging:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    async def deliver(self, notification: Notification) -> Receipt:
        self.marker.write_text(str(notification.id))
        await asyncio.Event().wait()
        raise AssertionError("never reached")


class Failing:
    async def deliver(self, notification: Notification) -> Receipt:
        raise TransientDeliveryError("the provider is down")


if __name__ == "__main__":
    provider = Hanging(Path(sys.argv[2])) if sys.argv[1] == "hang" else Failing()
    settings = load_settings()
    configure_logging(settings.log_level, "json")
    container = build_container(settings, status_view)
    container.delivery_providers.override(providers.Object(dict.fromkeys(Channel, provider)))
    worker = container.worker()

    async def run() -> None:
        worker.start()
        await asyncio.Event().wait()

    asyncio.run(run())
