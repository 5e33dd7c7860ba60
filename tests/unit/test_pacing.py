"""The pace of a provider (adapters/pacing.py) on a clock the tests move: evenly spaced slots per
sender, a slot kept for a notification that comes back for it, and the pause after "too many"."""

from __future__ import annotations

import pytest

from adapters.pacing import STALE, Pacer


class FakeTime:
    """A clock that only sleeping moves; records the sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def time() -> FakeTime:
    return FakeTime()


def pacer(time: FakeTime, rate: float | None = 10.0) -> Pacer:
    return Pacer(rate, base_delay=1.0, max_delay=8.0, max_wait=1.0, clock=time, sleep=time.sleep)


async def test_turns_are_evenly_spaced_with_no_burst(time: FakeTime) -> None:
    paced = pacer(time)
    assert [await paced.turn("from", n) for n in range(5)] == [0.0] * 5
    assert time.slept == pytest.approx([0.1] * 4)


async def test_a_turn_further_off_than_a_short_wait_is_kept_for_its_notification(time: FakeTime) -> None:
    paced = pacer(time, rate=0.5)  # one every 2 s
    assert await paced.turn("from", "first") == 0.0
    assert await paced.turn("from", "second") == pytest.approx(2.0)
    assert await paced.turn("from", "third") == pytest.approx(4.0)
    time.now += 2.0
    assert await paced.turn("from", "second") == 0.0  # its own slot: nobody else's
    assert await paced.turn("from", "fourth") == pytest.approx(4.0)
    assert time.slept == []


async def test_a_notification_back_early_waits_for_the_rest_of_its_slot(time: FakeTime) -> None:
    paced = pacer(time, rate=0.25)  # one every 4 s
    await paced.turn("from", "first")
    assert await paced.turn("from", "second") == pytest.approx(4.0)
    time.now += 1.0
    assert await paced.turn("from", "second") == pytest.approx(3.0)
    time.now += 2.5
    assert await paced.turn("from", "second") == 0.0
    assert time.slept == pytest.approx([0.5])


async def test_each_sender_has_its_own_pace(time: FakeTime) -> None:
    paced = pacer(time, rate=0.5)
    assert [await paced.turn(sender, sender) for sender in ("+15550001", "+15550002", "MG1")] == [0.0] * 3


async def test_slots_kept_for_notifications_that_never_came_back_are_dropped(time: FakeTime) -> None:
    paced = pacer(time, rate=1.0)
    await paced.turn("from", "first")
    await paced.turn("from", "gone")  # its message went to another worker
    time.now += STALE + 10
    await paced.turn("from", "later")
    assert "gone" not in paced._kept


async def test_without_a_rate_every_turn_is_now(time: FakeTime) -> None:
    paced = pacer(time, rate=None)
    assert [await paced.turn("from", n) for n in range(100)] == [0.0] * 100


async def test_too_many_pauses_every_sender_for_the_providers_retry_after(time: FakeTime) -> None:
    paced = pacer(time, rate=None)
    assert paced.throttled(retry_after=30.0) == 30.0
    assert await paced.turn("a", 1) == 30.0
    time.now += 12.0
    assert await paced.turn("b", 2) == 18.0
    time.now += 18.0
    assert await paced.turn("a", 1) == 0.0


async def test_without_retry_after_the_pause_doubles_in_a_row_and_a_delivery_ends_the_row(
    time: FakeTime,
) -> None:
    paced = pacer(time)
    pauses = []
    for _ in range(5):
        pauses.append(paced.throttled(None))
        time.now += pauses[-1]
    assert pauses == [1.0, 2.0, 4.0, 8.0, 8.0]
    paced.delivered()
    assert paced.throttled(None) == 1.0


async def test_throttles_during_a_pause_are_the_same_one(time: FakeTime) -> None:
    paced = pacer(time)
    assert paced.throttled(None) == 1.0
    time.now += 0.5
    assert paced.throttled(None) == 1.0  # another delivery in flight met the same limit: not doubled
    time.now += 1.0
    assert paced.throttled(None) == 2.0


async def test_after_a_pause_turns_start_again_one_at_a_time(time: FakeTime) -> None:
    paced = pacer(time, rate=0.5)
    await paced.turn("from", "first")
    assert await paced.turn("from", "kept") == pytest.approx(2.0)
    paced.throttled(retry_after=10.0)
    time.now += 10.0
    assert [await paced.turn("from", n) for n in ("kept", "new")] == [0.0, pytest.approx(2.0)]


async def test_a_pause_that_begins_during_a_short_wait_holds_the_notification_back(time: FakeTime) -> None:
    paced = pacer(time)
    await paced.turn("from", "first")

    async def throttled_meanwhile(seconds: float) -> None:
        await FakeTime.sleep(time, seconds)
        paced.throttled(retry_after=5.0)

    paced.sleep = throttled_meanwhile
    assert await paced.turn("from", "second") == 5.0
