"""The benchmark's ceiling: decodes a notification like the real route, then does nothing else."""

from __future__ import annotations

from typing import Annotated

from litestar import post
from litestar.params import Body

from entrypoints.http.schemas import NotificationRequest

PATH = "/benchmark/baseline"


@post(PATH, status_code=202, include_in_schema=False)
async def baseline(data: Annotated[NotificationRequest, Body()]) -> dict[str, str]:
    """Answers 202 with no authentication and no storage (on with NOTIFICATIONS_BENCHMARK_BASELINE)."""
    return {"status": "pending"}
