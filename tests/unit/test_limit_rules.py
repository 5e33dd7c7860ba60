"""The rules of the limits, on a fake clock: a token bucket per client, a sliding hour per number."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.limits import HOUR, Bucket, Rate, admit, take

T0 = 1_800_000_000.0


def requests(rate: Rate, times: list[float]) -> list[float]:
    """The wait each request at these times was told (0.0: it went)."""
    bucket, waits = None, []
    for now in times:
        bucket, wait = take(bucket, rate, now)
        waits.append(wait)
    return waits


def test_a_new_client_may_send_a_burst_at_once_and_then_waits_for_the_next_token() -> None:
    waits = requests(Rate(per_second=2, burst=3), [T0] * 4)
    assert waits == [0.0, 0.0, 0.0, 0.5]


def test_tokens_come_back_at_the_rate_and_never_beyond_the_burst() -> None:
    rate = Rate(per_second=10, burst=2)
    assert requests(rate, [T0, T0, T0 + 0.1, T0 + 0.15]) == [0.0, 0.0, 0.0, pytest.approx(0.05, abs=1e-5)]
    assert requests(rate, [T0, T0 + 3600, T0 + 3600, T0 + 3600]) == [
        0.0,
        0.0,
        0.0,
        pytest.approx(0.1, abs=1e-5),
    ]


def test_a_refused_request_takes_no_token() -> None:
    rate = Rate(per_second=1, burst=1)
    assert requests(rate, [T0, T0 + 0.5, T0 + 1.0]) == [0.0, pytest.approx(0.5, abs=1e-5), 0.0]


def test_a_clock_behind_the_last_request_refills_nothing() -> None:
    bucket, _ = take(None, Rate(per_second=1, burst=1), T0)
    later, wait = take(bucket, Rate(per_second=1, burst=1), T0 - 5)
    assert later == Bucket(0.0, T0)
    assert wait == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize(("per_second", "burst"), [(0, 1), (-1, 1), (1, 0.5)])
def test_a_rate_needs_a_positive_rate_and_a_whole_token_of_burst(per_second: float, burst: float) -> None:
    with pytest.raises(ValueError, match="rate"):
        Rate(per_second, burst)


@given(
    per_second=st.floats(0.1, 1000),
    burst=st.integers(1, 50),
    gaps=st.lists(st.floats(0, 2), min_size=1, max_size=200),
)
def test_no_span_of_time_lets_through_more_than_the_burst_and_the_rate(
    per_second: float, burst: int, gaps: list[float]
) -> None:
    times, now = [], T0
    for gap in gaps:
        now += gap
        times.append(now)
    went = [t for t, wait in zip(times, requests(Rate(per_second, burst), times), strict=True) if not wait]
    for i, start in enumerate(went):
        for j in range(i, len(went)):
            assert j - i + 1 <= burst + (went[j] - start) * per_second + 1e-6


def test_a_number_takes_the_limit_in_any_hour_then_one_more_as_each_hour_passes() -> None:
    sent: tuple[float, ...] = ()
    for minute in range(3):
        kept = admit(sent, 3, T0 + 60 * minute)
        assert kept is not None
        sent = kept
    assert admit(sent, 3, T0 + 600) is None
    assert admit(sent, 3, T0 + HOUR - 1) is None
    assert admit(sent, 3, T0 + HOUR) == (T0 + 60, T0 + 120, T0 + HOUR)  # the first is an hour old
