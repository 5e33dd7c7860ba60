"""HTTP answers and accepted notifications tallied as plain integers, handed over in batches.

A counter's `inc` and a histogram's `observe` check their state, take a lock and (a histogram)
walk its buckets in Python: about two thirds of what counting a request cost. Requests are counted
on the event loop's thread only, so the tally needs no lock; it is handed over at most every
second and before each scrape, so a scrape (of any process, in multiprocess mode) is at most a
second behind.
"""

from __future__ import annotations

import asyncio
from bisect import bisect_left
from typing import Any

from prometheus_client import Counter, Histogram

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class RequestTally:
    def __init__(self, requests: Counter, post_seconds: Histogram, bounds: tuple[float, ...]) -> None:
        self.requests, self.post_seconds, self.every = requests, post_seconds, 1.0
        self._bounds = bounds  # the histogram's upper bounds but +Inf
        self._counts: dict[tuple[str, str, int], int] = {}
        self._posts: dict[str, list[float]] = {}  # per route: a count per bucket (+Inf last), then the sum
        self._increments: dict[Any, int] = {}  # other counters' children, and what to add to each
        self._handing_over = False

    def add(self, route: str, method: str, status: int, seconds: float) -> None:
        """Counts one answer (`route` a template, `seconds` timed for a POST only). On the loop's thread."""
        key = (route, method, status)
        self._counts[key] = self._counts.get(key, 0) + 1
        if method == "POST":
            tally = self._posts.get(route) or self._posts.setdefault(route, [0.0] * (len(self._bounds) + 2))
            tally[bisect_left(self._bounds, seconds)] += 1  # the first bucket whose bound is >= seconds
            tally[-1] += seconds
        if not self._handing_over:
            self._hand_over_soon()

    def bump(self, counter: Any) -> None:
        """Adds 1 to a counter's child (`family.labels(...)`) at the next hand-over. On the loop's thread."""
        self._increments[counter] = self._increments.get(counter, 0) + 1
        if not self._handing_over:
            self._hand_over_soon()

    def hand_over(self) -> None:
        """Adds what was tallied since the last call to prometheus-client's series."""
        self._handing_over = False
        increments, self._increments = self._increments, {}
        for counter, increment in increments.items():
            counter.inc(increment)
        counts, self._counts = self._counts, {}
        for (route, method, status), count in counts.items():
            self.requests.labels(route, method if method in METHODS else "other", str(status)).inc(count)
        posts, self._posts = self._posts, {}
        for route, tally in posts.items():
            child: Any = self.post_seconds.labels(route)
            # the histogram's own values (in memory, or the multiprocess files): no public API adds
            # many observations at once; prometheus-client is pinned below 1.0 for this
            for bucket, observed in zip(child._buckets, tally[:-1], strict=True):
                if observed:
                    bucket.inc(observed)
            child._sum.inc(tally[-1])

    def _hand_over_soon(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # not on a loop: handed over at the next scrape
            return
        loop.call_later(self.every, self.hand_over)
        self._handing_over = True
