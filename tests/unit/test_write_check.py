"""Readiness's write check: the latest commit stands for the store's writes a while; otherwise a probe."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import given
from hypothesis import strategies as st

from adapters.write_check import WriteCheck
from application.errors import WritesRefused


class Probe:
    def __init__(self) -> None:
        self.refusing = False
        self.calls = 0

    def __call__(self) -> None:
        self.calls += 1
        if self.refusing:
            raise WritesRefused("the store does not take writes")


async def run(call: Callable[[], None]) -> None:
    call()


async def test_a_recent_commit_answers_without_a_probe() -> None:
    probe = Probe()
    check = WriteCheck(probe)
    check.committed()
    await check.check(run)
    assert probe.calls == 0


@given(st.lists(st.sampled_from(["commit", "fail", "break", "mend", "check"]), max_size=12))
async def test_readiness_is_the_latest_commit_while_fresh_else_what_a_write_would_do_now(
    steps: list[str],
) -> None:
    probe = Probe()
    check, fresh = WriteCheck(probe), False
    for step in steps:
        if step == "commit":  # a commit does what a write would do now
            fresh = not probe.refusing
            check.committed() if fresh else check.failed()
        elif step == "fail":
            fresh = False
            check.failed()
        elif step in ("break", "mend"):
            probe.refusing = step == "break"
        else:
            calls, refused = probe.calls, False
            try:
                await check.check(run)
            except WritesRefused:
                refused = True
            assert probe.calls == calls + (0 if fresh else 1)
            assert refused == (not fresh and probe.refusing)
            fresh = fresh or not refused
