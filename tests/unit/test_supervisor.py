"""The supervisor of `serve --processes` starts a child that dies again, and gives up on a crash loop."""

from __future__ import annotations

import os
import sys
import time

from entrypoints.supervisor import CRASH_LIMIT, Child, Family

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]
FAILING = [sys.executable, "-c", "raise SystemExit(3)"]


def watch_until(family: Family, condition: object, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        healthy = family.watch()
        if not healthy or condition():  # type: ignore[operator]
            return healthy
        time.sleep(0.02)
    raise AssertionError("the supervisor did not get there in time")


def test_a_child_that_dies_is_started_again() -> None:
    child = Child("api-1", SLEEPER)
    family = Family([child], dict(os.environ), (), restart_delay=0.01)
    family.start(child)
    assert child.process is not None
    first = child.process.pid
    child.process.kill()
    try:
        assert watch_until(family, lambda: child.process is not None and child.process.pid != first)
        assert child.process.poll() is None
    finally:
        family.stop(5)
    assert child.process.poll() is not None


def test_children_that_keep_dying_stop_the_supervisor() -> None:
    child, sleeper = Child("delivery", FAILING), Child("api-1", SLEEPER)
    family = Family([child, sleeper], dict(os.environ), (), restart_delay=0.01)
    family.start(child)
    family.start(sleeper)
    assert watch_until(family, lambda: False) is False
    assert len(family.crashes) == CRASH_LIMIT + 1
    family.stop(5)
    assert sleeper.process is not None and sleeper.process.poll() is not None
