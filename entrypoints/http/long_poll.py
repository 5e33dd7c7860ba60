"""A long poll's HTTP side: its `wait` parameter, and letting go of the waiter when the client leaves."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Annotated, Any, TypeVar

from litestar import Request
from litestar.exceptions import HTTPException
from litestar.params import QueryParameter
from litestar.types import Receive

from application.waiting import MAX_WAIT

T = TypeVar("T")
CLIENT_CLOSED = 499  # nginx's "client closed request": logged, never seen by the client

Wait = Annotated[
    int,
    QueryParameter(
        name="wait",
        ge=0,
        le=MAX_WAIT,
        description=(
            f"Seconds (a whole number, 0 to {MAX_WAIT}) to hold the answer while the notification is "
            "`pending`: it comes as soon as the status changes (or `read_at` is set), else after "
            "this many seconds with the status as it stands. 0, the default, answers at once."
        ),
    ),
]


async def unless_client_leaves(request: Request[Any, Any, Any], work: Coroutine[Any, Any, T]) -> T:
    """The result of `work`, or, if the client closes the connection first, `work` cancelled (its
    waiter released) and an HTTPException 499 raised: the server does not cancel a handler when
    its client leaves (ASGI says so with an `http.disconnect` message, which nobody reads here)."""
    answer = asyncio.ensure_future(work)
    gone = asyncio.ensure_future(_disconnected(request.receive))
    try:
        await asyncio.wait((answer, gone), return_when=asyncio.FIRST_COMPLETED)
    finally:  # the answer, the client's leaving, or this request cancelled (the server stopping)
        gone.cancel()
        answer.cancel()
    if answer.done() and not answer.cancelled():
        return answer.result()
    raise HTTPException(status_code=CLIENT_CLOSED, detail="the client closed the connection")


async def _disconnected(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":  # a GET's empty body comes first
        pass
