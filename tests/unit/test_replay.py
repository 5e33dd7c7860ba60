"""Replay rebuilds every notification from the event log alone and reports what does not add up."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID, uuid4

from application.audit import walk
from application.replay import Replay, Replayer
from domain.notification import Status
from tests.fake_event_log import T0, FakeEventLog

REGISTER = uuid4()


def requested(log: FakeEventLog, channel: str = "sms") -> UUID:
    notification_id = uuid4()
    log.add(notification_id, "Notification.Requested", 1, client="bank", channel=channel)
    return notification_id


async def replayed(log: FakeEventLog, stale_before: timedelta = timedelta(days=365)) -> Replay:
    return await Replayer(log).run(T0 + stale_before)


async def test_walking_the_log_reads_it_a_page_at_a_time_across_gaps_in_positions() -> None:
    log = FakeEventLog()
    for gap in (0, 0, 3, 0, 5):
        log.append(uuid4(), "Notification.Requested", 1, gap=gap)
    positions = [event.position async for event in walk(log, page_size=2)]
    assert positions == [1, 2, 6, 7, 13]
    assert log.reads == [(0, None, 2), (2, None, 2), (7, None, 2)]


async def test_the_summary_counts_notifications_per_channel_and_status_and_tokens() -> None:
    log = FakeEventLog()
    log.add(REGISTER, "AccessTokens.Opened", 1)
    log.add(REGISTER, "AccessTokens.TokenIssued", 2, client="bank")
    log.add(REGISTER, "AccessTokens.TokenRevoked", 3)
    delivered, refused, pending = requested(log, "email"), requested(log), requested(log)
    log.add(delivered, "Notification.DeliveryStarted", 2)
    log.add(delivered, "Notification.Delivered", 3)
    log.add(refused, "Notification.Refused", 2)
    log.add(pending, "Notification.DeliveryAttemptFailed", 2)
    replay = await replayed(log)
    assert replay.events == 10
    assert replay.last_position == 10
    assert dict(replay.counts) == {
        ("email", Status.DELIVERED): 1,
        ("sms", Status.REFUSED): 1,
        ("sms", Status.PENDING): 1,
    }
    assert dict(replay.tokens) == {"TokenIssued": 1, "TokenRevoked": 1}
    assert replay.inconsistencies == []


async def test_pending_notifications_requested_before_the_threshold_are_listed_oldest_first() -> None:
    log = FakeEventLog()
    old, older, recent = requested(log), requested(log), requested(log)
    log.add(older, "Notification.DeliveryAttemptFailed", 2)
    replay = await replayed(log, stale_before=timedelta(minutes=2, seconds=30))
    assert [p.notification_id for p in replay.stale] == [old, older]
    assert recent not in {p.notification_id for p in replay.stale}


async def test_an_event_after_the_outcome_is_reported_with_its_place() -> None:
    log = FakeEventLog()
    notification_id = requested(log)
    log.add(notification_id, "Notification.Delivered", 2)
    late = log.add(notification_id, "Notification.DeliveryAttemptFailed", 3)
    second = log.add(notification_id, "Notification.Refused", 4)
    replay = await replayed(log)
    assert [(i.aggregate_id, i.version, i.position, i.problem) for i in replay.inconsistencies] == [
        (notification_id, 3, late.position, "DeliveryAttemptFailed after the notification was finished"),
        (
            notification_id,
            4,
            second.position,
            "a second outcome: Refused after the notification was finished",
        ),
    ]
    assert dict(replay.counts) == {("sms", Status.DELIVERED): 1}


async def test_a_gap_in_versions_and_an_event_without_its_request_are_reported() -> None:
    log = FakeEventLog()
    gapped = requested(log)
    log.add(gapped, "Notification.Delivered", 3)
    orphan = uuid4()
    log.add(orphan, "Notification.Delivered", 2)
    problems = [(i.aggregate_id, i.problem) for i in (await replayed(log)).inconsistencies]
    assert problems == [
        (gapped, "follows version 1: a version between them is missing"),
        (orphan, "its notification has no Requested event"),
    ]


async def test_an_unreadable_event_is_reported_and_its_notification_still_followed() -> None:
    log = FakeEventLog()
    notification_id = uuid4()
    log.append(notification_id, "Notification.Requested", 1, timestamp=None, damage="MAC check failed")
    log.add(notification_id, "Notification.Delivered", 2)
    replay = await replayed(log)
    assert [(i.version, i.problem) for i in replay.inconsistencies] == [
        (1, "cannot be read: MAC check failed")
    ]
    assert dict(replay.counts) == {("unreadable", Status.DELIVERED): 1}
