"""The two limits on what clients send: a token bucket of requests per client, and at most so many
messages to one phone number in any hour (the usual defence against SMS pumping).

Times are seconds since the epoch (floats), given by the caller, so that the same rules hold in
every process that shares a store, and in tests with a fake clock. The SQL adapters state the same
rules in SQL; `tests/integration/test_limit_stores.py` checks that they agree with these.
"""

from __future__ import annotations

from dataclasses import dataclass

HOUR = 3600.0
# Seconds since the epoch are floats precise to about 0.25 us: a token due within a microsecond is there
EARLY = 1e-6


@dataclass(frozen=True)
class Rate:
    """Requests per second, and how many may come at once after a quiet spell (the burst, >= 1)."""

    per_second: float
    burst: float

    def __post_init__(self) -> None:
        if not self.per_second > 0 or not self.burst >= 1:
            raise ValueError(f"a rate needs a positive rate and a burst of at least 1, not {self}")


@dataclass(frozen=True)
class Bucket:
    """A client's token bucket: `tokens` left at `stamp`."""

    tokens: float
    stamp: float


def take(bucket: Bucket | None, rate: Rate, now: float) -> tuple[Bucket, float]:
    """One request at `now`: returns the bucket after it, and 0.0 if the request may go (one token
    taken), else the seconds until a token is there (none taken).

    A token bucket (the committed bucket of RFC 2697 section 3, alone): it holds at most `burst`
    tokens and gains `per_second` tokens a second; a new client's bucket is full. A clock behind
    the stamp (another machine's) refills nothing and leaves the stamp where it is.
    """
    if bucket is None:
        level, stamp = rate.burst, now
    else:
        stamp = max(bucket.stamp, now)
        level = min(rate.burst, bucket.tokens + (stamp - bucket.stamp) * rate.per_second)
    if level >= 1 - EARLY * rate.per_second:
        return Bucket(max(level - 1, 0.0), stamp), 0.0
    return Bucket(level, stamp), (1 - level) / rate.per_second


def admit(sent: tuple[float, ...], limit: int, now: float) -> tuple[float, ...] | None:
    """A message to a number at `now`, which was sent messages at the times `sent`: returns the
    times to keep, `now` among them, if fewer than `limit` were sent in the hour before `now`
    (a sliding window: any 60 minutes hold at most `limit`), else None (refused, not counted)."""
    recent = tuple(t for t in sent if t > now - HOUR)
    if len(recent) >= limit:
        return None
    return (*recent, now)


def refusal_reason(limit: int) -> str:
    """Why a message over the recipient limit is refused, as its status says."""
    return (
        f"recipient hourly limit: {limit} message{'s' if limit != 1 else ''} to this number "
        "in the last hour already"
    )
