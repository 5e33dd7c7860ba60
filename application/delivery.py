"""The worker's use case: hand a pending notification to its provider and record the outcome."""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

import structlog

from application.errors import (
    Conflict,
    NotFound,
    PermanentDeliveryError,
    Throttled,
    TransientDeliveryError,
)
from application.metrics import NO_METRICS, Metrics, ProviderError
from application.ports import Clock, Closeable, EventStore, NotificationProvider, Paced
from application.state_log import log_state_change
from domain.addresses import masked
from domain.messages import Channel
from domain.notification import Notification

log = structlog.get_logger("notifications")


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    base_delay: float = 1.0
    max_delay: float = 300.0
    attempt_timeout: float = 30.0

    def delay(self, attempts: int) -> float:
        """Seconds to wait after the given number of failed attempts: doubling, capped."""
        return float(min(self.base_delay * 2 ** max(attempts - 1, 0), self.max_delay))

    @property
    def lease(self) -> timedelta:
        """How long a claimed attempt keeps other workers away: it ends before this, or fails."""
        return timedelta(seconds=self.attempt_timeout + 5)


@dataclass(frozen=True)
class Outcome:
    """Done, dead (attempts exhausted: the message belongs in the dead-letter queue), or to be
    tried again after `retry_in` seconds (`throttled`: the provider said "too many")."""

    retry_in: float | None = None
    dead: bool = False
    throttled: bool = False

    @property
    def done(self) -> bool:
        return self.retry_in is None


DONE, DEAD = Outcome(), Outcome(dead=True)


class Deliveries:
    def __init__(
        self,
        store: EventStore,
        providers: Mapping[Channel, NotificationProvider],
        policy: RetryPolicy,
        clock: Clock,
        worker: str,
        metrics: Metrics = NO_METRICS,
    ) -> None:
        self.store = store
        self.metrics = metrics
        self.providers = providers
        self.policy = policy
        self.clock = clock
        self.worker = worker
        # a runtime protocol check costs about 25 us: once here, not per delivery
        self._paced = {channel: p for channel, p in providers.items() if isinstance(p, Paced)}

    async def deliver_notification(self, notification_id: UUID) -> Outcome:
        """Makes one attempt. Safe to call again, and from several workers at once: only the worker
        whose claim is stored first calls the provider, and a finished notification is left alone."""
        try:
            notification: Notification = await self.store.get(notification_id)
        except NotFound:
            log.warning("delivery.unknown_notification", notification_id=str(notification_id))
            return DONE
        if notification.is_terminal:
            return DONE
        if notification.awaiting_confirmation:
            return await self._await_reports(notification)
        now = self.clock.now()
        if notification.is_claimed(now):
            assert notification.claimed_until is not None
            return Outcome(retry_in=(notification.claimed_until - now).total_seconds())
        if notification.attempts >= self.policy.max_attempts:
            notification.give_up("the earlier attempts ended without an outcome")
            return await self._record(notification, DEAD)
        provider = self.providers.get(notification.channel)
        if provider is None:
            notification.refuse(f"no provider is configured for the {notification.channel} channel")
            return await self._record(notification, DONE)
        paced = self._paced.get(notification.channel)
        if paced is not None and (wait := await paced.turn(notification)) > 0:
            return Outcome(retry_in=wait)  # the provider's rate limit, before any claim: nothing recorded
        notification.begin_attempt(self.worker, self.clock.now(), self.policy.lease)
        try:
            await self.store.save(notification)
        except Conflict:  # another worker claimed or finished it first: look again later
            return Outcome(retry_in=self.policy.base_delay)
        self.metrics.attempted(notification.channel)
        return await self._record(notification, await self._attempt(notification, provider))

    async def _attempt(self, notification: Notification, provider: NotificationProvider) -> Outcome:
        try:
            with self.metrics.in_flight(notification.channel):
                receipt = await asyncio.wait_for(provider.deliver(notification), self.policy.attempt_timeout)
        except PermanentDeliveryError as error:
            self.metrics.provider_failed(notification.channel, ProviderError.PERMANENT)
            notification.refuse(str(error))
            return DONE
        except Throttled as error:  # "too many": the provider took nothing, the attempt does not count
            retry_in = self.policy.base_delay if error.retry_after is None else error.retry_after
            notification.record_throttled(str(error), retry_in)
            return Outcome(retry_in=retry_in, throttled=True)
        except TransientDeliveryError as error:
            self.metrics.provider_failed(notification.channel, ProviderError.TRANSIENT)
            notification.record_failed_attempt(str(error), self.policy.max_attempts)
        except TimeoutError:
            self.metrics.provider_failed(notification.channel, ProviderError.TIMEOUT)
            reason = f"the provider did not answer within {self.policy.attempt_timeout:g} s"
            notification.record_failed_attempt(reason, self.policy.max_attempts)
        except Exception as error:  # a provider's bug must not lose the notification
            self.metrics.provider_failed(notification.channel, ProviderError.UNEXPECTED)
            log.error(  # its message may quote the recipient: masked, and the stack without it
                "delivery.provider_error",
                notification_id=str(notification.id),
                error=_masked(f"{type(error).__name__}: {error}", notification),
                stack="".join(traceback.format_tb(error.__traceback__)),
            )
            reason = f"unexpected provider error: {type(error).__name__}"
            notification.record_failed_attempt(reason, self.policy.max_attempts)
        else:
            notification.record_receipt(receipt)
            return self._until_confirmed(notification)
        if notification.is_terminal:
            return DEAD
        return Outcome(retry_in=self.policy.delay(notification.attempts))

    async def _await_reports(self, notification: Notification) -> Outcome:
        """A sent email whose reports are read from a mailbox comes back when its bounce window ends:
        the queue's delayed message is the timer, and it survives restarts as the message does."""
        if notification.confirm_by is None:
            return DONE
        notification.close_bounce_window(self.clock.now())
        if notification.is_terminal:
            return await self._record(notification, DONE)
        return self._until_confirmed(notification)

    def _until_confirmed(self, notification: Notification) -> Outcome:
        if notification.is_terminal or notification.confirm_by is None:
            return DONE
        return Outcome(retry_in=max((notification.confirm_by - self.clock.now()).total_seconds(), 0.0))

    async def _record(self, notification: Notification, outcome: Outcome) -> Outcome:
        try:
            await self.store.save(notification)
        except Conflict:  # the message comes back, to find what the other writer recorded
            log.info("delivery.conflict", notification_id=str(notification.id))
            return Outcome(retry_in=self.policy.base_delay)
        log_state_change(notification, "throttled" if outcome.throttled else None)
        self.metrics.concluded(notification)
        return outcome

    async def close(self) -> None:
        """Releases the providers' connections, once the worker stops delivering."""
        for channel, provider in self.providers.items():
            if not isinstance(provider, Closeable):
                continue
            try:
                await provider.close()
            except Exception as error:  # stopping goes on; the process is ending anyway
                log.warning("provider.close_failed", channel=channel.value, error=type(error).__name__)


def _masked(text: str, notification: Notification) -> str:
    """Provider errors quote recipients; logs carry them masked."""
    return masked(text, notification.message.recipients)
