from __future__ import annotations

import asyncio
from datetime import timedelta
from uuid import UUID

from dependency_injector import providers

from application.delivery import RetryPolicy
from application.errors import PermanentDeliveryError, TransientDeliveryError
from bootstrap.container import Container
from domain.messages import Channel, PhoneNumber, Sms
from domain.notification import Status
from tests.fakes import RecordingProvider

SMS = Sms(PhoneNumber("+15551234567"), "Your code is 1234")


async def send(container: Container) -> UUID:
    return (await container.notifications().send_notification("bank", SMS)).id


async def status(container: Container, notification_id: UUID) -> tuple[Status, int, str | None]:
    n = await container.notifications().get_notification_status("bank", notification_id)
    return n.status, n.attempts, n.reason


async def test_a_delivered_notification_is_recorded_as_such(
    container: Container, provider: RecordingProvider
) -> None:
    notification_id = await send(container)
    outcome = await container.deliveries().deliver_notification(notification_id)
    assert outcome.done
    assert await status(container, notification_id) == (Status.DELIVERED, 1, None)
    assert [n.id for n in provider.delivered] == [notification_id]


async def test_a_transient_failure_is_retried_after_a_growing_delay(container: Container) -> None:
    failing = RecordingProvider([TransientDeliveryError("busy"), TransientDeliveryError("busy")])
    with container.delivery_providers.override(providers.Object(dict.fromkeys(Channel, failing))):
        notification_id = await send(container)
        deliveries = container.deliveries()
        first = await deliveries.deliver_notification(notification_id)
        second = await deliveries.deliver_notification(notification_id)
        third = await deliveries.deliver_notification(notification_id)
    assert first.retry_in is not None and second.retry_in is not None
    assert second.retry_in > first.retry_in
    assert third.done
    assert await status(container, notification_id) == (Status.DELIVERED, 3, None)


async def test_a_permanent_failure_refuses_with_the_reason(container: Container) -> None:
    failing = RecordingProvider([PermanentDeliveryError("21610: unsubscribed recipient")])
    with container.delivery_providers.override(providers.Object(dict.fromkeys(Channel, failing))):
        notification_id = await send(container)
        assert (await container.deliveries().deliver_notification(notification_id)).done
    assert await status(container, notification_id) == (Status.REFUSED, 1, "21610: unsubscribed recipient")


async def test_attempts_run_out_and_the_notification_is_refused(container: Container) -> None:
    failing = RecordingProvider([TransientDeliveryError("timeout")] * 10)
    limit = container.settings().max_attempts
    with container.delivery_providers.override(providers.Object(dict.fromkeys(Channel, failing))):
        notification_id = await send(container)
        outcomes = [
            await container.deliveries().deliver_notification(notification_id) for _ in range(limit + 2)
        ]
    assert [o.done for o in outcomes] == [False] * (limit - 1) + [True] * 3
    assert failing.calls == limit
    refused = await status(container, notification_id)
    assert refused[0] is Status.REFUSED
    assert refused[2] == f"delivery attempts exhausted ({limit}): timeout"


async def test_a_channel_without_a_provider_is_refused(container: Container) -> None:
    with container.delivery_providers.override(providers.Object({})):
        notification_id = await send(container)
        await container.deliveries().deliver_notification(notification_id)
    state, _, reason = await status(container, notification_id)
    assert state is Status.REFUSED
    assert reason == "no provider is configured for the sms channel"


async def test_a_provider_bug_counts_as_a_failed_attempt(container: Container) -> None:
    class Broken:
        async def deliver(self, notification: object) -> None:
            raise KeyError("bug")

    with container.delivery_providers.override(providers.Object(dict.fromkeys(Channel, Broken()))):
        notification_id = await send(container)
        outcome = await container.deliveries().deliver_notification(notification_id)
    assert not outcome.done
    assert await status(container, notification_id) == (Status.PENDING, 1, None)


async def test_a_repeated_message_for_a_delivered_notification_calls_no_provider(
    container: Container, provider: RecordingProvider
) -> None:
    notification_id = await send(container)
    for _ in range(3):
        assert (await container.deliveries().deliver_notification(notification_id)).done
    assert provider.calls == 1


async def test_two_workers_racing_record_one_outcome(
    container: Container, provider: RecordingProvider
) -> None:
    notification_id = await send(container)
    deliveries = container.deliveries()
    outcomes = await asyncio.gather(*(deliveries.deliver_notification(notification_id) for _ in range(4)))
    events = await container.notifications().get_notification_events("bank", notification_id)
    assert [e.type for e in events] == ["Requested", "DeliveryStarted", "Delivered"]
    assert provider.calls == 1
    assert sum(o.done for o in outcomes) == 1  # the others look again later, and then find it done


async def test_a_notification_claimed_by_a_live_attempt_is_looked_at_again_when_the_claim_lapses(
    container: Container, provider: RecordingProvider
) -> None:
    notification_id = await send(container)
    notification = await container.event_store().get(notification_id)
    notification.begin_attempt("another-worker", container.clock().now(), timedelta(seconds=20))
    await container.event_store().save(notification)
    outcome = await container.deliveries().deliver_notification(notification_id)
    assert outcome.retry_in is not None and 19 < outcome.retry_in <= 20
    assert provider.calls == 0


async def test_attempts_that_ended_in_crashes_exhaust_the_notification(container: Container) -> None:
    notification_id = await send(container)
    store, limit = container.event_store(), container.settings().max_attempts
    long_ago = container.clock().now() - timedelta(hours=1)
    for minute in range(limit):  # each attempt claimed, then its worker died
        notification = await store.get(notification_id)
        notification.begin_attempt(
            "crashed-worker", long_ago + timedelta(minutes=minute), timedelta(seconds=1)
        )
        await store.save(notification)
    outcome = await container.deliveries().deliver_notification(notification_id)
    assert outcome.dead
    state, attempts, reason = await status(container, notification_id)
    assert (state, attempts) == (Status.REFUSED, limit)
    assert reason == f"delivery attempts exhausted ({limit}): the earlier attempts ended without an outcome"


async def test_the_last_failed_attempt_sends_the_message_to_the_dead_letter_queue(
    container: Container,
) -> None:
    failing = RecordingProvider([TransientDeliveryError("timeout")] * 10)
    with container.delivery_providers.override(providers.Object(dict.fromkeys(Channel, failing))):
        notification_id = await send(container)
        outcomes = [
            await container.deliveries().deliver_notification(notification_id)
            for _ in range(container.settings().max_attempts)
        ]
    assert [o.dead for o in outcomes] == [False] * (len(outcomes) - 1) + [True]


async def test_a_provider_that_does_not_answer_in_time_fails_the_attempt(container: Container) -> None:
    class Silent:
        async def deliver(self, notification: object) -> None:
            await asyncio.sleep(10)

    with (
        container.retry_policy.override(providers.Object(RetryPolicy(attempt_timeout=0.05))),
        container.delivery_providers.override(providers.Object(dict.fromkeys(Channel, Silent()))),
    ):
        container.deliveries.reset()
        notification_id = await send(container)
        outcome = await container.deliveries().deliver_notification(notification_id)
    assert outcome.retry_in is not None
    events = await container.notifications().get_notification_events("bank", notification_id)
    assert events[-1].type == "DeliveryAttemptFailed"
    assert events[-1].data["reason"] == "the provider did not answer within 0.05 s"
