"""Waiting in a test until a process holds a number of long-poll waiters."""

from __future__ import annotations

import asyncio

from adapters.change_waiters import InProcessChanges


async def until_waiting(changes: InProcessChanges, count: int) -> None:
    """Returns once `count` waiters are held; wrap in `asyncio.wait_for` to bound it."""
    while changes.waiting() != count:  # noqa: ASYNC110  # a count the adapter keeps, no event to await
        await asyncio.sleep(0.005)
