"""Whether value objects apply today's rules as they are made: always, but for what is read back.

A message read back from its events was accepted under the rules of its day. Rules grow stricter
(an address syntax, a refused character, a length counted in other units); a notification stored
before must stay readable and deliverable, so values rebuilt from events are not checked again.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_APPLIED: ContextVar[bool] = ContextVar("rules_applied", default=True)


def applied() -> bool:
    """Whether the value being made must be checked."""
    return _APPLIED.get()


@contextmanager
def suspended() -> Iterator[None]:
    """Values made inside are taken as they are: for values read back from the event log only."""
    token = _APPLIED.set(False)
    try:
        yield
    finally:
        _APPLIED.reset(token)
