"""The limits' counters on every store agree with domain/limits.py, and two processes' adapters on one
store (two connections, as two processes have) share them."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.limits_memory import MemoryLimits
from adapters.limits_postgres import PostgresLimits
from adapters.limits_sqlite import SqliteLimits, limits_file
from bootstrap.limits import Limits
from domain.limits import HOUR, Rate
from tests.postgres import DBNAME, HOST, PORT, USER, fresh_schema
from tests.stores import KINDS

T0 = 1_800_000_000.0
RATE = Rate(per_second=2, burst=3)
HOURLY = 2


@pytest.fixture(params=KINDS)
def two(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Limits, Limits]]:
    """Two adapters on one store, as two API processes would open them."""
    if request.param == "memory":  # one process only
        limits = MemoryLimits(RATE, HOURLY)
        yield limits, limits
        return
    if request.param == "sqlite":
        path = limits_file(tmp_path / "events.sqlite")
        pair: tuple[Limits, Limits] = (SqliteLimits(path, RATE, HOURLY), SqliteLimits(path, RATE, HOURLY))
        yield pair
    else:
        with fresh_schema() as schema:
            connection = {"host": HOST, "port": PORT, "dbname": DBNAME, "user": USER, "password": ""}
            pair = (
                PostgresLimits(connection, schema, RATE, HOURLY),
                PostgresLimits(connection, schema, RATE, HOURLY),
            )
            yield pair
            for limits in pair:
                limits.close()
            return
    for limits in pair:
        limits.close()


async def test_a_client_bucket_lets_the_burst_through_then_tells_when_the_next_token_comes(
    two: tuple[Limits, Limits],
) -> None:
    first, second = two
    waits = [await first.take("bank", T0), await second.take("bank", T0), await first.take("bank", T0)]
    assert waits == [0.0, 0.0, 0.0]
    assert await second.take("bank", T0 + 0.25) == pytest.approx(0.25, abs=1e-5)
    assert await first.take("shop", T0 + 0.25) == 0.0  # another client's bucket is full
    assert await second.take("bank", T0 + 0.5) == 0.0
    assert await first.take("bank", T0 + 0.5) == pytest.approx(0.5, abs=1e-5)
    assert await first.take("bank", T0 + HOUR) == 0.0  # refilled, up to the burst only
    assert [await second.take("bank", T0 + HOUR) for _ in range(3)][1:] == [0.0, pytest.approx(0.5, abs=1e-5)]


async def test_requests_racing_from_two_processes_take_no_more_than_the_burst(
    two: tuple[Limits, Limits],
) -> None:
    first, second = two
    waits = await asyncio.gather(*[limits.take("bank", T0) for limits in [first, second] * 10])
    assert sum(wait == 0.0 for wait in waits) == RATE.burst


async def test_a_number_takes_the_limit_in_any_hour_whoever_counts_it(two: tuple[Limits, Limits]) -> None:
    first, second = two
    assert await first.admit(["+15551234567", "+447911123456"], T0) == [True, True]
    assert await second.admit(["+15551234567", "+15551234567"], T0 + 60) == [True, False]
    assert await first.admit(["+447911123456"], T0 + HOUR - 1) == [True]
    assert await second.admit(["+15551234567"], T0 + HOUR - 1) == [False]
    assert await first.admit(["+15551234567"], T0 + HOUR) == [True]  # the first is an hour old


async def test_numbers_racing_from_two_processes_are_counted_once_each(two: tuple[Limits, Limits]) -> None:
    first, second = two
    answers = await asyncio.gather(*[limits.admit(["+15551234567"], T0) for limits in [first, second] * 5])
    assert sum(answer == [True] for answer in answers) == HOURLY


async def test_a_released_message_no_longer_counts(two: tuple[Limits, Limits]) -> None:
    first, second = two
    assert await first.admit(["+15551234567", "+15551234567"], T0) == [True, True]
    await second.release(["+15551234567"], T0)
    assert await second.admit(["+15551234567", "+15551234567"], T0 + 1) == [True, False]
