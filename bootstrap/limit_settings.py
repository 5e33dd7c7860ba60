"""The settings of the limits on what clients send: a rate per client, and a burst that needs it."""

from __future__ import annotations

from domain.limits import Rate


def limits_problem(rate: float, burst: float) -> str | None:
    if burst and not rate:
        return "needs NOTIFICATIONS_CLIENT_RATE_LIMIT - at `$.client_rate_burst`"
    if burst and burst < 1:
        return "must be at least 1 (a request needs a whole token) - at `$.client_rate_burst`"
    return None


def client_rate(rate: float, burst: float) -> Rate | None:
    """None when off (0); the burst is the rate unless set, and at least 1."""
    return Rate(rate, burst or max(rate, 1.0)) if rate else None
