"""The backlog an operator watches: read at most every few seconds, and left out when it cannot be read."""

from __future__ import annotations

from application.metrics import Backlog, BacklogFigures
from application.ports import LoggedRequest
from tests.fakes import QueueOfDepth, RequestLogFake


async def test_the_backlog_is_read_again_only_once_it_is_older_than_its_maximum_age() -> None:
    log = RequestLogFake(
        [LoggedRequest(position, uuid) for position, uuid in RequestLogFake.some(4)], tracked=1
    )
    backlog = Backlog(log, QueueOfDepth(5), max_age=3600)  # type: ignore[arg-type]

    first = await backlog.figures()
    log.tracked = 4
    second = await backlog.figures()
    backlog.max_age = 0
    third = await backlog.figures()

    assert first == second == BacklogFigures(relay_lag=3, queue_depth=5)
    assert third == BacklogFigures(relay_lag=0, queue_depth=5)
    assert log.reads == 2


async def test_a_backlog_that_cannot_be_read_is_left_out_of_the_scrape() -> None:
    log = RequestLogFake([], tracked=0, failing=True)

    figures = await Backlog(log, QueueOfDepth(None)).figures()  # type: ignore[arg-type]

    assert figures == BacklogFigures(relay_lag=None, queue_depth=None)
