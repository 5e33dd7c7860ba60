"""An email read back from a bounce mailbox: sent, then decided by a report or by its bounce window."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from uuid import UUID, uuid4

import pytest
from dependency_injector import providers
from eventsourcing.persistence import DatetimeAsISO, JSONTranscoder, Mapper, UUIDAsHex

from adapters.awaiting_reports import AwaitingReports
from application.delivery import Outcome
from application.mail_reports import DeliveryStatus, Disposition, MailReports
from bootstrap.container import Container
from domain.messages import Channel, message_from_dict
from domain.notification import Notification, Receipt, Status
from domain.reports import Action, RecipientStatus
from tests.fakes import FixedClock, RecordingProvider

WINDOW = timedelta(hours=1)
EMAIL = message_from_dict("email", {"to": ["jane.doe@bank.example"], "subject": "Statement", "text": "Hi"})


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def mailed(container: Container, clock: FixedClock, provider: RecordingProvider) -> Iterator[Container]:
    """The container with email sent over a provider whose outcome comes from the mailbox."""
    awaiting = AwaitingReports(provider, WINDOW, clock)
    with (
        container.clock.override(providers.Object(clock)),
        container.delivery_providers.override(providers.Object({Channel.EMAIL: awaiting})),
    ):
        yield container


async def sent(container: Container) -> tuple[UUID, Outcome]:
    notification = await container.notifications().send_notification("bank", EMAIL)
    return notification.id, await container.deliveries().deliver_notification(notification.id)


async def events(container: Container, notification_id: UUID) -> list[str]:
    return [e.type for e in await container.notifications().get_notification_events("bank", notification_id)]


async def current(container: Container, notification_id: UUID) -> Notification:
    return await container.notifications().get_notification_status("bank", notification_id)


def reports(container: Container) -> MailReports:
    return MailReports(container.grouped_store(), mailbox=None)  # type: ignore[arg-type]  # records only


async def test_an_accepted_email_is_sent_and_comes_back_when_its_window_ends(mailed: Container) -> None:
    notification_id, outcome = await sent(mailed)

    assert outcome.retry_in == WINDOW.total_seconds()
    assert (await current(mailed, notification_id)).status is Status.PENDING
    assert await events(mailed, notification_id) == ["Requested", "DeliveryStarted", "Sent"]


async def test_before_the_window_ends_nothing_is_recorded(mailed: Container, clock: FixedClock) -> None:
    notification_id, _ = await sent(mailed)
    clock.current += timedelta(minutes=20)

    outcome = await mailed.deliveries().deliver_notification(notification_id)

    assert outcome.retry_in == timedelta(minutes=40).total_seconds()
    assert await events(mailed, notification_id) == ["Requested", "DeliveryStarted", "Sent"]


async def test_no_news_within_the_window_is_delivered(mailed: Container, clock: FixedClock) -> None:
    notification_id, _ = await sent(mailed)
    clock.current += WINDOW

    outcome = await mailed.deliveries().deliver_notification(notification_id)

    assert outcome.done and not outcome.dead
    assert (await current(mailed, notification_id)).status is Status.DELIVERED
    assert (await events(mailed, notification_id))[-2:] == ["BounceWindowPassed", "Delivered"]


async def test_a_bounce_within_the_window_stays_refused_when_it_ends(
    mailed: Container, clock: FixedClock
) -> None:
    notification_id, _ = await sent(mailed)
    failed = RecipientStatus("JANE.DOE@bank.example", Action.FAILED, "5.1.1", "user unknown")
    assert await reports(mailed).record_report(DeliveryStatus("<r1@mx>", notification_id, (failed,)))
    clock.current += WINDOW

    assert (await mailed.deliveries().deliver_notification(notification_id)).done

    found = await current(mailed, notification_id)
    assert (found.status, found.reason) == (
        Status.REFUSED,
        "the recipient's mail server bounced it: 5.1.1 user unknown",
    )
    assert (await events(mailed, notification_id))[-1] == "Refused"


async def test_a_read_receipt_after_delivery_sets_read_at_only(mailed: Container, clock: FixedClock) -> None:
    notification_id, _ = await sent(mailed)
    clock.current += WINDOW
    await mailed.deliveries().deliver_notification(notification_id)

    receipt = Disposition("<mdn@client>", notification_id, "jane.doe@bank.example", "displayed", clock.now())
    assert await reports(mailed).record_report(receipt)
    assert await reports(mailed).record_report(receipt)

    found = await current(mailed, notification_id)
    assert (found.status, found.read_at) == (Status.DELIVERED, clock.now())
    assert (await events(mailed, notification_id))[-1] == "DispositionReported"
    assert (await events(mailed, notification_id)).count("DispositionReported") == 1


async def test_a_report_on_an_unknown_notification_matches_nothing(mailed: Container) -> None:
    delayed = RecipientStatus("jane.doe@bank.example", Action.DELAYED, "4.4.1")
    assert not await reports(mailed).record_report(DeliveryStatus("<r2@mx>", uuid4(), (delayed,)))


async def test_without_a_mailbox_the_smtp_acceptance_is_still_delivery(container: Container) -> None:
    notification_id, outcome = await sent(container)
    assert outcome.done
    assert (await current(container, notification_id)).status is Status.DELIVERED


def test_a_sent_event_stored_before_the_bounce_window_reads_back_without_one(clock: FixedClock) -> None:
    notification = Notification.request(uuid4(), "bank", EMAIL)
    notification.begin_attempt("w", clock.now(), timedelta(seconds=30))
    notification.record_receipt(replace(Receipt("smtp", "<m@bank>"), awaiting_confirmation=True))
    sent_event = notification.collect_events()[-1]
    transcoder = JSONTranscoder()
    transcoder.register(UUIDAsHex())
    transcoder.register(DatetimeAsISO())
    mapper: Mapper[UUID] = Mapper(transcoder=transcoder)
    stored = mapper.to_stored_event(sent_event)
    state = json.loads(stored.state)
    assert state.pop("class_version") == 2
    del state["confirm_by"]  # as version 1 wrote it
    earlier = replace(stored, state=json.dumps(state).encode())

    read_back = mapper.to_domain_event(earlier)

    assert isinstance(read_back, Notification.Sent)
    assert read_back.confirm_by is None and read_back.provider_message_id == "<m@bank>"
