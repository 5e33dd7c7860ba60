"""Verification names every event whose hash chain is broken: altered, missing, reordered, unchained."""

from __future__ import annotations

from uuid import UUID, uuid4

from application.audit import Link
from application.chain_check import ChainCheck
from tests.fake_event_log import FakeEventLog, hash_of


async def findings(log: FakeEventLog, remembered: int = 1000) -> list[tuple[UUID, int, int, str]]:
    check = ChainCheck(log, remembered)
    return [(f.aggregate_id, f.version, f.position, f.problem) async for f in check.findings()]


def chain(log: FakeEventLog, versions: int = 3) -> UUID:
    aggregate_id = uuid4()
    for version in range(1, versions + 1):
        log.add(aggregate_id, "Notification.Requested" if version == 1 else "Notification.Delivered", version)
    return aggregate_id


async def test_intact_chains_give_no_finding_and_every_event_is_counted() -> None:
    log = FakeEventLog()
    chain(log)
    chain(log, 2)
    check = ChainCheck(log)
    assert [f async for f in check.findings()] == []
    assert check.events == 5


async def test_an_event_whose_content_does_not_match_its_hash_is_named_altered() -> None:
    log = FakeEventLog()
    aggregate_id = chain(log, 1)
    altered = log.append(
        aggregate_id, "Notification.Delivered", 2, link=Link(hash_of(aggregate_id, 1), "x", False)
    )
    assert await findings(log) == [
        (aggregate_id, 2, altered.position, "altered: its content does not match its hash")
    ]


async def test_a_deleted_event_is_named_by_the_event_after_it() -> None:
    log = FakeEventLog()
    aggregate_id = chain(log, 1)
    third = log.add(aggregate_id, "Notification.Delivered", 3)
    assert await findings(log) == [
        (aggregate_id, 3, third.position, "missing: version 2 before it is not in the store")
    ]


async def test_an_event_that_does_not_follow_its_predecessor_is_named_broken() -> None:
    log = FakeEventLog()
    aggregate_id = chain(log, 1)
    swapped = log.append(aggregate_id, "Notification.Delivered", 2, link=Link("not-version-1", "y", True))
    assert await findings(log) == [
        (
            aggregate_id,
            2,
            swapped.position,
            "broken: it does not follow version 1, which was altered, replaced or reordered",
        )
    ]


async def test_unreadable_and_unchained_events_are_named() -> None:
    log = FakeEventLog()
    damaged = log.append(uuid4(), "Notification.Requested", 1, damage="MAC check failed")
    bare = log.append(uuid4(), "Notification.Requested", 1, link=Link(None, "z", False))
    assert [(f[2], f[3]) for f in await findings(log)] == [
        (damaged.position, "altered: it cannot be read (MAC check failed)"),
        (bare.position, "unchained: it carries no hash (recorded before the chain, or its hash was removed)"),
    ]


async def test_a_predecessor_no_longer_remembered_is_read_from_the_store() -> None:
    log = FakeEventLog()
    first = chain(log, 1)
    chain(log, 1)  # pushes the first out of the single remembered head
    log.add(first, "Notification.Delivered", 2)
    assert await findings(log, remembered=1) == []
    assert log.lookups == [(first, 1)]
