from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.domain import Aggregate
from hypothesis import given
from hypothesis import strategies as st

from domain.messages import PhoneNumber, Sms
from domain.notification import AttemptNotAllowed, Notification, Receipt, Status

NOW = datetime(2026, 1, 1, tzinfo=UTC)
LEASE = timedelta(seconds=35)

TERMINAL = {"Delivered", "Refused"}


def requested() -> Notification:
    return Notification.request(uuid4(), "bank", Sms(PhoneNumber("+15551234567"), "Your code is 1234"))


def replayed(events: list[Any]) -> Notification:
    aggregate = None
    for event in events:
        aggregate = event.mutate(aggregate)
    assert isinstance(aggregate, Notification)
    return aggregate


def state(notification: Notification) -> tuple[Any, ...]:
    return (
        notification.id,
        notification.version,
        notification.status,
        notification.attempts,
        notification.reason,
        notification.claimed_until,
        notification.message,
        notification.awaiting_confirmation,
        notification.provider_message_id,
    )


def test_a_new_notification_is_pending() -> None:
    notification = requested()
    assert notification.status is Status.PENDING
    assert notification.attempts == 0
    assert notification.reason is None


def test_a_request_makes_the_aggregate_and_event_the_library_makes() -> None:
    message = Sms(PhoneNumber("+15551234567"), "Your code is 1234")
    notification_id = uuid4()
    fast = Notification.request(notification_id, "bank", message, "ref-1", "digest")
    generic = Notification(
        id=notification_id,
        client="bank",
        channel="sms",
        message=message.as_dict(),
        reference="ref-1",
        request_digest="digest",
    )
    [made], [expected] = fast.collect_events(), generic.collect_events()
    assert vars(made) | {"timestamp": None} == vars(expected) | {"timestamp": None}
    assert vars(Aggregate.Created.mutate(made, None)) == vars(fast)  # the library's own way


def test_a_delivered_notification_counts_its_attempt() -> None:
    notification = requested()
    notification.begin_attempt("worker-1", NOW, LEASE)
    notification.deliver(Receipt("fake", "m-1"))
    assert (notification.status, notification.attempts) == (Status.DELIVERED, 1)


def test_a_failed_attempt_leaves_it_pending_until_attempts_run_out() -> None:
    notification = requested()
    notification.begin_attempt("worker-1", NOW, LEASE)
    notification.record_failed_attempt("timeout", max_attempts=2)
    assert notification.status is Status.PENDING
    notification.begin_attempt("worker-1", NOW, LEASE)
    notification.record_failed_attempt("timeout", max_attempts=2)
    assert notification.status is Status.REFUSED
    assert notification.reason == "delivery attempts exhausted (2): timeout"


def test_an_attempt_under_way_keeps_other_workers_away_until_its_claim_lapses() -> None:
    notification = requested()
    notification.begin_attempt("worker-1", NOW, LEASE)
    assert notification.is_claimed(NOW + LEASE / 2)
    with pytest.raises(AttemptNotAllowed):
        notification.begin_attempt("worker-2", NOW + LEASE / 2, LEASE)
    notification.begin_attempt("worker-2", NOW + LEASE, LEASE)
    assert notification.attempts == 2


def test_an_outcome_ends_the_claim() -> None:
    notification = requested()
    notification.begin_attempt("worker-1", NOW, LEASE)
    notification.record_failed_attempt("busy", max_attempts=5)
    assert not notification.is_claimed(NOW)


def test_no_attempt_begins_on_a_finished_notification() -> None:
    notification = requested()
    notification.refuse("unsubscribed")
    with pytest.raises(AttemptNotAllowed):
        notification.begin_attempt("worker-1", NOW, LEASE)


def test_a_receipt_awaiting_confirmation_records_sent_and_leaves_it_pending() -> None:
    notification = requested()
    notification.begin_attempt("worker-1", NOW, LEASE)
    notification.record_receipt(Receipt("twilio", "SM1", awaiting_confirmation=True))
    assert notification.status is Status.PENDING
    assert notification.awaiting_confirmation
    assert notification.provider_message_id == "SM1"
    assert not notification.is_claimed(NOW)
    assert type(notification.collect_events()[-1]).__name__ == "Sent"


def test_a_receipt_without_confirmation_to_come_delivers() -> None:
    notification = requested()
    notification.record_receipt(Receipt("twilio", "SM1"))
    assert notification.status is Status.DELIVERED


def test_no_attempt_begins_on_a_sent_notification() -> None:
    notification = requested()
    notification.mark_sent(Receipt("twilio", "SM1", awaiting_confirmation=True))
    with pytest.raises(AttemptNotAllowed):
        notification.begin_attempt("worker-1", NOW + LEASE, LEASE)


def test_a_confirmed_delivery_delivers_a_sent_notification() -> None:
    notification = requested()
    notification.mark_sent(Receipt("twilio", "SM1", awaiting_confirmation=True))
    notification.confirm_delivery("twilio", "SM1")
    assert notification.status is Status.DELIVERED


def test_a_reported_failure_refuses_with_the_code_and_message() -> None:
    notification = requested()
    notification.mark_sent(Receipt("twilio", "SM1", awaiting_confirmation=True))
    notification.report_failure("30003", "Twilio reported the message undelivered")
    assert notification.status is Status.REFUSED
    assert notification.reason == "Twilio reported the message undelivered (error 30003)"


def test_a_late_or_repeated_update_records_nothing() -> None:
    notification = requested()
    notification.mark_sent(Receipt("twilio", "SM1", awaiting_confirmation=True))
    notification.confirm_delivery("twilio", "SM1")
    notification.confirm_delivery("twilio", "SM1")
    notification.mark_sent(Receipt("twilio", "SM1", awaiting_confirmation=True))
    notification.report_failure("30003", "undelivered")
    names = [type(e).__name__ for e in notification.collect_events()]
    assert names == ["Requested", "Sent", "Delivered"]
    assert notification.status is Status.DELIVERED


def test_delivering_twice_records_one_delivery() -> None:
    notification = requested()
    notification.deliver(Receipt("fake"))
    notification.deliver(Receipt("fake"))
    events = [type(e).__name__ for e in notification.collect_events()]
    assert events == ["Requested", "Delivered"]


def test_a_refused_notification_is_never_delivered() -> None:
    notification = requested()
    notification.refuse("unsubscribed recipient")
    notification.deliver(Receipt("fake"))
    notification.record_failed_attempt("late", max_attempts=1)
    assert notification.status is Status.REFUSED
    assert notification.reason == "unsubscribed recipient"
    assert notification.version == 2


def progress(notification: Notification) -> int:
    """How far a notification has come: pending, sent (awaiting its receipt), finished."""
    if notification.is_terminal:
        return 2
    return 1 if notification.awaiting_confirmation else 0


commands = st.lists(
    st.sampled_from(["begin", "deliver", "fail", "refuse", "sent", "confirm", "report"]).flatmap(
        lambda name: st.tuples(st.just(name), st.integers(min_value=1, max_value=4))
    ),
    max_size=12,
)


def run(notification: Notification, command: str, limit: int) -> None:
    if command == "begin":
        with contextlib.suppress(AttemptNotAllowed):  # a worker that may not begin leaves it alone
            notification.begin_attempt("worker", NOW, LEASE)
    elif command == "deliver":
        notification.deliver(Receipt("fake", "m"))
    elif command == "fail":
        notification.record_failed_attempt("busy", max_attempts=limit)
    elif command == "sent":
        notification.record_receipt(Receipt("fake", "m", awaiting_confirmation=True))
    elif command == "confirm":
        notification.confirm_delivery("fake", "m")
    elif command == "report":
        notification.report_failure(str(30000 + limit), "undelivered")
    else:
        notification.refuse("refused by the provider")


@given(commands)
def test_replaying_the_events_rebuilds_the_same_state(sequence: list[tuple[str, int]]) -> None:
    notification = requested()
    for command, limit in sequence:
        run(notification, command, limit)
    assert state(replayed(notification.collect_events())) == state(notification)


@given(commands)
def test_a_notification_never_has_two_terminal_events(sequence: list[tuple[str, int]]) -> None:
    notification = requested()
    for command, limit in sequence:
        run(notification, command, limit)
    names = [type(e).__name__ for e in notification.collect_events()]
    assert sum(name in TERMINAL for name in names) <= 1
    assert names[0] == "Requested"
    if any(name in TERMINAL for name in names):
        assert names[-1] in TERMINAL


@given(commands, commands)
def test_terminal_states_absorb(before: list[tuple[str, int]], after: list[tuple[str, int]]) -> None:
    notification = requested()
    for command, limit in before:
        run(notification, command, limit)
    if not notification.is_terminal:
        notification.refuse("closed")
    frozen = state(notification)
    for command, limit in after:
        run(notification, command, limit)
    assert state(notification) == frozen


@given(commands)
def test_a_status_never_moves_backwards(sequence: list[tuple[str, int]]) -> None:
    notification = requested()
    reached = progress(notification)
    for command, limit in sequence:
        run(notification, command, limit)
        assert progress(notification) >= reached
        reached = progress(notification)


@given(commands)
def test_once_sent_no_attempt_begins_and_nothing_is_sent_again(sequence: list[tuple[str, int]]) -> None:
    notification = requested()
    for command, limit in sequence:
        run(notification, command, limit)
    names = [type(e).__name__ for e in notification.collect_events()]
    if "Sent" in names:
        after = names[names.index("Sent") + 1 :]
        assert set(after) <= TERMINAL
        assert len(after) <= 1
